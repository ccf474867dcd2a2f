"""Progress is pushed over Channels (real Redis channel layer) to logged-in pages."""

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from forecasts import services
from forecasts.models import ForecastRun
from forecasts.routing import websocket_urlpatterns


async def _receive_push(user, path, run_id):
    app = URLRouter(websocket_urlpatterns)
    comm = WebsocketCommunicator(app, path)
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    if not connected:
        # let the refused consumer finish (it may still hold a channel-layer receive); a task left pending
        # can block the event loop's shutdown in async_to_sync
        await comm.disconnect()
        return None
    from asgiref.sync import sync_to_async

    await sync_to_async(services.progress_push)(run_id=run_id)
    html = await comm.receive_from(timeout=5)
    await comm.disconnect()
    return html


@pytest.mark.django_db(transaction=True)
def test_progress_fragment_is_pushed_to_the_run_page(recruiter):
    run = ForecastRun.objects.create(metric="demand", status="running", series_total=4, series_done=1)
    html = async_to_sync(_receive_push)(recruiter, f"/ws/forecasts/runs/{run.id}/", run.id)
    assert f'id="run-progress-{run.id}"' in html and 'hx-swap-oob="true"' in html
    assert "1/4 series" in html and 'aria-valuenow="25"' in html


@pytest.mark.django_db(transaction=True)
def test_anonymous_websocket_is_refused():
    run = ForecastRun.objects.create(metric="demand")
    assert async_to_sync(_receive_push)(AnonymousUser(), "/ws/forecasts/runs/", run.id) is None
