"""Assistant fixtures: the fake OpenAI server, a small region/district/technician world, knowledge docs."""

from datetime import date
from decimal import Decimal

import pytest

from tests.assistant.fake_openai import FakeOpenAI
from tests.factories import DistrictFactory, RegionFactory, SnapshotFactory, TechnicianFactory


@pytest.fixture
def fake_openai(settings):
    fake = FakeOpenAI()
    settings.OPENAI_API_KEY = "sk-test-fake"
    settings.OPENAI_BASE_URL = fake.base_url
    settings.OPENAI_MODEL = fake.model
    settings.OPENAI_MAX_RETRIES = 0
    settings.OPENAI_TIMEOUT_SECONDS = 3.0
    settings.ASSISTANT_EMBEDDER = "local"
    settings.ASSISTANT_OFFLINE = False
    yield fake
    fake.close()


@pytest.fixture
def offline(settings):
    settings.OPENAI_API_KEY = ""
    settings.ASSISTANT_EMBEDDER = "local"


@pytest.fixture
def world(db):
    """Region West with Dallas and Phoenix; a handful of technicians with two months of snapshots."""
    west = RegionFactory(code="west", name="West")
    east = RegionFactory(code="east", name="East")
    dal = DistrictFactory(code="dal", name="Dallas", region=west)
    phx = DistrictFactory(code="phx", name="Phoenix", region=west)
    bos = DistrictFactory(code="bos", name="Boston", region=east)
    techs = []
    specs = [
        (dal, "hvac", 4.8, 0.92, 14.0, "31.50"),
        (dal, "hvac", 4.1, 0.75, 2.0, "29.00"),
        (dal, "appliance", 3.9, 0.70, 9.0, "27.25"),
        (phx, "hvac", 4.9, 0.95, 3.0, "33.75"),
        (phx, "hvac", 4.7, 0.90, 4.0, "32.10"),
        (phx, "plumbing", 4.0, 0.80, 12.0, "30.40"),
        (bos, "hvac", 4.6, 0.88, 5.0, "34.20"),
        (bos, "electrical", 3.5, 0.60, 16.0, "28.80"),
    ]
    for i, (district, trade, csat, ftf, ot, pay) in enumerate(specs):
        t = TechnicianFactory(
            employee_id=f"E{100 + i}",
            district=district,
            trade=trade,
            pay_rate=Decimal(pay),
            performance_rating=Decimal("4.2"),
            hire_date=date(2019 + i % 4, 3, 1),
            notes="",
        )
        for month in (date(2024, 1, 1), date(2024, 2, 1)):
            SnapshotFactory(
                technician=t, month=month, csat=csat, first_time_fix_rate=ftf, overtime_hours=ot, pay_rate=Decimal(pay)
            )
        techs.append(t)
    return {"regions": [west, east], "districts": {"dal": dal, "phx": phx, "bos": bos}, "techs": techs}


POLICY_TEXT = """Retention bonus policy

Technicians in districts with turnover above 20% are eligible for a retention bonus of up to 10% of base
pay, paid after 12 months of continued service. Managers nominate technicians each quarter.

Overtime policy

Overtime above 10 hours per week requires district manager approval. Managers should rebalance routes
before approving sustained overtime."""


@pytest.fixture
def policy_docs(db, settings):
    from assistant.services import knowledge_document_create, knowledge_document_embed

    settings.ASSISTANT_EMBEDDER = "local"
    a = knowledge_document_create(title="Retention and overtime policy", content=POLICY_TEXT)
    b = knowledge_document_create(
        title="Vehicle handbook",
        content="Company vans must be inspected weekly. Fuel cards are issued by fleet services.\n\nPersonal use of vans is not allowed.",
    )
    knowledge_document_embed(document_id=a.pk)
    knowledge_document_embed(document_id=b.pk)
    return [a, b]


@pytest.fixture
def close_async_db_connections():
    """Close DB connections opened by database_sync_to_async's worker thread (so the test DB can be dropped)."""
    yield
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())
