"""`make run`: services, migrations, demo data, then web + Celery worker + beat until Ctrl-C.

Uses DATABASE_URL / REDIS_URL when set; otherwise starts the embedded PostgreSQL+pgvector and
redis-server under var/ and stops them again on Ctrl-C (only if this run started them). While it runs,
a process that exits is restarted and an embedded service that went down is started again
(config/supervisor.py); a process that keeps dying stops everything with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_FORMAT", "console")

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


class FirstResults:
    """Prints one line when the first retention model, quality-of-hire model and forecasts are ready."""

    WORDS = {"retention": "Retention risk model", "quality_of_hire": "Quality-of-hire model", "forecasts": "Forecasts"}

    def __init__(self):
        self.started = time.monotonic()
        self.next_check = 0.0
        self.pending: set[str] | None = None

    def poll(self) -> None:
        if self.pending == set() or time.monotonic() < self.next_check:
            return
        self.next_check = time.monotonic() + 5
        try:
            from django.db import close_old_connections

            from core.status import preparation_status

            close_old_connections()
            status = preparation_status()
        except Exception:  # noqa: BLE001 - the database may be restarting; try again later
            return
        if self.pending is None:  # first look: only what is not ready yet is worth a line
            self.pending = set(self.WORDS) - status.ready
            if self.pending:
                waiting = ", ".join(self.WORDS[k].lower() for k in sorted(self.pending))
                print(f"  Preparing {waiting} in the background; the pages say so until ready.", flush=True)
            return
        for key in sorted(self.pending & status.ready):
            took = time.monotonic() - self.started
            print(f"✓ {self.WORDS[key]} ready ({took // 60:.0f} min {took % 60:02.0f} s after start)", flush=True)
            self.pending.discard(key)


class FullForecasts:
    """First start: the quick seasonal-naive forecasts are a stand-in. Once they are done, queue the full run
    (every method backtested, the best chosen per series) and, when it completes, publish it in place of the
    stand-in — only while the stand-in is what is published, so an HR admin's own choice is never overridden.
    Survives a restart: a full run already queued or running is simply followed."""

    QUICK = "seasonal_naive"

    def __init__(self, started: float):
        self.started = started
        self.next_check = 0.0
        self.done = False

    def poll(self) -> None:
        if self.done or time.monotonic() < self.next_check:
            return
        self.next_check = time.monotonic() + 5
        try:
            from django.db import close_old_connections

            close_old_connections()
            self._step()
        except Exception as exc:  # noqa: BLE001 - the database may be restarting; try again later
            print(f"!! full forecasts: {exc} (will retry)", file=sys.stderr, flush=True)

    def _step(self) -> None:
        from django.core.management import call_command

        from forecasts import selectors, services
        from forecasts.models import ForecastPublication, ForecastRun, RunStatus

        published = list(ForecastPublication.objects.filter(is_current=True).select_related("run"))
        if not published:
            return  # the quick pass is still running
        if any(p.run.method != self.QUICK for p in published):
            self.done = True  # a full forecast is published already (or a person chose one): nothing to do
            return
        full = ForecastRun.objects.exclude(method=self.QUICK).order_by("-created_at").first()
        if full is None:
            if selectors.forecast_run_active() is None:  # the quick pass has finished
                call_command("run_forecasts", stdout=_Quiet())
                print("  Quick forecasts are up; the full forecasts (backtested methods) are now running.", flush=True)
            return
        if full.status == RunStatus.COMPLETED:
            services.forecast_run_publish(run_id=full.id, user=None)
            took = time.monotonic() - self.started
            print(f"✓ Full forecasts ready and published ({took // 60:.0f} min {took % 60:02.0f} s after start)",
                  flush=True)  # fmt: skip
            self.done = True
        elif full.status == RunStatus.FAILED:
            print(f"!! the full forecast run failed: {full.error}; the quick forecasts stay published", flush=True)
            self.done = True


class _Quiet:
    def write(self, *_):
        pass

    def flush(self):
        pass


def main() -> int:
    # Importing settings starts the embedded services when the URLs are unset.
    import django

    from config import embedded

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    started = embedded.started_here()
    print("→ migrating", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    print("→ loading demo data (idempotent; first run takes a few minutes)", flush=True)
    seed_args = os.environ.get("SEED_ARGS", "").split()
    call_command("seed_demo", *seed_args)
    call_command("seed_knowledge")
    call_command("seed_programs")

    # First start: queue model training and forecasts so the dashboards fill up while you look around.
    from django.core.management import get_commands

    # First start is quick: first-fit model settings, and a seasonal-naive forecast pass (seconds) queued
    # before the full Prophet run, so every page has something real within about two minutes.
    # The full forecast pass is queued by FullForecasts once the quick one is done (one run at a time).
    steps = [
        ("train_models", "--if-missing", "--quick"),
        ("run_forecasts", "--if-missing", "--method", "seasonal_naive"),
    ]
    for cmd, *args in steps:
        if cmd in get_commands():
            try:
                call_command(cmd, *args)
            except Exception as exc:  # noqa: BLE001 - the app still runs; the admin can retry
                print(f"!! {cmd} {' '.join(args)} failed: {exc}", file=sys.stderr)

    # Static files with pre-compressed .gz copies, served by WhiteNoise from STATIC_ROOT.
    call_command("collectstatic", interactive=False, verbosity=0)

    # Children find the same embedded services through var/ (already running, so they start nothing).
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "WHITENOISE_USE_FINDERS": "0"}
    # containers and CI run as root: Celery's two-paragraph warning about that is noise in this console
    quiet_root = "ignore:You're running the worker with superuser privileges"
    celery_env = {**env, "PYTHONWARNINGS": ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet_root]))}
    beat_schedule = Path(settings.VAR_DIR) / "celerybeat-schedule"
    celery = [str(BIN / "celery"), "-A", "config", "-q"]
    procs = {
        "web": [str(BIN / "uvicorn"), "config.asgi:application", "--host", HOST, "--port", PORT, "--ws", "auto",
                "--log-level", "warning"],
        # one worker per queue: interactive work (embeddings, activation after a promote, the reaper)
        # never waits behind training or forecast runs
        "worker-heavy": [*celery, "worker", "-l", "warning", "-Q", "heavy", "-n", "heavy@%h",
                         "--concurrency", str(settings.CELERY_WORKER_CONCURRENCY)],
        "worker-interactive": [*celery, "worker", "-l", "warning", "-Q", "interactive", "-n", "interactive@%h",
                               "--concurrency", str(settings.CELERY_INTERACTIVE_CONCURRENCY)],
        "beat": [*celery, "beat", "-l", "warning", "-s", str(beat_schedule)],
    }  # fmt: skip
    from config.supervisor import GaveUp, Supervisor, revive_embedded

    def spawn(name: str, cmd: list[str]) -> subprocess.Popen:
        return subprocess.Popen(cmd, cwd=ROOT, env=env if name == "web" else celery_env, start_new_session=True)

    supervisor = Supervisor(procs, spawn)
    children = supervisor.start_all()  # the same dict: a restarted process replaces its entry
    var_dir = Path(settings.VAR_DIR)
    embedded_redis, embedded_pg = not os.environ.get("REDIS_URL"), not os.environ.get("DATABASE_URL")

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _wait_for_web(children["web"])
    print(
        f"\n  Technician Analytics is running at http://{HOST}:{PORT}/\n"
        f"  Admin:     http://{HOST}:{PORT}/admin/\n"
        f"  API docs:  http://{HOST}:{PORT}/api/v1/docs\n"
        "  Demo logins (password demo12345): hradmin (HR admin), recruiter (Recruiter), apiuser (API consumer)\n"
        "  Press Ctrl-C to stop everything this command started.\n",
        flush=True,
    )
    code = 0
    watch = FirstResults()
    full = FullForecasts(watch.started)
    while not stopping:
        watch.poll()
        full.poll()
        try:  # an embedded service or a process that died comes back, as with docker-compose's restart policy
            for line in revive_embedded(var_dir, redis=embedded_redis, postgres=embedded_pg) + supervisor.poll():
                print(f"!! {line}", file=sys.stderr, flush=True)
        except GaveUp as exc:
            print(f"!! {exc}; stopping.", file=sys.stderr)
            stopping, code = True, 1
        except Exception as exc:  # noqa: BLE001 - a service that cannot start yet is tried again next round
            print(f"!! could not restart an embedded service yet: {exc}", file=sys.stderr, flush=True)
        time.sleep(0.5)

    shutdown(children, started)
    return code


def _wait_for_web(web: subprocess.Popen, seconds: float = 120) -> None:
    """Print the URL only once the web server answers (importing Django takes a while on a busy machine)."""
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and web.poll() is None:
        try:
            socket.create_connection((HOST, int(PORT)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(p.pid, sig)
    except ProcessLookupError:
        pass


def _wait(procs: list[subprocess.Popen], seconds: float) -> list[subprocess.Popen]:
    """Wait up to ``seconds`` for ``procs`` to exit; returns those still running."""
    deadline = time.time() + seconds
    for p in procs:
        try:
            p.wait(timeout=max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            pass
    return [p for p in procs if p.poll() is None]


def shutdown(children: dict[str, subprocess.Popen], started: set[str]) -> None:
    """Stop in order: web and beat (nothing new arrives), then a warm shutdown of the workers, then the
    embedded services this command started — even if they were restarted meanwhile.

    The worker master alone gets SIGTERM (a warm shutdown: the running task may finish within
    WORKER_SHUTDOWN_SECONDS; messages it had reserved go back to Redis). Signalling its whole process
    group would kill the pool process mid-task at once. Whatever is still running after the grace
    period is killed; its run is re-queued by the reaper when the workers start again.
    """
    from django.conf import settings

    from config import embedded

    front = [p for name, p in children.items() if not name.startswith("worker") and p.poll() is None]
    workers = [p for name, p in children.items() if name.startswith("worker") and p.poll() is None]
    print("\n→ stopping web and beat", flush=True)
    for p in front:
        _signal_group(p, signal.SIGTERM)
    for p in _wait(front, 10):
        _signal_group(p, signal.SIGKILL)
    grace = float(os.environ.get("WORKER_SHUTDOWN_SECONDS", "30"))
    print(f"→ stopping workers (warm: running tasks get {grace:.0f} s to finish)", flush=True)
    for p in workers:
        try:
            os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in _wait(workers, grace):
        print("!! a worker did not stop in time; killing it (its run will be re-queued at next start)", flush=True)
        _signal_group(p, signal.SIGKILL)
        p.wait(timeout=10)
    if started:
        print(f"→ stopping embedded {', '.join(sorted(started))}", flush=True)
        if "redis" in started:
            embedded.stop_redis(Path(settings.VAR_DIR))
        if "pg" in started:
            embedded.stop_postgres(Path(settings.VAR_DIR))


if __name__ == "__main__":
    sys.exit(main())
