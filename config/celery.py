"""The Celery app. Tasks take ids, call a service and record progress on the row (DESIGN.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("technician_analytics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
