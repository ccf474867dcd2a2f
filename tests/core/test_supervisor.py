"""`make run` keeps going when a process or an embedded service dies (config/supervisor.py): real child
processes killed with SIGKILL, the real embedded Redis stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config import embedded
from config.supervisor import GaveUp, Supervisor, revive_embedded

pytestmark = pytest.mark.timeout(120)

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILING = [sys.executable, "-c", "raise SystemExit(3)"]


def _spawn(name, cmd):
    return subprocess.Popen(cmd, start_new_session=True)


@pytest.fixture
def supervised():
    made = []

    def make(commands, **kw):
        sup = Supervisor(commands, _spawn, **kw)
        sup.start_all()
        made.append(sup)
        return sup

    yield make
    for sup in made:
        for p in sup.children.values():
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)


def test_a_killed_process_is_restarted_and_the_others_are_left_alone(supervised):
    sup = supervised({"worker": SLEEPER, "web": SLEEPER})
    worker, web = sup.children["worker"], sup.children["web"]
    assert sup.poll() == []  # all running: nothing to do
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    messages = sup.poll()
    assert len(messages) == 1 and messages[0].startswith("worker exited with code -9; restarted it")
    assert sup.children["worker"].pid != worker.pid and sup.children["worker"].poll() is None
    assert sup.children["web"] is web and web.poll() is None


def test_a_process_that_keeps_dying_is_given_up_on(supervised):
    now = [0.0]
    sup = supervised({"beat": FAILING}, max_restarts=3, window=60, clock=lambda: now[0])
    restarts = 0
    with pytest.raises(GaveUp, match=r"beat exited 4 times within 60 s \(last exit code 3\)"):
        for _ in range(10):
            sup.children["beat"].wait(timeout=30)
            restarts += len(sup.poll())
            now[0] += 1.0
    assert restarts == 3


def test_exits_spread_beyond_the_window_keep_being_restarted(supervised):
    now = [0.0]
    sup = supervised({"beat": FAILING}, max_restarts=2, window=10, clock=lambda: now[0])
    for _ in range(6):  # one exit every 6 s: never more than two within 10 s
        sup.children["beat"].wait(timeout=30)
        assert len(sup.poll()) == 1
        now[0] += 6.0


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="embedded Redis only")
def test_a_stopped_embedded_redis_is_started_again_on_its_port_with_its_queue(db):
    var = Path(settings.VAR_DIR)
    client = redis.Redis.from_url(settings.REDIS_URL)
    if client.config_get("appendonly").get("appendonly") != "yes":  # started before persistence: once more
        embedded.stop_redis(var)
        embedded.redis_url(var)
    client.delete("supervisor-test")
    client.rpush("supervisor-test", "queued")
    assert revive_embedded(var, redis=True, postgres=True) == []  # both up: nothing to do
    embedded.stop_redis(var)
    assert not embedded.redis_running(var)
    messages = revive_embedded(var, redis=True, postgres=False)
    port = settings.REDIS_URL.rsplit(":", 1)[1].split("/")[0]
    assert len(messages) == 1 and f"embedded Redis was down; restarted it at redis://127.0.0.1:{port}/" in messages[0]
    assert embedded.redis_running(var)
    assert client.lrange("supervisor-test", 0, -1) == [b"queued"]  # the append-only file kept it
    client.delete("supervisor-test")
