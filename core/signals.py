"""Keep each role group's permissions in step with core.permissions.ROLE_GRANTS after every migrate."""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from core.permissions import ROLE_GRANTS
from core.roles import HR_ADMIN

PRODUCT_APPS = ("core", "technicians", "predictions", "forecasts", "assistant", "worklist", "alerts")
# Model permissions readers keep for compatibility (admin-style reads); entry points check core.* only.
_NOT_FOR_READERS = ("view_apikey", "view_auditevent")


def sync_role_permissions() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for label in PRODUCT_APPS:  # permissions of apps migrated after core may not exist yet
        create_permissions(apps.get_app_config(label), verbosity=0)
    perms = Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS).select_related("content_type")
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in perms}
    hr, _ = Group.objects.get_or_create(name=HR_ADMIN)
    hr.permissions.add(*perms)
    model_reads = [
        p
        for k, p in by_name.items()
        if p.codename.startswith("view_")
        and p.content_type.model != "access"
        and "sensitive" not in k
        and not p.codename.endswith("event")  # change-history / audit tables are HR-only
        and p.codename not in _NOT_FOR_READERS
    ]
    for role, codenames in ROLE_GRANTS.items():
        if role == HR_ADMIN:
            continue
        g, _ = Group.objects.get_or_create(name=role)
        g.permissions.set(model_reads + [by_name[f"core.{c}"] for c in codenames])


@receiver(post_migrate)
def _after_migrate(sender, **kwargs):
    if getattr(sender, "name", None) == "core":
        sync_role_permissions()
