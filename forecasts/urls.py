from django.urls import path

from forecasts import views

app_name = "forecasts"
urlpatterns = [
    path("", views.forecast_page, name="forecast_page"),
    path("hiring-plan/", views.hiring_plan, name="hiring_plan"),
    path("hiring-plan.csv", views.hiring_plan_csv, name="hiring_plan_csv"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:run_id>/publish/", views.run_publish, name="run_publish"),
    path("runs/<uuid:run_id>/compare/", views.run_compare, name="run_compare"),
]
