"""In/Out schemas for the assistant API."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from core.params import Text


class ErrorOut(Schema):
    detail: str


class ConversationIn(Schema):
    title: Text | None = Field(None, description="Optional; defaults to the first question.")


class ConversationRenameIn(Schema):
    title: Text = Field(..., min_length=1)


class ConversationOut(Schema):
    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationPage(Schema):
    count: int
    items: list[ConversationOut]


class MessageOut(Schema):
    id: UUID
    role: str
    content: str
    status: str
    error: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int | None
    tools_used: list[str]
    citations: list[dict]
    created_at: datetime


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]


class AskIn(Schema):
    message: str = Field(..., description="The question (1 to ASSISTANT_MAX_MESSAGE_CHARS characters).")
