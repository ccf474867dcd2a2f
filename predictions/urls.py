from django.urls import path

from predictions import views

app_name = "predictions"
urlpatterns = [
    path("", views.risk_dashboard, name="risk_dashboard"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/<str:candidate_id>/", views.candidate_detail, name="candidate_detail"),
    path("models/", views.models_page, name="models"),
    path("models/train/", views.model_train_view, name="model_train"),
    path("models/<uuid:model_id>/status", views.model_status, name="model_status"),
    path("models/<uuid:model_id>/promote", views.model_promote_view, name="model_promote"),
    path("programs/", views.programs, name="programs"),
    path("technicians/<str:employee_id>/panel", views.technician_panel, name="technician_panel"),
    path("technicians/<str:employee_id>/what-if", views.technician_what_if, name="technician_what_if"),
    path("technicians/<str:employee_id>/", views.technician_panel, name="technician"),
]
