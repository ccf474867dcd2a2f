"""People analytics server time at 50k technicians, as ratios to the technicians list page (issue 12).

Targets: overview page and segment comparison ≤ 2× the technicians list page; survival curves for 20 districts
under 1 s (stated as a ratio to one risk-list page); the hiring pipeline page (≈2 candidates per technician) as a
ratio to the technicians list page too. Data: 50k technicians in 20 districts made in SQL, one
scoring of a synthetic 17-term model (random but exact contributions, COPYed like real scoring).
Timings are in-process Django test-client requests (server time, no network), best of 5.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import date

import numpy as np

N = int(os.environ.get("BENCH_ANALYTICS_TECHNICIANS", 50_000))
DISTRICTS = 20


def _best(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _make_world() -> None:
    from django.db import connection

    from predictions.features import RETENTION_NUMERIC
    from predictions.models import ModelStatus, TrainedModel
    from predictions.scoring import _copy_buffer, band_for
    from technicians.models import District, Region, Technician

    regions = [Region.objects.create(code=f"r{i}", name=f"Region {i}") for i in range(4)]
    districts = [District.objects.create(code=f"d{i:02d}", name=f"District {i:02d}", region=regions[i % 4])
                 for i in range(DISTRICTS)]  # fmt: skip
    sex = str(Technician._meta.get_field("sex").get_default())
    race = str(Technician._meta.get_field("race_ethnicity").get_default())
    ids = "{" + ",".join(str(d.pk) for d in districts) + "}"
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO technicians_technician (id, employee_id, first_name, last_name, email, district_id, trade,
                hire_date, termination_date, termination_type, termination_reason, schedule_type, certifications,
                notes, attributes, sex, race_ethnicity, created_at, updated_at)
            SELECT gen_random_uuid(), 'B' || lpad(i::text, 7, '0'), 'Bench', 'Tech' || i, '',
                   (%s::bigint[])[1 + i %% 20], (ARRAY['hvac','appliance','plumbing','electrical'])[1 + i %% 4],
                   h, CASE WHEN r < 0.45 THEN LEAST(h + (r * 3000)::int, CURRENT_DATE - 1) END,
                   CASE WHEN r < 0.35 THEN 'voluntary' WHEN r < 0.45 THEN 'involuntary' ELSE '' END, '',
                   'standard', 0, '', '{}', %s, %s, now(), now()
            FROM (SELECT i, DATE '2016-01-01' + (random() * 3500)::int AS h, random() AS r
                  FROM generate_series(1, %s) i) s
            """,
            [ids, sex, race, N],
        )
        cur.execute("UPDATE technicians_technician SET termination_date = hire_date WHERE termination_date < hire_date")
        # the hiring pipeline: one hired candidate per technician hired since 2021 plus twice as many not hired
        # (rejected / withdrawn / still open), all sources and districts — about 2× N candidates
        cur.execute(
            """
            INSERT INTO technicians_candidate (id, candidate_id, first_name, last_name, email, district_id, trade,
                source, applied_date, years_experience, certifications, stage, hired_technician_id, sex,
                race_ethnicity, notes, attributes, created_at, updated_at)
            SELECT gen_random_uuid(), 'BC' || lpad(row_number() OVER ()::text, 8, '0'), 'Bench', 'Cand', '',
                   t.district_id, t.trade, (ARRAY['referral','job_board','agency','career_site','trade_school',
                   'social'])[1 + (abs(hashtext(t.employee_id)) %% 6)], t.hire_date - 20 - (random() * 40)::int,
                   0, 0, 'hired', t.id, %s, %s, '', '{}'::jsonb, now(), now()
            FROM technicians_technician t WHERE t.hire_date >= DATE '2021-01-01'
            UNION ALL
            SELECT gen_random_uuid(), 'BX' || lpad(i::text, 8, '0'), 'Bench', 'Cand', '', (%s::bigint[])[1 + i %% 20],
                   (ARRAY['hvac','appliance','plumbing','electrical'])[1 + i %% 4],
                   (ARRAY['referral','job_board','agency','career_site','trade_school','social'])[1 + i %% 6],
                   DATE '2021-01-01' + (random() * (CURRENT_DATE - DATE '2021-01-01'))::int, 0, 0,
                   (ARRAY['rejected','withdrawn','rejected','applied','interview'])[1 + i %% 5], NULL, %s, %s, '',
                   '{}'::jsonb, now(), now()
            FROM generate_series(1, %s) i
            """,
            [sex, race, ids, sex, race, N],
        )
        cur.execute("SELECT id FROM technicians_technician WHERE termination_date IS NULL ORDER BY id")
        active = [r[0] for r in cur.fetchall()]
    terms = list(RETENTION_NUMERIC)
    model = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE,
                                        features=terms, terms=terms, params={"categorical": [], "levels": {}})  # fmt: skip
    rng = np.random.default_rng(0)
    n = len(active)
    contrib = rng.normal(0, 0.3, (n, len(terms)))
    intercept = -2.0
    logit = intercept + contrib.sum(axis=1)
    score = 1 / (1 + np.exp(-logit))
    values = rng.normal(10, 3, (n, len(terms)))
    buf = _copy_buffer(model.pk, np.asarray([uuid.UUID(str(a)) for a in active]), date.today().replace(day=1),
                       score, np.asarray(band_for(score)), logit, intercept, contrib, values)  # fmt: skip
    with (
        connection.cursor() as cur,
        cur.cursor.copy(
            "COPY predictions_prediction (model_id, technician_id, as_of, score, band, logit, intercept, contributions, "
            "feature_values) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(buf)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("analytics"):
        from django.contrib.auth import get_user_model
        from django.test import Client

        _make_world()
        user = get_user_model().objects.create_superuser("bench", password="x")  # noqa: S106
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(user)

        def get(url):
            def go():
                r = c.get(url)
                assert r.status_code == 200, (url, r.status_code)

            return go

        pages = {
            "technicians list page": "/technicians/",
            "risk list page": "/predictions/",
            "overview page": "/",
            "segment comparison (2 districts)": "/analytics/compare/?a_district=d00&b_district=d01",
            "segment comparison (company vs region)": "/analytics/compare/?a_region=r0&b_region=r1",
            "survival curves, 20 districts": "/analytics/survival/?by=district",
            "trends by district (24 months)": "/analytics/trends/?split=district",
            "hiring pipeline by source": "/analytics/pipeline/?by=source",
            "hiring pipeline by district": "/analytics/pipeline/?by=district",
        }
        t = {k: _best(get(u)) for k, u in pages.items()}
    base, risk = t["technicians list page"], t["risk list page"]
    rows = [(f"{k} (s)", v, f"{N:,} technicians") for k, v in t.items()]
    rows += [
        ("ratio overview / technicians list (target ≤ 2)", t["overview page"] / base, ""),
        ("ratio comparison / technicians list (target ≤ 2)", t["segment comparison (2 districts)"] / base, ""),
        ("ratio survival 20 groups / risk list page", t["survival curves, 20 districts"] / risk,
         f"{t['survival curves, 20 districts']:.2f}s (target < 1 s)"),
        ("ratio hiring pipeline by district / technicians list", t["hiring pipeline by district"] / base,
         f"≈{2 * N:,} candidates"),
    ]  # fmt: skip
    return rows
