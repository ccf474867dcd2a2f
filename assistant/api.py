"""Assistant API: conversation CRUD (own conversations only) and the SSE answer stream.

POST /api/v1/assistant/conversations/{id}/messages streams ``text/event-stream``:
``data: {event json}\\n\\n`` per agent event (start, delta, tool, citations, error, done), then
``data: [DONE]\\n\\n``. Bad input (empty/huge message) is a 422 JSON error before any streaming.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.http import Http404, StreamingHttpResponse
from ninja import Router
from ninja.errors import HttpError

from assistant import agent, selectors, services
from assistant.schemas import (
    AskIn,
    ConversationDetailOut,
    ConversationIn,
    ConversationOut,
    ConversationPage,
    ConversationRenameIn,
    ErrorOut,
)
from core.access import requires
from core.pagination import paginate
from core.params import Limit, Offset
from core.permissions import USE_ASSISTANT

router = Router(tags=["assistant"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _conversation(request, conversation_id):
    try:
        return selectors.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    except Http404 as exc:
        raise HttpError(404, str(exc))


@router.get("conversations", response={200: ConversationPage, **ERRORS}, summary="Your conversations, newest first")
@requires(USE_ASSISTANT)
def conversations_list(request, limit: Limit = 50, offset: Offset = 0):
    page = paginate(selectors.conversation_list(user=request.user), limit=limit, offset=offset)
    return {"count": page["count"], "items": page["items"]}


@router.post("conversations", response={201: ConversationOut, **ERRORS}, summary="Start a conversation")
@requires(USE_ASSISTANT)
def conversations_create(request, payload: ConversationIn):
    return 201, services.conversation_create(user=request.user, title=payload.title)


@router.get("conversations/{conversation_id}", response={200: ConversationDetailOut, **ERRORS})
@requires(USE_ASSISTANT)
def conversations_detail(request, conversation_id: UUID):
    conv = _conversation(request, conversation_id)
    return {
        "id": conv.id,
        "title": conv.title,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
        "messages": list(selectors.message_list(conversation=conv)),
    }


@router.patch("conversations/{conversation_id}", response={200: ConversationOut, **ERRORS}, summary="Rename")
@requires(USE_ASSISTANT)
def conversations_rename(request, conversation_id: UUID, payload: ConversationRenameIn):
    conv = _conversation(request, conversation_id)
    try:
        return services.conversation_rename(conversation=conv, title=payload.title)
    except services.AssistantInputError as exc:
        raise HttpError(422, str(exc))


@router.delete("conversations/{conversation_id}", response={204: None, **ERRORS}, summary="Delete")
@requires(USE_ASSISTANT)
def conversations_delete(request, conversation_id: UUID):
    services.conversation_delete(conversation=_conversation(request, conversation_id))
    return 204, None


def sse_events(events):
    """Wrap an async iterator of agent events as Server-Sent Events, ending with ``[DONE]``."""

    async def gen():
        async for event in events:
            yield f"data: {json.dumps(event, default=str)}\n\n"
        yield "data: [DONE]\n\n"

    return gen()


@router.post(
    "conversations/{conversation_id}/messages",
    response={200: None, **ERRORS},
    summary="Ask a question; the answer streams back as Server-Sent Events",
    description="`data: {json}` events: start, delta (text), tool (label), citations, error, done; then `data: [DONE]`.",
)
@requires(USE_ASSISTANT)
def conversations_ask(request, conversation_id: UUID, payload: AskIn):
    conv = _conversation(request, conversation_id)
    try:
        text = services.message_validate(payload.message)
    except services.AssistantInputError as exc:
        raise HttpError(422, str(exc))
    response = StreamingHttpResponse(
        sse_events(agent.run_turn(user=request.user, conversation=conv, text=text)),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
