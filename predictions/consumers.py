"""Live training progress over Channels: one group per model run (``model_run_<uuid hex>``)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.access import ws_allowed
from core.permissions import VIEW_PREDICTIONS


class ModelProgressConsumer(AsyncJsonWebsocketConsumer):
    access_permission = VIEW_PREDICTIONS

    async def connect(self):
        if not await ws_allowed(self, VIEW_PREDICTIONS):
            return
        self.model_id = str(self.scope["url_route"]["kwargs"]["model_id"])
        state = await self._state()
        if state is None:
            await self.close(code=4404)
            return
        self.group = state.pop("group")
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(state)  # the row's current state first, so a late page still shows it

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def progress(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"})

    @database_sync_to_async
    def _state(self):
        from predictions.models import TrainedModel

        m = TrainedModel.objects.filter(pk=self.model_id).first()
        if m is None:
            return None
        return {"group": m.ws_group, "model_id": str(m.id), "stage": m.stage, "progress": m.progress,
                "status": m.status, "error": m.error or None}  # fmt: skip
