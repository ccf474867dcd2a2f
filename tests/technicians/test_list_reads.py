"""The technician list's default order is served by an index, and its counts are cached under the table's
revision: a write makes the next count fresh (issue 15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from technicians.selectors import technician_counts, technician_list
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def test_default_order_is_an_index_scan_and_counts_follow_writes(hr_admin):
    TechnicianFactory.create_batch(3)
    qs = technician_list(user=hr_admin)
    sql, params = qs.values("employee_id")[:25].query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_sort = off")  # with sorting priced out, no Sort node = the index orders
        cur.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "technician_name_order" in plan and "Sort" not in plan, plan

    assert technician_counts(technicians=qs)["total"] == 3
    with CaptureQueriesContext(connection) as q:  # the repeat is a cache read: no count over the table
        assert technician_counts(technicians=technician_list(user=hr_admin))["total"] == 3
    assert not [x for x in q.captured_queries if "COUNT(" in x["sql"].upper()], q.captured_queries
    TechnicianFactory()
    assert technician_counts(technicians=technician_list(user=hr_admin))["total"] == 4


def test_api_cursor_pages_match_offset_pages(client, hr_admin, api_key_for):
    TechnicianFactory.create_batch(7)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(hr_admin)}"}
    everyone = [t["employee_id"] for t in client.get("/api/v1/technicians", **headers).json()["items"]]
    walked, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/technicians", params, **headers).json()
        assert page["count"] == 7
        walked += [t["employee_id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert walked == everyone and len(walked) == 7
    assert client.get("/api/v1/technicians", {"cursor": "e30"}, **headers).status_code == 422
    sorted_page = client.get("/api/v1/technicians", {"cursor": cursor or "e30", "ordering": "hire_date"}, **headers)
    assert sorted_page.status_code == 422
