"""Back to a page htmx holds no snapshot of: htmx asks with HX-History-Restore-Request and swaps the answer
into the whole <body>, so every page must answer it with the full page, never its partial (a Back once left
the forecasts page without its filter form). Walks every dashboard page without a placeholder."""

import pytest

from tests.e2e.pages import PAGES

PLAIN = [(name, path) for name, path, roles in PAGES if "{" not in path and not path.startswith("/admin")]


@pytest.mark.django_db
def test_every_page_answers_a_history_restore_with_the_full_page(recruiter_client):
    partial_pages = 0
    for name, path in PLAIN:
        htmx = recruiter_client.get(path, headers={"HX-Request": "true"})
        restore = recruiter_client.get(path, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
        assert restore.status_code == 200, (name, restore.status_code)
        body = restore.content.decode()
        assert "<html" in body and "</nav>" in body, f"{name}: a history restore got a partial"
        partial_pages += "<html" not in htmx.content.decode()
    assert partial_pages >= 5  # the pages that do answer htmx with a partial were really exercised
