"""Admin CSV import: upload → dry-run preview (counts, every bad row) → confirm → all-or-nothing import."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from technicians.models import DemandWeek, District, Technician
from tests.factories import make_user

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT = reverse("admin:technicians_technician_import")
CONFIRM = reverse("admin:technicians_technician_import_confirm")


def upload(client, name, url=IMPORT, content=None):
    content = content if content is not None else (FIXTURES / name).read_bytes()
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def token_of(resp) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', resp.content.decode()).group(1)


@pytest.mark.django_db
def test_changelist_has_import_and_export_buttons(hr_client, districts):
    body = hr_client.get(reverse("admin:technicians_technician_changelist")).content.decode()
    assert f'href="{IMPORT}"' in body and "Export CSV" in body
    assert hr_client.get(IMPORT).status_code == 200


@pytest.mark.django_db
def test_upload_previews_counts_then_confirm_imports(hr_client, districts):
    resp = upload(hr_client, "technicians.csv")
    body = resp.content.decode()
    assert resp.status_code == 200 and "nothing has been written yet" in body
    assert resp.context["result"].created == 3 and resp.context["result"].updated == 0
    assert 'name="confirm"' in body and "disabled" not in body
    assert Technician.objects.count() == 0

    resp = hr_client.post(CONFIRM, {"token": token_of(resp)})
    assert resp.status_code == 302 and resp["Location"].endswith("/admin/technicians/technician/")
    assert Technician.objects.count() == 3
    msgs = [str(m) for m in resp.wsgi_request._messages]
    assert msgs == ["Imported technicians.csv: created 3, updated 0, unchanged 0, rejected 0."]

    # the same file again: previews as unchanged, confirms without duplicating
    resp = upload(hr_client, "technicians.csv")
    assert resp.context["result"].unchanged == 3
    hr_client.post(CONFIRM, {"token": token_of(resp)})
    assert Technician.objects.count() == 3


@pytest.mark.django_db
def test_preview_lists_every_bad_row_and_disables_confirm(hr_client, districts):
    resp = upload(hr_client, "technicians_bad.csv")
    body = resp.content.decode()
    assert Technician.objects.count() == 0
    rows = re.findall(r'<td class="row">(\d+)</td>', body)
    assert rows == ["3", "4", "5", "6", "7", "8", "9"]
    assert "unknown district code &#x27;atlantis&#x27;" in body
    assert "negative pay is not allowed" in body
    assert re.search(r'<input type="submit" value="Confirm import" disabled', body)
    # forcing the confirm anyway writes nothing and shows the errors again
    resp = hr_client.post(CONFIRM, {"token": token_of(resp)})
    assert resp.status_code == 200 and resp.context["stale"] and Technician.objects.count() == 0


@pytest.mark.django_db
def test_confirm_revalidates_against_current_data(hr_client, districts):
    url = reverse("admin:technicians_demandweek_import")
    resp = upload(hr_client, "demand.csv", url=url)
    token = token_of(resp)
    District.objects.filter(code="dal").delete()  # deleted between preview and confirm
    resp = hr_client.post(reverse("admin:technicians_demandweek_import_confirm"), {"token": token})
    assert resp.status_code == 200 and "unknown district code &#x27;dal&#x27;" in resp.content.decode()
    assert DemandWeek.objects.count() == 0


@pytest.mark.django_db
def test_file_level_error_is_shown_on_the_upload_form(hr_client, districts):
    resp = upload(hr_client, "x.csv", content=b"employee_id,first_name\nE1,A\n")
    assert resp.status_code == 200
    assert "Missing required columns: last_name, district, trade, hire_date." in resp.content.decode()


@pytest.mark.django_db
def test_confirm_with_unknown_or_foreign_token_writes_nothing(hr_client, districts):
    resp = upload(hr_client, "technicians.csv")
    token = token_of(resp)
    client = Client()
    client.force_login(make_user("hr2", "HR admin"))
    resp = client.post(CONFIRM, {"token": token})
    assert resp.status_code == 302 and resp["Location"] == IMPORT
    resp = hr_client.post(CONFIRM, {"token": "not-a-token"})
    assert resp.status_code == 302 and Technician.objects.count() == 0


@pytest.mark.django_db
def test_staff_without_hr_role_gets_403_and_recruiter_is_sent_to_login(recruiter_client, districts):
    client = Client()
    client.force_login(make_user("staffer", None, is_staff=True))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, "technicians.csv").status_code == 403
    resp = upload(recruiter_client, "technicians.csv")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    assert Technician.objects.count() == 0


@pytest.mark.django_db
def test_dead_redis_gives_a_clear_error_and_writes_nothing(hr_client, districts, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    resp = upload(hr_client, "technicians.csv")
    assert resp.status_code == 200 and "upload store (Redis) is unavailable" in resp.content.decode()
    resp = hr_client.post(CONFIRM, {"token": "abc123"})
    assert resp.status_code == 302 and Technician.objects.count() == 0
