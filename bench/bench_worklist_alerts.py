"""Risk worklist and alerts at 50k technicians, as ratios to the risk list page (issue 12, items 6–7).

Worklist page sorted by score / by name / by status / the watchlist filter, the full CSV export, and one alert scan
(two scorings of 50k compared in SQL, events fanned out to 20 managers with district preferences, inserted with ON
CONFLICT) — then the same scan again (everything already there: must insert nothing). Data made in SQL; timings
are in-process Django test-client requests / service calls (server time, no network), best of 3.
"""

from __future__ import annotations

import os
import time

N = int(os.environ.get("BENCH_WORKLIST_TECHNICIANS", 50_000))
DISTRICTS = 20
MANAGERS = 20


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _make_world():
    from django.db import connection

    from predictions.models import ModelStatus, TrainedModel
    from technicians.models import District, Region, Technician

    regions = [Region.objects.create(code=f"r{i}", name=f"Region {i}") for i in range(4)]
    districts = [District.objects.create(code=f"d{i:02d}", name=f"District {i:02d}", region=regions[i % 4])
                 for i in range(DISTRICTS)]  # fmt: skip
    sex = str(Technician._meta.get_field("sex").get_default())
    race = str(Technician._meta.get_field("race_ethnicity").get_default())
    ids = "{" + ",".join(str(d.pk) for d in districts) + "}"
    terms = ["overtime_hours", "pay_rate"]
    model = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE,
                                        features=terms, terms=terms, params={"categorical": [], "levels": {}})  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO technicians_technician (id, employee_id, first_name, last_name, email, district_id, trade,
                hire_date, termination_type, termination_reason, schedule_type, certifications, notes, attributes,
                sex, race_ethnicity, created_at, updated_at)
            SELECT gen_random_uuid(), 'B' || lpad(i::text, 7, '0'), 'Bench', 'Tech' || i, '',
                   (%s::bigint[])[1 + i %% 20], (ARRAY['hvac','appliance','plumbing','electrical'])[1 + i %% 4],
                   DATE '2016-01-01' + (i %% 3500), '', '', 'standard', 0, '', '{}', %s, %s, now(), now()
            FROM generate_series(1, %s) i""",
            [ids, sex, race, N],
        )
        # two scorings a month apart: the second moves ~5% into high and raises ~8% by more than 10 points
        for as_of, shift in (("2026-10-01", 0.0), ("2026-11-01", 1.0)):
            cur.execute(
                """
                INSERT INTO predictions_prediction (model_id, technician_id, as_of, score, band, logit, intercept,
                    contributions, feature_values, created_at)
                SELECT %s, id, %s::date, s, CASE WHEN s >= 0.30 THEN 'high' WHEN s >= 0.15 THEN 'medium' ELSE 'low' END,
                       ln(s / (1 - s)), -2.0, decode(repeat('00', 16), 'hex'), decode(repeat('00', 16), 'hex'), now()
                FROM (SELECT id, LEAST(0.95, 0.001 + (abs(hashtext(employee_id)) %% 1000) / 4000.0
                                      + %s * ((abs(hashtext(employee_id || 'x')) %% 100) / 600.0)) AS s
                      FROM technicians_technician) x""",
                [model.pk, as_of, shift],
            )
        cur.execute("ANALYZE")


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("worklist"):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client

        from alerts.models import AlertPreference, Notification
        from alerts.services import alerts_scan
        from core.roles import RECRUITER
        from worklist.services import watch_set

        _make_world()
        User = get_user_model()
        rec = Group.objects.get(name=RECRUITER)
        managers = []
        for i in range(MANAGERS):
            u = User.objects.create_user(f"mgr{i}", password="x")  # noqa: S106
            u.groups.add(rec)
            AlertPreference.objects.create(user=u, districts=[f"d{i % DISTRICTS:02d}", f"d{(i + 1) % DISTRICTS:02d}"])
            managers.append(u)
        watch_set(user=managers[0], employee_ids=[f"B{i:07d}" for i in range(1, 300)], watched=True)
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(managers[0])

        def get(url):
            def go():
                r = c.get(url)
                assert r.status_code == 200, (url, r.status_code)
                if getattr(r, "streaming", False):
                    b"".join(r.streaming_content)

            return go

        pages = {
            "risk list page": "/predictions/",
            "worklist, by score": "/worklist/",
            "worklist, by name": "/worklist/?sort=name",
            "worklist, by status": "/worklist/?sort=-status",
            "worklist, my watchlist": "/worklist/?watched=1",
        }
        t = {k: _best(get(u)) for k, u in pages.items()}
        t["worklist CSV export (all rows)"] = _best(get("/worklist/export.csv"), repeat=1)
        start = time.perf_counter()
        first = alerts_scan()
        t["alert scan (first)"] = time.perf_counter() - start
        t["alert scan (rerun, nothing new)"] = _best(lambda: alerts_scan(), repeat=2)
        created = Notification.objects.count()
    risk = t["risk list page"]
    rows = [(f"{k} (s)", v, f"{N:,} technicians") for k, v in t.items()]
    rows += [(f"ratio {k} / risk list page", v / risk, "") for k, v in t.items() if k != "risk list page"]
    rows.append(("alert events / notifications created", float(first["risk_events"]),
                 f"{created:,} notifications for {MANAGERS} managers; rerun created {0 if created == first['notifications'] else '?'}"))  # fmt: skip
    return rows
