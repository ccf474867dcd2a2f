"""Fixtures for the Snowflake sync: fakesnow (the real connector API over duckdb), an encrypted RSA
key generated with ``cryptography``, settings pointing at them, districts and a technicians mapping."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal

import fakesnow
import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ingest.models import SourceMapping
from tests.factories import DistrictFactory, RegionFactory

DATABASE = "PRD_AGENTIC_SOLUTIONS"
SCHEMA = "DATA_SOURCES"
PASSPHRASE = "correct horse battery staple"

TECH_COLUMNS = {
    "EMP_ID": "employee_id",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "DISTRICT_CODE": "district",
    "TRADE": "trade",
    "HIRED_ON": "hire_date",
    "PAY_RATE": "pay_rate",
}


@pytest.fixture(autouse=True)
def _quiet_fakesnow():
    # fakesnow builds DB-API results through Arrow and warns about it on every query
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


@pytest.fixture(scope="session")
def rsa_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def encrypted_key_file(tmp_path, rsa_private_key):
    path = tmp_path / "rsa_key.p8"
    path.write_bytes(
        rsa_private_key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    return path


@pytest.fixture
def snowflake_settings(settings, encrypted_key_file):
    settings.SNOWFLAKE_ACCOUNT = "acme-test"
    settings.SNOWFLAKE_USER = "SYNC_SVC"
    settings.SNOWFLAKE_ROLE = "SYNC_ROLE"
    settings.SNOWFLAKE_WAREHOUSE = "SYNC_WH"
    settings.SNOWFLAKE_DATABASE = DATABASE
    settings.SNOWFLAKE_SCHEMA = SCHEMA
    settings.SNOWFLAKE_PRIVATE_KEY_PATH = str(encrypted_key_file)
    settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = PASSPHRASE
    settings.SNOWFLAKE_SYNC_RETRY_BACKOFF_SECONDS = 1
    return settings


@pytest.fixture
def unconfigured(settings):
    settings.SNOWFLAKE_ACCOUNT = ""
    settings.SNOWFLAKE_USER = ""
    settings.SNOWFLAKE_PRIVATE_KEY_PATH = ""
    return settings


class Warehouse:
    """The fake Snowflake: a connection to create and change source tables."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, params=None):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def create_technicians(self):
        self.execute(
            'CREATE TABLE "TECHNICIANS" ("EMP_ID" VARCHAR, "FIRST_NAME" VARCHAR, "LAST_NAME" VARCHAR, '
            '"DISTRICT_CODE" VARCHAR, "TRADE" VARCHAR, "HIRED_ON" VARCHAR, "PAY_RATE" NUMBER(7,2), '
            '"UPDATED_AT" TIMESTAMP_NTZ)'
        )

    def insert_technicians(self, rows):
        cur = self.conn.cursor()
        cur.executemany(
            'INSERT INTO "TECHNICIANS" VALUES (%s, %s, %s, %s, %s, %s, %s, %s)',
            [
                (
                    r["EMP_ID"],
                    r["FIRST_NAME"],
                    r["LAST_NAME"],
                    r["DISTRICT_CODE"],
                    r["TRADE"],
                    r["HIRED_ON"],
                    r["PAY_RATE"],
                    r["UPDATED_AT"],
                )  # fmt: skip
                for r in rows
            ],
        )


def tech_source_row(n: int, *, minute: int | None = None, **over) -> dict:
    return {
        "EMP_ID": f"E{n:04d}",
        "FIRST_NAME": f"First{n}",
        "LAST_NAME": "Source",
        "DISTRICT_CODE": "phx" if n % 2 else "dal",
        "TRADE": "hvac",
        "HIRED_ON": "2022-01-03",
        "PAY_RATE": Decimal("30.00"),
        "UPDATED_AT": dt.datetime(2024, 1, 1, 8, 0) + dt.timedelta(minutes=n if minute is None else minute),
        **over,
    }


@pytest.fixture
def warehouse(snowflake_settings):
    with fakesnow.patch():
        conn = snowflake.connector.connect(database=DATABASE, schema=SCHEMA)
        yield Warehouse(conn)
        conn.close()


@pytest.fixture
def districts(db):
    west = RegionFactory(code="west", name="West")
    south = RegionFactory(code="south", name="South")
    return {
        "phx": DistrictFactory(code="phx", name="Phoenix", region=west, climate="hot"),
        "dal": DistrictFactory(code="dal", name="Dallas", region=south, climate="hot"),
    }


@pytest.fixture
def tech_mapping(db):
    return SourceMapping.objects.create(
        name="technicians",
        source_table="TECHNICIANS",
        target="technicians",
        column_map=dict(TECH_COLUMNS),
        key_columns=["EMP_ID"],
        watermark_column="UPDATED_AT",
        batch_size=1000,
    )
