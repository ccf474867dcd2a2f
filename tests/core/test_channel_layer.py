"""The Channels layer on the real Redis: an idle consumer's blocking receive must not time out and crash,
and cancelling a receive always ends it."""

import asyncio

import pytest
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from channels_redis.core import RedisChannelLayer
from redis.asyncio import Redis


def _fresh_layer():
    # a layer of its own (configured from settings), so no other test's loop or lock state leaks in
    return channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)


def test_idle_receive_outlasts_the_blocking_pop_timeout():
    layer = _fresh_layer()

    async def scenario():
        channel = await layer.new_channel()
        try:
            # nothing is sent: the layer keeps re-issuing its 5 s blocking pop; a socket read timeout equal to
            # that window used to raise redis TimeoutError here (and killed every idle websocket consumer)
            await asyncio.wait_for(layer.receive(channel), timeout=layer.brpop_timeout + 1.5)
        except TimeoutError:
            return "still waiting"
        finally:
            await layer.flush()
        return "received"

    assert asyncio.run(scenario()) == "still waiting"


def test_messages_still_arrive_through_the_layer():
    layer = _fresh_layer()

    async def scenario():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "progress.update", "percent": 40})
        msg = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return msg

    assert asyncio.run(scenario())["percent"] == 40


async def _swallowing_bzpopmin(self, *keys, timeout=0):
    # what the Redis client does now and then: a cancellation that arrives while it reads is swallowed and
    # the pop returns "nothing arrived" (seen about once in sixty cancellations with redis-py 8.1)
    try:
        await asyncio.sleep(timeout)
    except asyncio.CancelledError:
        pass
    return None


@pytest.mark.parametrize("layer_class", ["settings", "stock"])
def test_a_cancel_the_client_swallows_still_ends_the_receive(monkeypatch, layer_class):
    layer = _fresh_layer()
    if layer_class == "stock":
        layer.__class__ = RedisChannelLayer  # channels_redis as shipped: the swallowed cancel is lost
    layer.brpop_timeout = 1
    monkeypatch.setattr(Redis, "bzpopmin", _swallowing_bzpopmin)

    async def scenario():
        channel = await layer.new_channel()
        receive = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.3)  # inside the first pop
        receive.cancel()
        done, _ = await asyncio.wait([receive], timeout=3 * layer.brpop_timeout)
        ended = receive in done and receive.cancelled()
        await layer.flush()
        if not ended:  # the stock layer: closing its connections ends its endless pops so the loop can close
            monkeypatch.undo()
            receive.cancel()
            await asyncio.wait([receive], timeout=3 * layer.brpop_timeout)
            if receive.done() and not receive.cancelled():
                receive.exception()
        return ended

    assert asyncio.run(scenario()) is (layer_class == "settings")
