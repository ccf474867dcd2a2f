from django.urls import path

from worklist import views

app_name = "worklist"
urlpatterns = [
    path("", views.worklist_page, name="list"),
    path("export.csv", views.worklist_export, name="export"),
    path("bulk", views.worklist_bulk, name="bulk"),
    path("technicians/<str:employee_id>/", views.technician_panel, name="technician"),
    path("technicians/<str:employee_id>/update", views.technician_update, name="technician_update"),
]
