"""Websocket routes. Each app lists its own in `<app>/routing.py`; they are joined here."""

from assistant.routing import websocket_urlpatterns as assistant_ws
from forecasts.routing import websocket_urlpatterns as forecasts_ws
from predictions.routing import websocket_urlpatterns as predictions_ws

websocket_urlpatterns = [*predictions_ws, *forecasts_ws, *assistant_ws]
