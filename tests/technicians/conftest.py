"""Fixtures for the technicians app's tests: a small region/district set and CSV helpers."""

import pytest

from tests.factories import DistrictFactory, RegionFactory


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
