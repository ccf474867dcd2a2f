from django.urls import path

from technicians import views

app_name = "technicians"
urlpatterns = [
    path("", views.technician_list, name="list"),
    path("export.csv", views.technician_export, name="export"),
    path("<str:employee_id>/", views.technician_detail, name="detail"),
]
