"""The websocket sends a run's current state on connect, then every progress event of its group."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from predictions.consumers import ModelProgressConsumer
from predictions.services import model_train


async def _session(model, user, event):
    app = ModelProgressConsumer.as_asgi()
    comm = WebsocketCommunicator(app, f"/ws/predictions/models/{model.id}/")
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": {"model_id": model.id}}
    connected, code = await comm.connect()
    if not connected:
        return connected, code, []
    first = await comm.receive_json_from(timeout=5)
    await get_channel_layer().group_send(model.ws_group, {"type": "progress", **event})
    second = await comm.receive_json_from(timeout=5)
    await comm.disconnect()
    return connected, code, [first, second]


@pytest.mark.django_db(transaction=True)
def test_progress_socket_streams_state_then_events(hr_admin):
    m = model_train(model_type="retention", enqueue=False)
    connected, _, msgs = async_to_sync(_session)(
        m, hr_admin, {"stage": "fitting", "progress": 42, "status": "training"}
    )
    assert connected
    assert msgs[0]["status"] == "queued" and msgs[0]["progress"] == 0
    assert msgs[1] == {"stage": "fitting", "progress": 42, "status": "training"}


@pytest.mark.django_db(transaction=True)
def test_progress_socket_refuses_anonymous():
    m = model_train(model_type="retention", enqueue=False)
    connected, code, _ = async_to_sync(_session)(m, AnonymousUser(), {})
    assert not connected and code == 4401
