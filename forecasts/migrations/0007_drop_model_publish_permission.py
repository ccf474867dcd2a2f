"""Publishing is checked through core.publish_forecast (core/permissions.py) at every entry point; the model
permission forecasts.publish_forecastrun that i11 added first was never checked, so it goes (with its row)."""

from django.db import migrations


def drop_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="forecasts", codename="publish_forecastrun").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forecasts", "0006_merge_0004_merge_i9a_0005_i11_forecast_publication"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(name="forecastrun", options={"ordering": ["-created_at"]}),
        migrations.RunPython(drop_permission, migrations.RunPython.noop),
    ]
