"""Keep each role group's permissions in step with the installed models after every migrate."""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER

PRODUCT_APPS = ("core", "technicians", "predictions", "forecasts", "assistant")
# Recruiters and API consumers read; they may also start training runs and chat. Forecast runs are HR-only
# (issue 11: an exploratory run must not be started, let alone shown, by a recruiter).
READER_EXTRA = {"predictions.add_trainedmodel", "assistant.add_conversation"}


def sync_role_permissions() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for label in PRODUCT_APPS:  # permissions of apps migrated after core may not exist yet
        create_permissions(apps.get_app_config(label), verbosity=0)
    perms = Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS).select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in perms}
    hr, _ = Group.objects.get_or_create(name=HR_ADMIN)
    hr.permissions.add(*perms)
    readers = [p for k, p in by_name.items() if k.split(".")[1].startswith("view_") and "sensitive" not in k]
    readers += [by_name[k] for k in READER_EXTRA if k in by_name]
    readers = [p for p in readers if p.codename != "view_apikey"]
    for name in (RECRUITER, API_CONSUMER):
        g, _ = Group.objects.get_or_create(name=name)
        g.permissions.set(readers)


@receiver(post_migrate)
def _after_migrate(sender, **kwargs):
    if getattr(sender, "name", None) == "core":
        sync_role_permissions()
