from django.urls import path

from predictions.consumers import ModelProgressConsumer

websocket_urlpatterns = [
    path("ws/predictions/models/<uuid:model_id>/", ModelProgressConsumer.as_asgi()),
]
