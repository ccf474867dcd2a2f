"""The Channels layer on the real Redis: an idle consumer's blocking receive must not time out and crash."""

import asyncio

from channels.layers import get_channel_layer


def test_idle_receive_outlasts_the_blocking_pop_timeout():
    layer = get_channel_layer()

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
    layer = get_channel_layer()

    async def scenario():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "progress.update", "percent": 40})
        msg = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return msg

    assert asyncio.run(scenario())["percent"] == 40
