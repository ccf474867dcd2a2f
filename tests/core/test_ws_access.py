"""Websockets (assistant chat, training progress, forecast progress) refuse users without the permission."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser


async def _connect(consumer, path: str, kwargs: dict, user):
    comm = WebsocketCommunicator(consumer.as_asgi(), path)
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": kwargs}
    connected, code = await comm.connect()
    if connected:
        await comm.disconnect()
    return connected, code


@pytest.mark.django_db(transaction=True)
def test_every_websocket_refuses_no_role_and_anonymous_users(recruiter):
    from assistant.consumers import AssistantConsumer
    from assistant.services import conversation_create
    from forecasts.consumers import RunProgressConsumer
    from predictions.consumers import ModelProgressConsumer
    from tests.factories import make_user

    nobody = make_user("nobody", None)
    conv = conversation_create(user=nobody)
    sockets = [
        (AssistantConsumer, f"/ws/assistant/{conv.pk}/", {"conversation_id": conv.pk}),
        (ModelProgressConsumer, f"/ws/predictions/models/{uuid.uuid4()}/", {"model_id": uuid.uuid4()}),
        (RunProgressConsumer, "/ws/forecasts/runs/", {}),
    ]
    assert all(consumer.access_permission for consumer, _, _ in sockets)

    async def every_attempt():
        # one event loop for every attempt, as in a server process: an event loop per attempt (an
        # async_to_sync call each) sometimes hung in the loop's shutdown, cancelling channels_redis's
        # blocking pop on a connection Redis had closed (after the service-restart tests)
        out = []
        for consumer, path, kwargs in sockets:
            out.append((path, "nobody", await _connect(consumer, path, kwargs, nobody)))
            out.append((path, "anonymous", await _connect(consumer, path, kwargs, AnonymousUser())))
        # a recruiter passes the permission (then the consumer's own checks apply: not their conversation → 4404)
        out.append(("runs", "recruiter", await _connect(RunProgressConsumer, "/ws/forecasts/runs/", {}, recruiter)))
        out.append(("assistant", "recruiter", await _connect(AssistantConsumer, *sockets[0][1:], recruiter)))
        return out

    results = async_to_sync(every_attempt)()
    expected = [
        (path, who, code)
        for _, path, _ in sockets
        for who, code in (("nobody", (False, 4403)), ("anonymous", (False, 4401)))
    ]
    expected += [("runs", "recruiter", (True, None)), ("assistant", "recruiter", (False, 4404))]  # fmt: skip
    assert results == expected


@pytest.mark.django_db
def test_score_refuses_hr_only_inputs_from_a_recruiter(recruiter, hr_admin, client, api_key_for):
    body = '{"model_type": "retention", "features": {"pay_vs_district_median": 1.2, "overtime_hours": 4}}'
    r = client.post("/api/v1/predictions/score", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {api_key_for(recruiter)}")  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pay_vs_district_median"
    r = client.post("/api/v1/predictions/score", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {api_key_for(hr_admin)}")  # fmt: skip
    assert r.status_code == 409  # HR passes the rule; there is simply no trained model here
