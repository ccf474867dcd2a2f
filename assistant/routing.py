from django.urls import path

from assistant.consumers import AssistantConsumer

websocket_urlpatterns = [
    path("ws/assistant/<uuid:conversation_id>/", AssistantConsumer.as_asgi()),
]
