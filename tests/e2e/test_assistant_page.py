# ruff: noqa: F811 - pytest fixtures imported from tests/assistant/conftest.py are used as arguments
"""Browser test: the chat page receives a streamed answer over a real websocket (uvicorn ASGI server).

pytest-django's live_server is WSGI-only (no websockets), so this runs the project's ASGI application
(config.asgi: HTTP + Channels websocket + static files) in uvicorn on a free loopback port, in a thread
of the test process — it therefore uses the same test database.
"""

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.assistant.conftest import close_async_db_connections, fake_openai, offline, world  # noqa: F401 - shared fixtures
from tests.e2e.conftest import wait_js

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_async_db_connections"),
]


@pytest.fixture
def asgi_server(transactional_db):
    import uvicorn

    from config.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="auto")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    from django.db import connections

    connections.close_all()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()
        from django.db import connections

        # Playwright's sync API switches greenlets, so DB connections opened by the test body can live in a
        # different context (asgiref.local) than the fixture teardown; close them from here too.
        connections.close_all()


def login(page, base, username):
    page.goto(f"{base}/accounts/login/?next=/assistant/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/assistant/**")


def test_chat_page_streams_llm_answer_with_tool_event(asgi_server, browser_page, fake_openai, world, recruiter):
    page = browser_page
    fake_openai.reply_tool_calls([("query_technicians", '{"district": "Dallas"}')])
    pieces = [f"w{i} " for i in range(30)] + ["— Dallas has 3 active technicians."]
    fake_openai.reply_text(pieces, delay=0.04)
    login(page, asgi_server, recruiter.username)
    page.click("#new-conversation")
    page.wait_for_selector("body[data-assistant-ready='1']", timeout=20000)
    page.fill("#chat-input", "How many technicians are in Dallas?")
    page.click("#chat-send")
    # streaming: part of the answer is visible before the message is done
    wait_js(
        page,
        "(() => { const m = document.querySelector('.msg-assistant .text'); return !!m && m.textContent.includes('w5 '); })()",
    )
    partial_done = page.locator(".msg-assistant.done").count()
    page.wait_for_selector(".msg-assistant.done", timeout=30000)
    assert partial_done == 0
    text = page.inner_text(".msg-assistant .text")
    assert text == "".join(pieces)
    assert page.inner_text(".msg-assistant .tool-chip") == "looked up: technicians, Dallas"
    assert page.locator(".msg-user .text").inner_text() == "How many technicians are in Dallas?"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assistant_chat_llm.png"), full_page=True)
    # persisted: a reload shows the same conversation from PostgreSQL, titled by the first question
    page.reload()
    assert "Dallas has 3 active technicians." in page.inner_text("#chat-log")
    assert page.locator(".conv-list li.current a").inner_text() == "How many technicians are in Dallas?"


def test_chat_page_offline_planner_answer(asgi_server, browser_page, offline, world, recruiter):
    page = browser_page
    login(page, asgi_server, recruiter.username)
    page.click("#new-conversation")
    assert "Offline mode." in page.inner_text("#offline-note")
    page.wait_for_selector("body[data-assistant-ready='1']", timeout=20000)
    page.fill("#chat-input", "How many technicians are in region West?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg-assistant.done", timeout=30000)
    text = page.inner_text(".msg-assistant .text")
    assert text.startswith("Offline assistant (built-in planner") and "Region West has 6 active technicians." in text
    assert page.inner_text(".msg-assistant .tool-chip") == "looked up: technicians, west"
    page.screenshot(path=str(ARTIFACTS / "assistant_chat_offline.png"), full_page=True)
