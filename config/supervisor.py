"""Keeps `make run`'s processes and embedded services up, as docker-compose's ``restart: unless-stopped``
does in production (no Django imports: plain processes and the embedded services of config/embedded.py).

* ``Supervisor`` starts the web server, the workers and beat, and restarts any of them that exits while
  the command is not stopping — a Celery worker whose broker connection broke (killing the embedded Redis
  made the worker master exit with "Error on stopping Hub"), a pool killed by the OOM killer, a web server
  that crashed. A process that keeps dying (more than ``max_restarts`` exits within ``window`` seconds:
  broken code, a port taken) is not restarted forever: ``poll`` raises ``GaveUp`` and the command stops
  everything and says why.
* ``revive_embedded`` restarts the embedded Redis (same port, its append-only file keeps queued tasks) and
  PostgreSQL when they are no longer running. Clients reconnect by themselves; runs that were interrupted
  are re-queued or failed by the reaper, so every record still ends in a final state.
"""

from __future__ import annotations

import subprocess
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path


class GaveUp(RuntimeError):
    """A supervised process exited too often within the window."""


class Supervisor:
    def __init__(
        self,
        commands: dict[str, list[str]],
        spawn: Callable[[str, list[str]], subprocess.Popen],
        *,
        max_restarts: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.commands = commands
        self.spawn = spawn
        self.max_restarts = max_restarts
        self.window = window
        self.clock = clock
        self.children: dict[str, subprocess.Popen] = {}
        self.exits: dict[str, deque[float]] = {name: deque() for name in commands}

    def start_all(self) -> dict[str, subprocess.Popen]:
        for name, cmd in self.commands.items():
            self.children[name] = self.spawn(name, cmd)
        return self.children

    def poll(self) -> list[str]:
        """Restart every child that has exited; one message per restart. Raises GaveUp on a crash loop."""
        messages = []
        for name, proc in list(self.children.items()):
            code = proc.poll()
            if code is None:
                continue
            now = self.clock()
            recent = self.exits[name]
            recent.append(now)
            while recent and now - recent[0] > self.window:
                recent.popleft()
            if len(recent) > self.max_restarts:
                raise GaveUp(
                    f"{name} exited {len(recent)} times within {self.window:.0f} s (last exit code {code}); "
                    "not restarting it again"
                )
            self.children[name] = self.spawn(name, self.commands[name])
            messages.append(f"{name} exited with code {code}; restarted it (pid {self.children[name].pid})")
        return messages


def revive_embedded(var_dir: Path, *, redis: bool, postgres: bool) -> list[str]:
    """Start again whichever of the embedded services (those this command runs) is down; one message each."""
    from config import embedded

    messages = []
    if redis and not embedded.redis_running(var_dir):
        url = embedded.redis_url(var_dir)
        messages.append(f"the embedded Redis was down; restarted it at {url} (queued tasks kept)")
    if postgres and not embedded.postgres_running(var_dir):
        embedded.postgres_settings(var_dir)
        messages.append("the embedded PostgreSQL was down; restarted it")
    return messages
