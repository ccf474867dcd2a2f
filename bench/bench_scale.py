"""Scale: the same pipeline at two company sizes, side by side (issue 15; `make bench-scale`, never `make test`).

For each size (default 10,000 and 100,000 technicians; ``--technicians 5000,20000`` overrides) it seeds the
demo company into its own database (``bench_scale_<n>``) and measures, each step in a fresh process so its
peak memory is its own: seed, feature build, training (quick first-fit EBM; the first version is scored and
activated inside the run, as in production), nightly scoring and a forecast run. Then, on the same database:

* the p50/p95 latency of the risk list page, the technician list page and both API lists under
  ``--clients`` (10) concurrent keep-alive clients against a uvicorn server (``--web-workers`` processes);
* nightly scoring sent to a Celery worker with 1 and then 2 worker processes (time from sending the task
  to the switch of the current scores, read from predictions.CurrentScoreSet).

Once, on a company with ``--forecast-districts`` (250) districts — over 1,000 series for the five metrics —
a forecast run through Celery with 1 and 2 worker processes (chunks of FORECAST_CHUNK_SIZE series per task).

It prints every figure at each size side by side with the growth exponent of each step,
log(t₂/t₁)/log(n₂/n₁) (1 = linear; target ≤ 1.1). The databases are dropped afterwards unless ``--keep``.
Usage: ``python -m bench.bench_scale [--technicians 10000,100000] [--months 24] [--skip-workers] …``
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STANDALONE = True  # `make bench` skips it: run it with `make bench-scale`
STEPS = ("seed", "features", "train", "score", "forecast")


# --------------------------------------------------------------------------- child steps (own process)
def _setup(db: str) -> None:
    os.environ["DATABASE_NAME"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _step(name: str, db: str, opts: dict) -> dict:
    """One measured step in this process; returns figures (wall time and this process's peak RSS added)."""
    _setup(db)
    from django.core.management import call_command

    out: dict = {}
    t0 = time.perf_counter()
    if name == "migrate":
        call_command("migrate", verbosity=0, interactive=False)
    elif name == "seed":
        call_command(
            "seed_demo", technicians=opts["n"], months=opts["months"], districts=opts.get("districts"),
            stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process
        )  # fmt: skip
        from technicians.models import Technician, TechnicianSnapshot

        out["rows"] = TechnicianSnapshot.objects.count()
        out["technicians"] = Technician.objects.count()
    elif name == "features":
        from predictions import services

        frame = services._training_frame("retention")  # the frame training builds (same code path)
        out["rows"] = len(frame.X)
    elif name == "train":
        from predictions.ebm import EBM_FIRST_FIT
        from predictions.services import model_run, model_train

        m = model_train(model_type="retention", params=dict(EBM_FIRST_FIT), enqueue=False)
        m = model_run(model_id=m.id)
        if m.status != "active":
            raise RuntimeError(f"training ended {m.status}: {m.error}")
        out["roc_auc"] = m.metrics.get("roc_auc")
        out["rows"] = m.metrics.get("rows")
    elif name == "score":
        from predictions.services import predictions_score

        out["rows"] = predictions_score(model_type="retention")
    elif name == "forecast":
        from forecasts.services import forecast_run_sync

        run = forecast_run_sync(metric=None, method=opts["forecast_method"], level="district")
        out["series"] = run.series.count()
        out["status"] = run.status
    elif name == "users":
        out.update(_users())
    else:
        raise ValueError(f"unknown step {name!r}")
    out["wall"] = time.perf_counter() - t0
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _users() -> dict:
    """A recruiter session (pages) and an API key (API lists) for the load test."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from core.roles import API_CONSUMER, RECRUITER
    from core.services import api_key_create
    from tests.factories import make_user

    user = make_user("bench-scale-recruiter", RECRUITER)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    _, key = api_key_create(user=make_user("bench-scale-api", API_CONSUMER), name="bench-scale")
    return {"session": s.session_key, "api_key": key}


def _run_step(name: str, db: str, opts: dict) -> dict:
    env = {**os.environ, "DATABASE_NAME": db, "LOG_LEVEL": "WARNING"}
    proc = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.bench_scale", "--step", name, "--db", db, "--opts", json.dumps(opts)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(f"step {name} on {db} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- databases
def _admin_cursor():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    return connection.cursor()


def _create_db(db: str) -> None:
    with _admin_cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{db}"')


def _drop_db(db: str) -> None:
    with _admin_cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# --------------------------------------------------------------------------- services for a size
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench_broker_env(db: str) -> dict:
    """Celery on its own Redis database (never the dev queues), the worker on the bench database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    base = settings.REDIS_URL.rsplit("/", 1)[0]
    return {
        **os.environ, "DATABASE_NAME": db, "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": f"{base}/9",
        "CELERY_RESULT_BACKEND": f"{base}/9",
    }  # fmt: skip


class _Worker:
    """A Celery worker (queues interactive + heavy) with ``concurrency`` prefork processes."""

    def __init__(self, db: str, concurrency: int):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-scale-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "interactive,heavy", "-l", "info",
             "--concurrency", str(concurrency), "-n", f"bench-scale-{concurrency}@%h", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=_bench_broker_env(db), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if " ready." in Path(self.log.name).read_text(errors="replace"):
                self._idle(deadline)
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {Path(self.log.name).read_text()[-2000:]}")
            time.sleep(0.5)
        raise RuntimeError("worker did not get ready in 120 s")

    def _idle(self, deadline: float) -> None:
        """Wait out the run reaper a worker queues when it starts (config/celery.py, 3 s after start): with
        one process it holds that process for its inspect timeouts (~5 s) and would be timed as part of the
        work sent next."""
        deadline = min(deadline, time.monotonic() + 30)
        while time.monotonic() < deadline:
            done = [ln for ln in Path(self.log.name).read_text(errors="replace").splitlines()
                    if "reap_runs[" in ln and (" succeeded " in ln or " raised " in ln)]  # fmt: skip
            if done:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        # the timed work is over: what it queued after itself (the assistant's embedding refresh after a
        # scoring) is not waited for
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        Path(self.log.name).unlink(missing_ok=True)


def _scoring_on_workers(db: str, concurrency: int) -> float:
    """Seconds from sending the nightly scoring task to the switch of the current scores."""
    child = _worker_child(db, "score", concurrency)
    return child["wall"]


def _worker_child(db: str, what: str, concurrency: int) -> dict:
    env = _bench_broker_env(db)
    # The bench's own broker database starts empty for every timed phase: seeding queues the assistant's
    # technician-embedding refresh, and a worker that runs it first times that job, not the one sent (the
    # session-4 default run: "2 processes" 34 s at 10k was the refresh; at 100k it ran for minutes).
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    worker = _Worker(db, concurrency)
    try:
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.bench_scale", "--send", what, "--db", db],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            raise RuntimeError(f"{what} on workers failed:\n{proc.stderr[-3000:]}")
        return json.loads(lines[-1])
    finally:
        worker.stop()


def _send(what: str, db: str, opts: dict) -> dict:
    """In a child on the bench broker: send the work by task name, wait until it is done, report the wall time."""
    _setup(db)
    from django.utils import timezone

    from core.queueing import send

    t0 = time.perf_counter()
    if what == "score":
        from predictions.models import CurrentScoreSet

        before = timezone.now()
        send("predictions.tasks.score_model_type_task", "retention")
        while not CurrentScoreSet.objects.filter(model_type="retention", refreshed_at__gt=before).exists():
            time.sleep(0.2)
        return {"wall": time.perf_counter() - t0}
    from forecasts.services import forecast_run_start

    run = forecast_run_start(metric=None, method=opts.get("forecast_method", "ets"), level="district")
    while True:
        run.refresh_from_db()
        if run.status in ("completed", "failed"):
            break
        time.sleep(0.5)
    return {"wall": time.perf_counter() - t0, "status": run.status, "series": run.series.count()}


def _latencies(port: int, path: str, headers: dict, clients: int, per_client: int) -> list[float]:
    def client(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        out = []
        for _ in range(per_client):
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            out.append(time.perf_counter() - t)
            if resp.status != 200:
                raise RuntimeError(f"{path} -> {resp.status}: {body[:300]!r}")
        conn.close()
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [x for xs in pool.map(client, range(clients)) for x in xs]


def _http(db: str, clients: int, per_client: int, web_workers: int) -> dict[str, tuple[float, float]]:
    creds = _run_step("users", db, {})
    port = _free_port()
    env = {**os.environ, "DATABASE_NAME": db, "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(web_workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/health")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        page = {"Cookie": f"sessionid={creds['session']}"}
        api = {"Authorization": f"Bearer {creds['api_key']}"}
        targets = {
            "risk list page /predictions/": ("/predictions/", page),
            "technician list page /technicians/": ("/technicians/", page),
            "API /api/v1/predictions/risk": ("/api/v1/predictions/risk", api),
            "API /api/v1/technicians": ("/api/v1/technicians", api),
        }
        out = {}
        for label, (path, headers) in targets.items():
            _latencies(port, path, headers, clients, 2)  # warm up every server process
            lat = sorted(_latencies(port, path, headers, clients, per_client))
            out[label] = (1000 * statistics.median(lat), 1000 * lat[max(0, math.ceil(0.95 * len(lat)) - 1)])
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------------- the whole run
def _exponent(a: float, b: float, n1: int, n2: int) -> float:
    return math.log(b / a) / math.log(n2 / n1) if a > 0 and b > 0 else float("nan")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--technicians", default="10000,100000", help="two (or more) sizes, comma-separated")
    p.add_argument("--months", type=int, default=24, help="months of history seeded at each size (24)")
    p.add_argument("--districts", type=int, default=None, help="districts at each size (default 20)")
    p.add_argument("--forecast-method", default="ets", help="forecast method of the forecast runs (ets)")
    p.add_argument("--forecast-districts", type=int, default=250, help="districts of the 1,000+-series run (250)")
    p.add_argument("--forecast-technicians", type=int, default=5000, help="technicians of that company (5000)")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--requests", type=int, default=20, help="requests per client per endpoint (20)")
    p.add_argument("--web-workers", type=int, default=2, help="uvicorn processes (2, one per core)")
    p.add_argument("--skip-workers", action="store_true", help="skip the Celery 1-vs-2-worker measurements")
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the bench databases")
    p.add_argument("--step", help=argparse.SUPPRESS)
    p.add_argument("--send", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--opts", default="{}", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.step:
        print(json.dumps(_step(a.step, a.db, json.loads(a.opts)), default=str))
        return 0
    if a.send:
        print(json.dumps(_send(a.send, a.db, {"forecast_method": a.forecast_method}), default=str))
        return 0

    sizes = [int(x) for x in a.technicians.split(",") if x.strip()]
    started = time.perf_counter()
    results: dict[int, dict] = {}
    for n in sizes:
        db = f"bench_scale_{n}"
        print(f"--- {n} technicians ({db})", flush=True)
        _create_db(db)
        r: dict = {}
        try:
            _run_step("migrate", db, {})
            opts = {"n": n, "months": a.months, "districts": a.districts, "forecast_method": a.forecast_method}
            for step in STEPS:
                r[step] = _run_step(step, db, opts)
                print(f"  {step:<10} {r[step]['wall']:8.1f} s  peak {r[step]['peak_mb']:7.0f} MB  "
                      f"{ {k: v for k, v in r[step].items() if k not in ('wall', 'peak_mb')} }", flush=True)  # fmt: skip
            if not a.skip_http:
                r["http"] = _http(db, a.clients, a.requests, a.web_workers)
                for label, (p50, p95) in r["http"].items():
                    print(f"  {label:<40} p50 {p50:7.0f} ms  p95 {p95:7.0f} ms", flush=True)
            if not a.skip_workers:
                r["score_workers"] = {c: _scoring_on_workers(db, c) for c in (1, 2)}
                print(f"  scoring on Celery: {r['score_workers']}", flush=True)
        finally:
            if not a.keep:
                _drop_db(db)
        results[n] = r

    forecast_workers = None
    if not a.skip_workers and a.forecast_districts:
        db = "bench_scale_forecast"
        print(f"--- forecast run at {a.forecast_districts} districts ({db})", flush=True)
        _create_db(db)
        try:
            _run_step("migrate", db, {})
            _run_step("seed", db, {"n": a.forecast_technicians, "months": a.months, "districts": a.forecast_districts})
            forecast_workers = {c: _worker_child(db, "forecast", c) for c in (1, 2)}
            print(f"  {forecast_workers}", flush=True)
        finally:
            if not a.keep:
                _drop_db(db)

    _report(results, sizes, forecast_workers, a, time.perf_counter() - started)
    return 0


def _report(results: dict, sizes: list[int], forecast_workers, a, total: float) -> None:
    n1, n2 = sizes[0], sizes[-1]
    w = 14
    print(f"\n=== bench_scale: {', '.join(f'{n:,}' for n in sizes)} technicians, {a.months} months "
          f"(total {total / 60:.1f} min)")  # fmt: skip
    head = "".join(f"{f'{n:,}':>{w}}" for n in sizes)
    print(f"  {'step':<44}{head}{'exponent':>{w}}")
    for step in STEPS:
        for key, unit in (("wall", "s"), ("peak_mb", "MB")):
            vals = [results[n][step][key] for n in sizes]
            exp = _exponent(vals[0], vals[-1], n1, n2)
            label = f"{step} {'wall' if key == 'wall' else 'peak memory'} ({unit})"
            flag = "" if exp <= 1.1 or math.isnan(exp) else "  > 1.1"
            print(f"  {label:<44}" + "".join(f"{v:>{w}.1f}" for v in vals) + f"{exp:>{w}.2f}{flag}")
    if all("http" in results[n] for n in sizes):
        for label in results[n1]["http"]:
            vals = [results[n]["http"][label][1] for n in sizes]
            print(f"  {('p95 ms ' + label)[:44]:<44}" + "".join(f"{v:>{w}.0f}" for v in vals)
                  + f"{'(target < 300)':>{w + 2}}")  # fmt: skip
        print(f"  (p95 at {a.clients} concurrent clients, {a.requests} requests each, {a.web_workers} uvicorn workers)")
    if all("score_workers" in results[n] for n in sizes):
        for c in (1, 2):
            vals = [results[n]["score_workers"][c] for n in sizes]
            print(f"  {f'scoring on Celery, {c} worker process(es) (s)':<44}" + "".join(f"{v:>{w}.1f}" for v in vals))
        vals = [results[n]["score_workers"][1] / results[n]["score_workers"][2] for n in sizes]
        print(f"  {'scoring speed-up 2 vs 1 worker processes':<44}" + "".join(f"{v:>{w}.2f}" for v in vals))
    if forecast_workers:
        one, two = forecast_workers[1], forecast_workers[2]
        print(f"  forecast run, {one['series']} series ({a.forecast_districts} districts, method {a.forecast_method}): "
              f"1 worker process {one['wall']:.1f} s, 2 processes {two['wall']:.1f} s → speed-up "
              f"{one['wall'] / two['wall']:.2f}× ({one['status']}/{two['status']})")  # fmt: skip


def run() -> list[tuple[str, float, str]]:
    """`make bench` entry: not run there (STANDALONE); `make bench-scale` runs main()."""
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
