from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0006_h15a_scoring_runs"),
        ("predictions", "0006_h15b_current_scores"),
    ]
    operations = []
