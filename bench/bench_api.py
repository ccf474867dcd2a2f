"""Technicians list API vs a bare Django JsonResponse view (10k technicians, limit=100, API key auth).

Both endpoints run in the same uvicorn (ASGI) server process on a free loopback port, against the same
throwaway database, with the same query and page; a thread pool of keep-alive HTTP clients sends a bounded
number of requests, alternating rounds between the two so machine noise hits both alike.
Target (issue 2): ninja requests/s >= 0.6 x the bare view's.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

N_TECHNICIANS = int(os.environ.get("BENCH_TECHNICIANS", 10_000))
REQUESTS_PER_ROUND = int(os.environ.get("BENCH_REQUESTS", 300))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 4))  # the sync views run one at a time under ASGI anyway
API_PATH = "/api/v1/technicians?limit=100"
BARE_PATH = "/bench/bare-technicians?limit=100"
ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- the server side (urlconf)
def bare_technicians(request):
    """The baseline: same queryset and page as the API, straight into JsonResponse (no auth, no schema)."""
    from django.http import JsonResponse

    from technicians.selectors import TECHNICIAN_COLUMNS, technician_list

    limit = int(request.GET.get("limit", 50))
    qs = technician_list(user=None)
    rows = list(qs.values(*TECHNICIAN_COLUMNS)[:limit])
    return JsonResponse({"count": qs.count(), "limit": limit, "offset": 0, "items": rows})


def _urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns

    return [path("bench/bare-technicians", bare_technicians), *urlpatterns]


def __getattr__(name: str):
    # this module doubles as the bench server's ROOT_URLCONF; built lazily (after django.setup())
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def _serve(dbname: str, port: int) -> None:
    """Run in a subprocess: the project's ASGI app + the bare view, on the bench database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = dbname
    settings.ROOT_URLCONF = "bench.bench_api"
    import uvicorn

    from config.asgi import application

    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --------------------------------------------------------------------------- data
def _create_data(n: int) -> str:
    """n technicians in 4 regions x 5 districts; returns an API key of an API consumer."""
    import random

    from core.roles import API_CONSUMER
    from core.services import api_key_create
    from technicians.models import District, Region, Technician, Trade
    from tests.factories import make_user

    rnd = random.Random(7)
    districts = []
    for r in range(4):
        region = Region.objects.create(code=f"r{r}", name=f"Region {r}")
        for d in range(5):
            districts.append(District.objects.create(code=f"r{r}d{d}", name=f"District {r}-{d}", region=region))
    trades = list(Trade.values)
    techs = []
    for i in range(n):
        hire = date(2018, 1, 1) + timedelta(days=rnd.randrange(2500))
        left = hire + timedelta(days=rnd.randrange(30, 900)) if rnd.random() < 0.3 else None
        techs.append(
            Technician(
                employee_id=f"E{i:06d}", first_name=f"First{rnd.randrange(500)}", last_name=f"Last{rnd.randrange(2000)}",
                email=f"t{i}@example.com", district=rnd.choice(districts), trade=rnd.choice(trades), hire_date=hire,
                termination_date=left, termination_type="voluntary" if left else "", commute_miles=Decimal("12.5"),
                certifications=rnd.randrange(4), pay_rate=Decimal("30.00"), performance_rating=Decimal("3.5"),
                attributes={"shirt_size": "M", "annual_bonus": 500},
            )
        )  # fmt: skip
    Technician.objects.bulk_create(techs, batch_size=2000)
    _, key = api_key_create(user=make_user("bench-api", API_CONSUMER), name="bench")
    return key


# --------------------------------------------------------------------------- the client side
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("bench server did not start")


def _hammer(port: int, path: str, headers: dict, n: int) -> float:
    """Send n GETs from THREADS keep-alive connections; return requests per second."""

    def worker(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(count):
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{path} -> {resp.status}: {body[:200]!r}")
        conn.close()

    per = [n // THREADS + (1 if i < n % THREADS else 0) for i in range(THREADS)]
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, per))
    return n / (time.perf_counter() - start)


def _check_same_rows(port: int, headers: dict) -> None:
    def get(path, hdrs):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=hdrs)
        return json.loads(conn.getresponse().read())

    api, bare = get(API_PATH, headers), get(BARE_PATH, {})
    assert api["count"] == bare["count"] == N_TECHNICIANS, (api["count"], bare["count"])
    assert [t["employee_id"] for t in api["items"]] == [t["employee_id"] for t in bare["items"]]
    assert "pay_rate" not in api["items"][0]  # API consumer key: the redaction is part of what is measured


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("api") as dbname:
        key = _create_data(N_TECHNICIANS)
        port = _free_port()
        env = {**os.environ, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings"}
        server = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.bench_api", "serve", dbname, str(port)], cwd=ROOT, env=env
        )
        try:
            _wait_up(port)
            headers = {"Authorization": f"Bearer {key}"}
            _check_same_rows(port, headers)
            _hammer(port, API_PATH, headers, 40)  # warm up both paths
            _hammer(port, BARE_PATH, {}, 40)
            api_rps, bare_rps = [], []
            for _ in range(ROUNDS):
                api_rps.append(_hammer(port, API_PATH, headers, REQUESTS_PER_ROUND))
                bare_rps.append(_hammer(port, BARE_PATH, {}, REQUESTS_PER_ROUND))
        finally:
            server.terminate()
            server.wait(timeout=30)
    ratios = [a / b for a, b in zip(api_rps, bare_rps, strict=True)]
    note = f"{N_TECHNICIANS} technicians, limit=100, {ROUNDS}x{REQUESTS_PER_ROUND} req, {THREADS} threads"
    return [
        ("ninja GET /api/v1/technicians req/s (median round)", statistics.median(api_rps), note),
        ("bare JsonResponse view req/s (median round)", statistics.median(bare_rps), note),
        ("ratio ninja / bare (median of rounds; target >= 0.6)", statistics.median(ratios), ""),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        _serve(sys.argv[2], int(sys.argv[3]))
    else:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        for row in run():
            print(*row, sep="  ")
