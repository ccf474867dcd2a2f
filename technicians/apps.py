from django.apps import AppConfig


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = "Technicians, candidates and demand"
    default_auto_field = "django.db.models.BigAutoField"
