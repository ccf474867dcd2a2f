"""The Channels layer: channels_redis's Redis layer, with cancellation that always ends a receive.

A websocket consumer waits on the layer with a blocking pop (``BZPOPMIN`` with a 5 s window, repeated
while nothing arrives). When the consumer ends (client gone, socket refused, server shutting down) Channels
cancels that wait. Measured here with redis-py 8.1 and Python 3.11: about one cancellation in sixty is
swallowed inside the Redis client — the pop returns "nothing arrived" while the task still has a
cancellation pending (``Task.cancelling() > 0``) — and channels_redis then issues the next pop, and the
next, forever. The consumer never finishes, its connection is never returned, and an event loop that is
closing waits for it without end (the hang once seen in CI).

The layer below checks for a pending cancellation after every pop and honours it. Nothing is lost: a
message the pop took is already in channels_redis's backup queue, which the next receive puts back.
"""

from __future__ import annotations

import asyncio

from channels_redis.core import RedisChannelLayer


class CancellableRedisChannelLayer(RedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        result = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # the cancellation was requested while the client was reading and it returned normally
            raise asyncio.CancelledError()
        return result
