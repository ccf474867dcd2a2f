"""List the tables and columns of SNOWFLAKE_DATABASE.SNOWFLAKE_SCHEMA, to write a SourceMapping."""

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from ingest import services
from ingest import snowflake as sf
from ingest.selectors import snowflake_config


class Command(BaseCommand):
    help = "List tables and columns of the configured Snowflake schema (SNOWFLAKE_DATABASE.SNOWFLAKE_SCHEMA)."

    def add_arguments(self, parser):
        parser.add_argument("table", nargs="?", help="Only this table (exact name, e.g. TECHNICIANS).")
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args, table=None, json=False, **options):
        config = snowflake_config()
        try:
            tables = services.schema_discover(table=table)
        except sf.SnowflakeError as exc:
            raise CommandError(str(exc))
        if table and table not in tables:
            raise CommandError(f"No table {table} in {config.database}.{config.schema}")
        if json:
            self.stdout.write(_json_dump(tables))
            return
        if not tables:
            self.stdout.write(f"No tables in {config.database}.{config.schema}.")
            return
        for name, columns in tables.items():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{config.database}.{config.schema}.{name}"))
            width = max(len(c.name) for c in columns)
            for c in columns:
                self.stdout.write(
                    f"  {c.name:<{width}}  {c.data_type:<14} {c.kind:<9} {'null' if c.nullable else 'not null'}"
                )


def _json_dump(tables) -> str:
    return jsonlib.dumps(
        {
            name: [{"name": c.name, "type": c.data_type, "kind": c.kind, "nullable": c.nullable} for c in cols]
            for name, cols in tables.items()
        },
        indent=2,
    )
