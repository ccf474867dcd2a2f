from django.urls import path

from assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.assistant_home, name="home"),
    path("new/", views.conversation_new, name="new"),
    path("documents/<int:document_id>/", views.document_detail, name="document"),
    path("<uuid:conversation_id>/", views.conversation_page, name="conversation"),
    path("<uuid:conversation_id>/rename/", views.conversation_rename, name="rename"),
    path("<uuid:conversation_id>/delete/", views.conversation_delete, name="delete"),
]
