"""Schemas of the alerts API (/api/v1/alerts/)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from core.params import Code

Kind = Literal["high_risk", "risk_rise", "stage_passed", "drift", "system"]


class NotificationOut(Schema):
    id: int
    kind: Kind
    kind_label: str
    text: str
    link: str | None
    district: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class MarkReadIn(Schema):
    ids: list[int] = Field(default_factory=list, max_length=1000, description="Notification ids to mark read.")
    all: bool = Field(default=False, description="Mark every unread notification read.")


class MarkReadOut(Schema):
    marked: int
    unread: int


class PreferencesIn(Schema):
    kinds: list[Kind] = Field(max_length=10, description="Alert kinds to receive.")
    districts: list[Code] = Field(default_factory=list, max_length=500, description="District codes; empty = all.")
    email_digest: bool = True


class PreferencesOut(Schema):
    kinds: list[Kind]
    districts: list[str]
    email_digest: bool
