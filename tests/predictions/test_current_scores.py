"""Rankings read the narrow current-score table (issue 15): the same rows as the stored scores, pages by
cursor equal to pages by offset, counts from the scoring-time aggregates, and an index that serves the order
(proved with EXPLAIN, not with timing)."""

import re
from collections import Counter

from django.db import connection

from predictions import selectors
from predictions.models import CurrentScore, CurrentScoreSet, Prediction, ScoreCount
from predictions.services import predictions_score


def _plan(sql: str, params) -> str:
    # with sorting priced out, a plan without a Sort node means an index delivers the order by itself
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN {sql}", params)
        return "\n".join(r[0] for r in cur.fetchall())


def test_current_scores_follow_the_switch_and_serve_rankings_by_index(trained, recruiter, client, api_key_for):
    state = CurrentScoreSet.objects.get(model_type="retention")
    assert state.model_id == trained.pk
    stored = Prediction.objects.filter(model=trained, as_of=state.as_of, technician__isnull=False)
    assert CurrentScore.objects.filter(model_type="retention").count() == stored.count() == state.rows

    by_offset = selectors.risk_ranking(user=recruiter, limit=500)
    expected = sorted(stored.select_related("technician"), key=lambda p: (-p.score, p.technician.employee_id))
    assert [i["employee_id"] for i in by_offset["items"]] == [p.technician.employee_id for p in expected]
    assert by_offset["count"] == len(expected)
    assert selectors.band_counts() == {b: Counter(p.band for p in expected).get(b, 0) for b in selectors.BANDS}

    # keyset pages walk the same order as offset pages, and the last page has no cursor
    walked, cursor = [], None
    while True:
        page = selectors.risk_ranking(user=recruiter, limit=7, cursor=cursor)
        walked += [i["employee_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["employee_id"] for i in by_offset["items"]]
    second = selectors.risk_ranking(user=recruiter, limit=7, offset=7)["items"]
    assert [i["employee_id"] for i in second] == walked[7:14]

    # the API: the cursor of one page gives the same next page as the offset; a forged cursor is a 422
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(recruiter)}"}
    first = client.get("/api/v1/predictions/risk", {"limit": 5}, **headers).json()
    by_cursor = client.get("/api/v1/predictions/risk", {"limit": 5, "cursor": first["next_cursor"]}, **headers).json()
    assert [i["employee_id"] for i in by_cursor["items"]] == walked[5:10]
    bad = client.get("/api/v1/predictions/risk", {"cursor": "bm90LWEtY3Vyc29y"}, **headers)
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]

    district = expected[0].technician.district.code
    in_district = [p for p in expected if p.technician.district.code == district]
    page = selectors.risk_ranking(user=recruiter, district=district, limit=500)
    assert (
        page["count"]
        == len(in_district)
        == sum(ScoreCount.objects.filter(district=district).values_list("n", flat=True))
    )

    qs = CurrentScore.objects.filter(model_type="retention").order_by("-score", "subject_key")[:20]
    sql, params = qs.query.sql_with_params()
    plan = _plan(sql, params)
    assert "curscore_rank" in plan and "Sort" not in plan, plan

    # the page's full rows by id: one partition's primary key (the current (model, as_of)), not every one
    ids = list(qs.values_list("prediction_id", flat=True))
    page = Prediction.objects.filter(model_id=state.model_id, as_of=state.as_of, id__in=ids).order_by()
    plan = _plan(*page.query.sql_with_params())
    tables = set(re.findall(r"on (predictions_p_\w+?_\d{8})\b(?!_)", plan))
    assert len(tables) == 1 and f"{state.as_of:%Y%m%d}_pkey" in plan and "default" not in plan, plan

    # a nightly re-score of the active model replaces the current set in the same transaction
    n = predictions_score(model_type="retention")
    assert n == CurrentScore.objects.filter(model_type="retention").count()
    assert CurrentScoreSet.objects.get(model_type="retention").refreshed_at >= state.refreshed_at


def test_a_version_scored_before_activation_leaves_the_current_ranking_alone(trained, recruiter):
    from predictions.current import after_scores_switched
    from predictions.models import ModelStatus, TrainedModel

    before = selectors.risk_ranking(user=recruiter, limit=5)
    TrainedModel.objects.filter(pk=trained.pk).update(status=ModelStatus.READY)  # as if a new version were pending
    assert after_scores_switched(trained) == 0
    TrainedModel.objects.filter(pk=trained.pk).update(status=ModelStatus.ACTIVE)
    assert selectors.risk_ranking(user=recruiter, limit=5) == before
