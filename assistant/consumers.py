"""Websocket chat: ws/assistant/<conversation_id>/ (session-authenticated, owner only).

Client → server: {"type": "ask", "message": "..."} or {"type": "cancel"}.
Server → client: the agent's events as JSON (see assistant.agent), one per frame.

One answer runs at a time per socket, in its own asyncio task. Disconnect (or "cancel") cancels that
task: the agent's generators are closed, which closes the upstream OpenAI HTTP stream at once, and
the partial answer is stored with status "partial". disconnect() waits briefly for the task to
finish so the consumer stops cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from contextlib import aclosing

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from assistant import agent, selectors
from assistant.outcomes import Reason, status_for
from assistant.services import AssistantInputError
from core.access import ws_allowed
from core.permissions import USE_ASSISTANT

log = logging.getLogger(__name__)


class AssistantConsumer(AsyncWebsocketConsumer):
    access_permission = USE_ASSISTANT
    llm_factory = None  # tests/benchmarks may set a callable returning a ChatLLM

    async def connect(self):
        self.user = self.scope.get("user")
        self.task: asyncio.Task | None = None
        self.conversation = None
        if not await ws_allowed(self, USE_ASSISTANT):
            return
        try:
            self.conversation = await database_sync_to_async(selectors.conversation_get_for_user)(
                user=self.user, conversation_id=self.scope["url_route"]["kwargs"]["conversation_id"]
            )
        except Http404:
            await self.close(code=4404)
            return
        await self.accept()
        await self.send_json(
            {"type": "ready", "mode": agent.assistant_mode(), "conversation_id": str(self.conversation.pk)}
        )

    async def disconnect(self, code):
        await self._cancel(wait=2.0)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            data = json.loads(text_data or "")
        except json.JSONDecodeError:
            data = {"type": "ask", "message": text_data or ""}
        if not isinstance(data, dict):
            await self.send_json({"type": "error", "message": 'Send a JSON object: {"type": "ask", "message": "…"}.'})
            return
        kind = data.get("type", "ask")
        if kind == "cancel":
            running = self.task is not None and not self.task.done()
            await self._cancel(wait=2.0)
            if running:  # the same (status, reason) the turn stores for a cancel (assistant.outcomes)
                reason = Reason.CANCELLED
                await self.send_json(
                    {"type": "done", "status": status_for(reason, has_text=False), "reason": reason, "cancelled": True}
                )
            return
        if kind != "ask":
            await self.send_json({"type": "error", "message": f"Unknown message type {kind!r}."})
            return
        if self.task is not None and not self.task.done():
            await self.send_json(
                {"type": "error", "message": "Please wait for the current answer to finish (or cancel it)."}
            )
            return
        message = data.get("message", data.get("text", ""))
        self.task = asyncio.create_task(self._answer(message))

    async def _answer(self, message):
        try:
            llm = self.llm_factory() if self.llm_factory else None
            async with aclosing(
                agent.run_turn(user=self.user, conversation=self.conversation, text=message, llm=llm)
            ) as events:
                async for event in events:
                    await self.send_json(event)
        except AssistantInputError as exc:
            await self.send_json({"type": "error", "message": str(exc), "rejected": True})
            await self.send_json({"type": "done", "status": "rejected"})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - never let a bug kill the socket silently
            log.exception("assistant turn failed")
            with contextlib.suppress(Exception):
                await self.send_json({"type": "error", "message": "Something went wrong answering that question."})
                await self.send_json({"type": "done", "status": "error"})

    async def _cancel(self, wait: float):
        task, self.task = getattr(self, "task", None), None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), timeout=wait)

    async def send_json(self, data):
        await self.send(text_data=json.dumps(data, default=str))
