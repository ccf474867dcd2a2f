"""Live run progress: pages subscribe and receive HTML fragments swapped in by id (htmx ws extension)."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

from core.access import ws_allowed
from core.permissions import VIEW_FORECASTS


class RunProgressConsumer(AsyncWebsocketConsumer):
    """ws/forecasts/runs/ (every run) or ws/forecasts/runs/<uuid>/ (one run). Forecast viewers only."""

    access_permission = VIEW_FORECASTS

    async def connect(self):
        if not await ws_allowed(self, VIEW_FORECASTS):
            return
        run_id = self.scope["url_route"]["kwargs"].get("run_id")
        self.group = f"forecast-run-{run_id}" if run_id else "forecast-runs"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The page only listens."""

    async def run_progress(self, event):
        await self.send(text_data=event["html"])
