"""A message a worker gave back (its process died under an acks_late task) is the next one delivered from
its queue, not queued behind everything published since (config/broker.py)."""

import uuid


def test_rejected_message_goes_back_to_the_front_of_its_queue(db):
    from config.celery import app

    name = f"order-test-{uuid.uuid4().hex[:8]}"
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue(name)
        try:
            for body in ("first", "second", "third"):
                queue.put(body)
            taken = queue.get(timeout=2)
            assert taken.payload == "first"
            taken.reject(requeue=True)  # what Celery does with task_reject_on_worker_lost
            order = []
            for _ in range(3):
                m = queue.get(timeout=2)
                order.append(m.payload)
                m.ack()
            assert order == ["first", "second", "third"]
        finally:
            queue.clear()
            queue.close()
