from django.urls import path

from predictions import views
from predictions import views_governance as gov

app_name = "predictions"
urlpatterns = [
    path("", views.risk_dashboard, name="risk_dashboard"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/compare/", views.candidate_compare, name="candidate_compare"),
    path("candidates/<str:candidate_id>/notice.html", gov.candidate_notice_export, name="candidate_notice"),
    path("candidates/<str:candidate_id>/", views.candidate_detail, name="candidate_detail"),
    path("models/", views.models_page, name="models"),
    path("models/train/", views.model_train_view, name="model_train"),
    path("models/<uuid:model_id>/status", views.model_status, name="model_status"),
    path("models/<uuid:model_id>/promote", gov.model_promote_view, name="model_promote"),
    path("models/<uuid:model_id>/audit/", gov.model_audit_page, name="model_audit"),
    path("models/<uuid:model_id>/audit/refresh", gov.model_audit_refresh_view, name="model_audit_refresh"),
    path("models/<uuid:model_id>/mitigate", gov.model_mitigate_view, name="model_mitigate"),
    path("models/<uuid:model_id>/card/", gov.model_card_page, name="model_card"),
    path("audit-summary/<str:model_type>/", gov.audit_summary_page, name="audit_summary"),
    path("monitoring/", gov.monitoring_page, name="monitoring"),
    path("programs/", views.programs, name="programs"),
    path("technicians/<str:employee_id>/panel", views.technician_panel, name="technician_panel"),
    path("technicians/<str:employee_id>/what-if", views.technician_what_if, name="technician_what_if"),
    path("technicians/<str:employee_id>/", views.technician_panel, name="technician"),
]
