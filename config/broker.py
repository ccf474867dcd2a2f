"""The Celery broker transport: kombu's Redis transport, with a re-delivered message keeping its place.

Stock kombu puts a message rejected with ``requeue=True`` — what Celery does when a pool process dies
under an ``acks_late`` task (``task_reject_on_worker_lost``) — back with LPUSH, i.e. at the *back* of
the queue (consumers BRPOP from the right). A training run whose worker was killed then waited behind
every forecast chunk queued since. Here it goes back with RPUSH, to the front: it is the next message
that queue delivers. Selected by ``CELERY_BROKER_TRANSPORT = "config.broker:Transport"`` with the
ordinary ``redis://`` URL. No Django imports (the broker is configured before Django is).
"""

from __future__ import annotations

from kombu.transport import redis


class QoS(redis.QoS):
    def reject(self, delivery_tag, requeue=False):
        if requeue:
            self.restore_by_tag(delivery_tag, leftmost=False)  # RPUSH: the front of the queue
            super(redis.QoS, self).ack(delivery_tag)  # forget it locally, as kombu's own reject does
        else:
            super().reject(delivery_tag, requeue=False)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
