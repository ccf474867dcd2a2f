"""CPU per request of the four big lists, server + PostgreSQL, insensitive to other load (issue 15; standalone).

Wall-clock latency on the shared 2-core machine moves with whatever else runs; CPU time does not (much). This
starts a uvicorn server (one process, the production ASGI app with its connection pool) on an already-seeded
database, sends each endpoint's requests one after another over a keep-alive connection, and reads the CPU
time (user + system) the server process and that database's PostgreSQL backends spent, from /proc, around each
round. The client's own CPU is not counted. With several ``--code`` directories (e.g. a ``git archive`` of
another commit) a server runs from each and the rounds alternate between them, so before/after figures are
taken side by side on the same database under the same machine load.

``--latency`` instead runs bench_scale's load test (``--clients`` keep-alive clients, 2 uvicorn workers) against a
server from each code directory in turn, ``--rounds`` times alternating, and prints p50/p95.

``--profile PATH`` instead runs the request in this process through Django's handler (the test client: no ASGI
hop) under cProfile with the thread's CPU clock (waits for PostgreSQL excluded) and prints the top functions
(``PSORT=tottime`` to sort by own time, ``PDUMP=file`` to keep the stats), for finding where the time goes.

Seed a database first (``bench_scale`` steps migrate, seed, train; reads are flat from 10k to 100k), then e.g.
``python -m bench.bench_request_cpu --db bench_scale_100000 --code . --code /tmp/base``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import _setup  # noqa: E402 - the same child-process Django setup

STANDALONE = True  # never part of `make bench`
TICK = os.sysconf("SC_CLK_TCK")
TARGETS = {
    "risk page": ("/predictions/", "page"),
    "technician page": ("/technicians/", "page"),
    "risk API": ("/api/v1/predictions/risk", "api"),
    "technician API": ("/api/v1/technicians", "api"),
}


def _creds(db: str, role: str) -> dict:
    """A session of a ``role`` user (pages) and an API key (API lists); idempotent."""
    _setup(db)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from core import roles
    from core.services import api_key_create

    def user(name: str, group: str):
        u, created = get_user_model().objects.get_or_create(
            username=name, defaults={"is_staff": group == roles.HR_ADMIN}
        )
        if created:
            u.set_password("pw-12345678")
            u.save()
            u.groups.add(Group.objects.get(name=group))
        return u

    u = user(f"bench-cpu-{role}", {"recruiter": roles.RECRUITER, "hr": roles.HR_ADMIN}[role])
    s = SessionStore()
    s[SESSION_KEY] = str(u.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = u.get_session_auth_hash()
    s.create()
    _, key = api_key_create(user=user("bench-cpu-api", roles.API_CONSUMER), name="bench-cpu")
    return {"page": {"Cookie": f"sessionid={s.session_key}"}, "api": {"Authorization": f"Bearer {key}"}}


# --------------------------------------------------------------------------- CPU from /proc
def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime of every thread, in clock ticks


def _backends(db: str) -> list[int]:
    """PostgreSQL backends connected to ``db`` (their process title names the database)."""
    out = []
    needle = f" {db} ".encode()
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if needle in (p / "cmdline").read_bytes().replace(b"\0", b" "):
                    out.append(int(p.name))
            except OSError:
                pass
    return out


class Server:
    def __init__(self, code: Path, db: str, workers: int = 1):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "DATABASE_NAME": db, "LOG_LEVEL": "WARNING", "VAR_DIR": str(ROOT / "var"),
               "PYTHONPATH": str(code)}  # fmt: skip
        self.code, self.db = code, db
        self.proc = subprocess.Popen(  # noqa: S603 - our own app
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port",
             str(self.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
             "--timeout-keep-alive", "600"],  # the client idles while the other servers are measured
            cwd=code, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/api/v1/health")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.3)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def get(self, path: str, headers: dict) -> bytes:
        self.conn.request("GET", path, headers=headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{self.code} {path} -> {resp.status}: {body[:300]!r}")
        return body

    def cpu(self) -> tuple[int, int]:
        """(server ticks, ticks of all backends now connected to the database)."""
        return _ticks(self.proc.pid), sum(_ticks(p) for p in _backends(self.db))

    def stop(self) -> None:
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(servers: list[Server], creds: dict, requests: int, rounds: int, targets: dict) -> dict:
    """{target: {code: [(server ms, postgres ms) per request, one per round]}}, rounds alternating servers."""
    out: dict = {t: {str(s.code): [] for s in servers} for t in targets}
    for label, (path, kind) in targets.items():
        for s in servers:  # warm up: pool connections, template and plan caches
            for _ in range(5):
                s.get(path, creds[kind])
        for r in range(rounds):
            for s in servers if r % 2 == 0 else servers[::-1]:
                a0, b0 = s.cpu()
                for _ in range(requests):
                    s.get(path, creds[kind])
                a1, b1 = s.cpu()
                ms = 1000 / TICK / requests
                out[label][str(s.code)].append(((a1 - a0) * ms, (b1 - b0) * ms))
    return out


def latency(codes: list[Path], db: str, creds: dict, clients: int, per_client: int, rounds: int, targets: dict) -> None:
    """bench_scale's load test (``clients`` keep-alive clients, 2 uvicorn workers) against a server from each code
    directory in turn, ``rounds`` times alternating; prints p50/p95 per round and the median p95 per code."""
    import math

    from bench.bench_scale import _latencies

    p95s: dict = {(label, str(c)): [] for label in targets for c in codes}
    for r in range(rounds):
        for code in codes if r % 2 == 0 else codes[::-1]:
            s = Server(code, db, workers=2)
            try:
                for label, (path, kind) in targets.items():
                    _latencies(s.port, path, creds[kind], clients, 2)  # warm up both worker processes
                    lat = sorted(_latencies(s.port, path, creds[kind], clients, per_client))
                    p50 = 1000 * statistics.median(lat)
                    p95 = 1000 * lat[max(0, math.ceil(0.95 * len(lat)) - 1)]
                    p95s[(label, str(code))].append(p95)
                    print(f"  round {r + 1} {code.name:<12} {label:<16} p50 {p50:5.0f} ms  p95 {p95:5.0f} ms  "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
            finally:
                s.stop()
    print(f"median p95 over {rounds} rounds ({clients} clients × {per_client} requests, 2 uvicorn workers):")
    for label in targets:
        print(
            f"  {label:<16}"
            + "".join(f"{c.name:>14} {statistics.median(p95s[(label, str(c))]):5.0f} ms" for c in codes)
        )


def _report(res: dict, servers: list[Server]) -> None:
    print(
        f"{'ms CPU per request (median of rounds)':<40}" + "".join(f"{s.code.name or str(s.code):>28}" for s in servers)
    )
    for label, per in res.items():
        cells = []
        for s in servers:
            rows = per[str(s.code)]
            srv = statistics.median(a for a, _ in rows)
            pg = statistics.median(b for _, b in rows)
            tot = statistics.median(a + b for a, b in rows)
            cells.append(f"{tot:7.1f} ({srv:5.1f} + pg {pg:4.1f})")
        print(f"{label:<40}" + "".join(f"{c:>28}" for c in cells), flush=True)


# --------------------------------------------------------------------------- in-process profile
def profile(db: str, path: str, kind: str, role: str, n: int, top: int) -> None:
    """The request through Django's handler in this thread (the test client: no ASGI hop), timed then profiled."""
    import cProfile
    import pstats

    creds = _creds(db, role)
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    connections.close_all()
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    settings.DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 4}
    del connections["default"]
    client = Client(headers={"host": "127.0.0.1"} | {k.lower(): v for k, v in creds[kind].items()})

    def many(k):
        for _ in range(k):
            resp = client.get(path)
            if resp.status_code != 200:
                raise RuntimeError(f"{path} -> {resp.status_code}: {resp.content[:300]!r}")

    many(5)
    t0 = time.process_time()
    many(n)
    plain = 1000 * (time.process_time() - t0) / n
    prof = cProfile.Profile(time.thread_time)  # CPU of this thread: waits for PostgreSQL and other load excluded
    prof.enable()
    many(n)
    prof.disable()
    print(f"{path}: {plain:.1f} ms process CPU per request (without the profiler)")
    if os.environ.get("PDUMP"):
        prof.dump_stats(os.environ["PDUMP"])
    pstats.Stats(prof).sort_stats(os.environ.get("PSORT", "cumulative")).print_stats(top)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a seeded database on the embedded server")
    p.add_argument("--code", action="append", help="source directories to run servers from (default: this one)")
    p.add_argument("--requests", type=int, default=20, help="requests per round (20)")
    p.add_argument("--rounds", type=int, default=5, help="rounds per server and endpoint (5)")
    p.add_argument("--role", default="recruiter", choices=("recruiter", "hr"), help="who views the pages")
    p.add_argument("--only", help="comma-separated labels or paths (default: the four lists)")
    p.add_argument("--profile", help="a path to profile in-process instead")
    p.add_argument("--kind", default=None, choices=("page", "api"))
    p.add_argument("--top", type=int, default=60)
    p.add_argument("--latency", action="store_true", help="instead: p50/p95 under --clients concurrent clients")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--creds", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.creds:
        print(json.dumps(_creds(a.db, a.creds)))
        return 0
    if a.profile:
        kind = a.kind or ("api" if a.profile.startswith("/api/") else "page")
        profile(a.db, a.profile, kind, a.role, a.requests, a.top)
        return 0
    targets = TARGETS
    if a.only:
        want = a.only.split(",")
        targets = {k: v for k, v in TARGETS.items() if k in want or v[0] in want}
        targets.update(
            {
                w: (w, "api" if w.startswith("/api/") else "page")
                for w in want
                if w.startswith("/") and w not in {v[0] for v in targets.values()}
            }
        )
    out = subprocess.run(  # noqa: S603 - our own module, in a child so this process keeps no connection
        [sys.executable, "-m", "bench.bench_request_cpu", "--db", a.db, "--creds", a.role],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    creds = json.loads(out.stdout.strip().splitlines()[-1])
    if a.latency:
        latency([Path(c).resolve() for c in (a.code or [str(ROOT)])], a.db, creds, a.clients, a.requests, a.rounds,
                targets)  # fmt: skip
        return 0
    servers = [Server(Path(c).resolve(), a.db) for c in (a.code or [str(ROOT)])]
    try:
        load = os.getloadavg()[0]
        res = measure(servers, creds, a.requests, a.rounds, targets)
        print(
            f"load average {load:.1f} → {os.getloadavg()[0]:.1f}; {a.rounds} rounds × {a.requests} requests, role {a.role}"
        )
        _report(res, servers)
    finally:
        for s in servers:
            s.stop()
    return 0


def run() -> list[tuple[str, float, str]]:
    """`make bench` entry: not run there (STANDALONE, it needs a seeded database); run the module itself."""
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
