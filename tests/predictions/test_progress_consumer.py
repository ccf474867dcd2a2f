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
        await comm.disconnect()  # let the refused consumer finish: a pending task can block loop shutdown
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


@pytest.mark.django_db(transaction=True)
def test_progress_route_is_mounted_in_the_asgi_application():
    from config.asgi import application

    m = model_train(model_type="retention", enqueue=False)

    async def go():
        comm = WebsocketCommunicator(
            application,
            f"/ws/predictions/models/{m.id}/",
            headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
        )
        connected, code = await comm.connect()
        return connected, code

    connected, code = async_to_sync(go)()
    assert not connected and code == 4401  # reached our consumer (anonymous is refused), not a routing error
