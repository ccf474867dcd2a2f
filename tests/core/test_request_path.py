"""The request path's cheaper pieces (issue 15, scale-p95) answer exactly as what they replaced: dict payloads
validated by pydantic directly (core.schema.DictSchema) and the ASGI handler whose middleware chain runs in one
thread hop (core.asgi)."""

from datetime import date

import pytest
from asgiref.sync import async_to_sync
from ninja import Schema

from core.schema import DictSchema


class _Inner(Schema):
    label: str
    value: float | None = None


class _Outer(Schema):
    name: str
    when: date
    items: list[_Inner]
    note: str | None = None


class _FastInner(DictSchema):
    label: str
    value: float | None = None


class _FastOuter(DictSchema):
    name: str
    when: date
    items: list[_FastInner]
    note: str | None = None


def test_dict_schema_validates_dicts_as_ninja_schema_does():
    payloads = [
        {"name": "a", "when": date(2026, 1, 2), "items": [{"label": "x", "value": 1.5}, {"label": "y"}]},
        {"name": "b", "when": "2026-03-04", "items": [], "note": "n", "extra": "ignored"},
    ]
    for data in payloads:
        for unset in (False, True):
            assert _FastOuter.model_validate(data).model_dump(exclude_unset=unset) == _Outer.model_validate(
                data
            ).model_dump(exclude_unset=unset)
    with pytest.raises(ValueError):
        _FastOuter.model_validate({"name": "c", "when": "not a date", "items": []})


def test_dict_schema_leaves_values_that_need_conversion_to_ninjas_getter():
    """A callable value is called (and an object read by attribute) exactly as ninja's Schema does."""
    data = {"name": lambda: "called", "when": date(2026, 1, 1), "items": []}
    assert _FastOuter.model_validate(data).name == _Outer.model_validate(data).name == "called"

    class Obj:
        label = "from an attribute"
        value = 2.0

    assert _FastInner.model_validate(Obj()).model_dump() == _Inner.model_validate(Obj()).model_dump()


def _asgi_get(app, path: str, headers=()) -> tuple[int, dict, bytes]:
    from channels.testing import HttpCommunicator

    async def go():
        comm = HttpCommunicator(app, "GET", path, headers=[(b"host", b"testserver"), *headers])
        return await comm.get_response(timeout=30)

    resp = async_to_sync(go)()
    return resp["status"], dict(resp["headers"]), resp["body"]


@pytest.mark.django_db(transaction=True)
def test_the_sync_chain_handler_answers_as_djangos_asgi_handler(recruiter, client):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.handlers.asgi import ASGIHandler

    from core.asgi import SyncChainASGIHandler

    s = SessionStore()
    s[SESSION_KEY] = str(recruiter.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = recruiter.get_session_auth_hash()
    s.create()
    cookie = [(b"cookie", f"sessionid={s.session_key}".encode())]
    ours, djangos = SyncChainASGIHandler(), ASGIHandler()
    for path, headers in [
        ("/api/v1/health", []),
        ("/technicians/", []),  # anonymous: the login redirect
        ("/technicians/", cookie),
        ("/api/v1/technicians", []),  # no credentials: 401 JSON
        ("/api/v1/me", cookie),
        ("/no-such-page/", cookie),
    ]:
        a, b = _asgi_get(ours, path, headers), _asgi_get(djangos, path, headers)
        assert a[0] == b[0], path
        assert a[1].get(b"location") == b[1].get(b"location"), path
        # pages carry a per-render CSRF token and health its timings; the rest must match byte for byte
        if b"csrf" not in b[2].lower() and path != "/api/v1/health":
            assert a[2] == b[2], path
        assert a[0] != 500, path
