"""Fixtures for the technicians app's tests.

* ``people``/``make_people`` (API and pages): regions west/east, three districts, four technicians.
* ``districts`` and ``csv_bytes`` (importers): a small region/district set and CSV helpers.
"""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import CandidateFactory, DistrictFactory, RegionFactory, SnapshotFactory, TechnicianFactory

# A pay value that appears nowhere else, so "absent from the HTML/JSON" is a meaningful check.
SECRET_PAY = Decimal("47.83")


@pytest.fixture
def people(db):
    return make_people()


def make_people() -> dict:
    """Regions west (Dallas, Phoenix) and east (Boston); Alice (HR-only values), Bob (left), Carol, Dan."""
    west = RegionFactory(code="west", name="West")
    east = RegionFactory(code="east", name="East")
    dal = DistrictFactory(code="dal", name="Dallas", region=west)
    phx = DistrictFactory(code="phx", name="Phoenix", region=west)
    bos = DistrictFactory(code="bos", name="Boston", region=east)
    techs = {
        "alice": TechnicianFactory(
            employee_id="E100", first_name="Alice", last_name="Adams", district=dal, trade="hvac",
            hire_date=date(2021, 3, 1), pay_rate=SECRET_PAY, performance_rating=Decimal("4.2"),
            attributes={"annual_bonus": 1200, "shirt_size": "M"},
        ),
        "bob": TechnicianFactory(
            employee_id="E101", first_name="Bob", last_name="Brown", district=dal, trade="appliance",
            hire_date=date(2022, 6, 1), termination_date=date(2024, 2, 1), termination_type="voluntary",
        ),
        "carol": TechnicianFactory(
            employee_id="E102", first_name="Carol", last_name="Clark", district=phx, trade="hvac",
            hire_date=date(2023, 1, 15),
        ),
        "dan": TechnicianFactory(
            employee_id="E103", first_name="Dan", last_name="Diaz", district=bos, trade="plumbing",
            hire_date=date(2021, 9, 1),
        ),
    }  # fmt: skip
    for m in (1, 2, 3):
        SnapshotFactory(technician=techs["alice"], month=date(2024, m, 1), jobs_completed=70 + m, pay_rate=SECRET_PAY)
    CandidateFactory(candidate_id="C500", district=dal, stage="hired", hired_technician=techs["alice"])
    CandidateFactory(candidate_id="C501", district=bos, stage="interview", source="agency", trade="plumbing")
    return techs


@pytest.fixture
def districts(db):
    west = RegionFactory(code="west", name="West")
    south = RegionFactory(code="south", name="South")
    return {
        "phx": DistrictFactory(code="phx", name="Phoenix", region=west, climate="hot"),
        "sea": DistrictFactory(code="sea", name="Seattle", region=west, climate="cold"),
        "dal": DistrictFactory(code="dal", name="Dallas", region=south, climate="hot"),
    }


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()
