from django.urls import path

from forecasts.consumers import RunProgressConsumer

websocket_urlpatterns = [
    path("ws/forecasts/runs/", RunProgressConsumer.as_asgi()),
    path("ws/forecasts/runs/<uuid:run_id>/", RunProgressConsumer.as_asgi()),
]
