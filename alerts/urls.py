from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.notifications_page, name="list"),
    path("read", views.mark_read, name="read"),
    path("preferences/", views.preferences_page, name="preferences"),
]
