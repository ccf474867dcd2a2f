"""A lone surrogate in a question is replaced at the boundary: the event stream runs to [DONE] and is stored."""

import pytest

from assistant.models import Message
from assistant.services import conversation_create
from tests.assistant.test_api import parse_sse, sse_post

pytestmark = pytest.mark.usefixtures("close_async_db_connections")


@pytest.mark.django_db(transaction=True)
def test_lone_surrogate_does_not_break_the_stream(world, recruiter, api_key_for, offline):
    conv = conversation_create(user=recruiter)
    r, body = sse_post(
        f"/api/v1/assistant/conversations/{conv.pk}/messages",
        '{"message": "How many technicians are in Dallas? \\ud800"}',
        {"Authorization": f"Bearer {api_key_for(recruiter)}"},
    )
    assert r.status_code == 200
    events = parse_sse(body)
    assert events[-1]["type"] == "done" and events[-1]["status"] == "complete"
    question = Message.objects.get(conversation=conv, role="user").content
    assert question.endswith("Dallas? \ufffd")
