from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("trends/", views.trends, name="trends"),
    path("survival/", views.survival, name="survival"),
    path("compare/", views.compare, name="compare"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("technicians/<str:employee_id>/risk-history/", views.risk_history, name="risk-history"),
]
