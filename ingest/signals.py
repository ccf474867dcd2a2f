"""HR admins manage ingestion: give their group this app's permissions after every migrate.

(core.signals covers the product apps it lists; ingest is added here so core stays untouched.)
"""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def _grant_hr_admin(sender, **kwargs):
    if getattr(sender, "name", None) != "ingest":
        return
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from core.roles import HR_ADMIN

    create_permissions(apps.get_app_config("ingest"), verbosity=0)
    hr, _ = Group.objects.get_or_create(name=HR_ADMIN)
    hr.permissions.add(*Permission.objects.filter(content_type__app_label="ingest"))
