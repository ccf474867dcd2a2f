from django.db import migrations
from pgvector.django import VectorExtension

ROLES = ("HR admin", "Recruiter", "API consumer")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    """pgvector for embeddings; the three role groups (their permissions are synced after every
    migrate by core.signals, so models added later are covered)."""

    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        VectorExtension(),
        migrations.RunPython(create_groups, remove_groups),
    ]
