"""The one personal-data rule: which names are HR-only, and who may see them."""

import pytest

from technicians.visibility import field_visible, is_sensitive_name, redact


@pytest.mark.parametrize(
    "name",
    [
        "pay_rate",
        "offered_pay_rate",
        "pay_vs_district_median",
        "performance_rating",
        "annualBonus",
        "base_salary",
        "attributes.hourly_wage",
        "disciplinary_actions",
        "Compensation",
    ],
)
def test_pay_and_performance_names_are_sensitive(name):
    assert is_sensitive_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "overtime_hours",
        "first_time_fix_rate",
        "csat",
        "display_name",
        "operating_region",
        "tenure_years",
        "drive_time_minutes",
        "employee_id",
    ],
)
def test_operational_names_are_not_sensitive(name):
    assert not is_sensitive_name(name)


def test_redact_removes_nested_sensitive_keys_for_recruiter(recruiter):
    data = {
        "employee_id": "E1",
        "pay_rate": 30.0,
        "attributes": {"annual_bonus": 900, "van_age_years": 4},
        "snapshots": [{"month": "2024-01-01", "pay_rate": 29.0, "csat": 4.6}],
    }
    out = redact(recruiter, data)
    assert out == {
        "employee_id": "E1",
        "attributes": {"van_age_years": 4},
        "snapshots": [{"month": "2024-01-01", "csat": 4.6}],
    }


def test_hr_admin_sees_everything(hr_admin, recruiter):
    data = {"pay_rate": 30.0, "performance_rating": 4.0}
    assert redact(hr_admin, data) == data
    assert field_visible(hr_admin, "pay_rate") and not field_visible(recruiter, "pay_rate")


def test_anonymous_and_inactive_users_see_no_pay(hr_admin):
    from django.contrib.auth.models import AnonymousUser

    assert not field_visible(AnonymousUser(), "pay_rate")
    hr_admin.is_active = False
    assert not field_visible(hr_admin, "pay_rate")
