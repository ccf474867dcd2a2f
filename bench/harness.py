"""Helpers for benchmarks: a throwaway database on the configured PostgreSQL server."""

import contextlib

import django


@contextlib.contextmanager
def bench_database(name: str):
    """Create (fresh) and migrate database ``bench_<name>``; yield; drop it afterwards."""
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    dbname = f"bench_{name}"
    original = settings.DATABASES["default"]["NAME"]
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{dbname}"')
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = dbname
    connections["default"].settings_dict["NAME"] = dbname
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield dbname
    finally:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = original
        connections["default"].settings_dict["NAME"] = original
        with connections["default"].cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
