"""Snowflake adapter: key-pair (JWT) connection, schema discovery, incremental batched fetch.

Pure Python over ``snowflake-connector-python`` — no Django imports, so it can be tested and swapped
on its own (tests run it against ``fakesnow``). The connector is synchronous: call this module from
Celery tasks, management commands or sync views (which Django runs in a worker thread), never from
inside an event loop.

Incremental reads use a *safe watermark*: rows are read ordered by the watermark column and each
batch reports the highest watermark ``w`` such that every row with a watermark ``<= w`` has been
handed out. Storing that value after a batch commits means a re-run (``watermark > w``) never skips a
row, even when several rows share one watermark value across a batch boundary; at worst it re-reads
a few rows, which the idempotent upsert turns into "unchanged".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from snowflake.connector import errors as sf_errors

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class SnowflakeError(Exception):
    """Base class for every error this adapter raises."""


class SnowflakeNotConfigured(SnowflakeError):
    """Required settings are missing (the app then says so and falls back to CSV import / demo data)."""


class SnowflakeKeyError(SnowflakeError):
    """The private key file is missing, unreadable, not an RSA key, or the passphrase is wrong."""


class SnowflakeUnavailable(SnowflakeError):
    """Could not connect or authenticate (network, account, user, key not registered…). Transient: retry."""


class SnowflakeQueryError(SnowflakeError):
    """A query failed (unknown table or column, permission denied, bad SQL)."""


class SchemaDriftError(SnowflakeError):
    """The source table no longer has the columns the mapping reads (renamed or dropped upstream)."""

    def __init__(self, table: str, missing: Sequence[str], available: Sequence[str] = ()):
        self.table = table
        self.missing = list(missing)
        self.available = list(available)
        cols = ", ".join(self.missing)
        msg = f"Source table {table} has no column(s) {cols} (renamed or dropped upstream?)"
        if self.available:
            msg += f"; it has: {', '.join(self.available)}"
        super().__init__(msg)


@dataclass(frozen=True)
class SnowflakeConfig:
    account: str = ""
    user: str = ""
    role: str = ""
    warehouse: str = ""
    database: str = ""
    schema: str = ""
    private_key_path: str = ""
    private_key_passphrase: str = field(default="", repr=False)
    login_timeout: int = 15
    network_timeout: int = 60

    REQUIRED = ("account", "user", "database", "schema", "private_key_path")

    def missing(self) -> list[str]:
        """Names of required settings that are empty (as SNOWFLAKE_* env var names)."""
        return [f"SNOWFLAKE_{name.upper()}" for name in self.REQUIRED if not getattr(self, name)]

    @property
    def is_configured(self) -> bool:
        return not self.missing()


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    data_type: str  # Snowflake type name: TEXT, NUMBER, FLOAT, DATE, TIMESTAMP_NTZ, BOOLEAN, VARIANT…
    nullable: bool = True
    precision: int | None = None
    scale: int | None = None

    @property
    def kind(self) -> str:
        """Coarse type family used to check a mapping: text, integer, decimal, float, date, datetime, boolean, other."""
        return type_family(self.data_type, self.scale)


@dataclass
class Batch:
    rows: list[dict[str, Any]]
    safe_watermark: Any  # every row with watermark <= this has been read (None: nothing safe yet)
    last_watermark: Any  # watermark of the last row of this batch


def type_family(data_type: str, scale: int | None = None) -> str:
    t = (data_type or "").upper()
    if t in {"TEXT", "VARCHAR", "STRING", "CHAR", "CHARACTER", "NCHAR", "NVARCHAR"} or t.startswith("VARCHAR"):
        return "text"
    if t in {"NUMBER", "DECIMAL", "NUMERIC"}:
        return "integer" if (scale or 0) == 0 else "decimal"
    if t in {"INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT"}:
        return "integer"
    if t in {"FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL"}:
        return "float"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP") or t == "DATETIME":
        return "datetime"
    if t == "BOOLEAN":
        return "boolean"
    return "other"


def quote_identifier(name: str) -> str:
    """Double-quote a table/column name after checking it is a plain identifier (no SQL injection
    through a mapping edited in admin)."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise SnowflakeQueryError(f"Not a valid Snowflake identifier: {name!r}")
    return f'"{name}"'


# --------------------------------------------------------------------------- keys and connections


def load_private_key(path: str | Path, passphrase: str | bytes | None = None) -> bytes:
    """Read a PEM (PKCS#8 or PKCS#1, optionally encrypted) RSA private key; return unencrypted
    PKCS#8 DER bytes, the form the connector's ``private_key`` parameter takes."""
    p = Path(path).expanduser()
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SnowflakeKeyError(f"Private key file not found: {p}")
    except OSError as exc:
        raise SnowflakeKeyError(f"Cannot read private key file {p}: {exc.strerror or exc}")
    password = passphrase.encode() if isinstance(passphrase, str) else passphrase
    password = password or None
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:  # encrypted key without passphrase, or passphrase for a clear key
        if password is None:
            raise SnowflakeKeyError(f"Private key {p.name} is encrypted: set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE") from exc
        raise SnowflakeKeyError(
            f"Private key {p.name} is not encrypted: unset SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"
        ) from exc
    except ValueError as exc:
        if password is not None and b"ENCRYPTED" in data:
            raise SnowflakeKeyError(f"Wrong passphrase for private key {p.name}") from exc
        raise SnowflakeKeyError(f"{p.name} is not a PEM private key ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SnowflakeKeyError(
            f"Private key {p.name} is not an RSA key (Snowflake key-pair auth needs RSA ≥ 2048 bits)"
        )
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def connect(config: SnowflakeConfig):
    """Open a connection with key-pair JWT authentication. Raises SnowflakeNotConfigured,
    SnowflakeKeyError or SnowflakeUnavailable with a message fit for the admin."""
    missing = config.missing()
    if missing:
        raise SnowflakeNotConfigured(f"Snowflake is not configured: set {', '.join(missing)}")
    private_key = load_private_key(config.private_key_path, config.private_key_passphrase)
    params: dict[str, Any] = {
        "account": config.account,
        "user": config.user,
        "authenticator": "SNOWFLAKE_JWT",
        "private_key": private_key,
        "database": config.database,
        "schema": config.schema,
        "login_timeout": config.login_timeout,
        "network_timeout": config.network_timeout,
        "application": "TechnicianAnalytics",
        "client_session_keep_alive": False,
    }
    if config.role:
        params["role"] = config.role
    if config.warehouse:
        params["warehouse"] = config.warehouse
    try:
        # looked up on the module at call time so fakesnow.patch() can stand in for it in tests
        return snowflake.connector.connect(**params)
    except sf_errors.Error as exc:
        raise SnowflakeUnavailable(f"Cannot connect to Snowflake account {config.account}: {_short(exc)}") from exc
    except OSError as exc:
        raise SnowflakeUnavailable(f"Cannot reach Snowflake account {config.account}: {exc}") from exc


@contextlib.contextmanager
def session(config: SnowflakeConfig):
    conn = connect(config)
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def ping(config: SnowflakeConfig) -> tuple[bool, str]:
    """(reachable, message). Never raises."""
    try:
        with session(config) as conn:
            cur = conn.cursor()
            cur.execute("SELECT CURRENT_VERSION()")
            version = cur.fetchone()
        return True, f"Connected (Snowflake {version[0] if version else '?'})"
    except SnowflakeError as exc:
        return False, str(exc)
    except Exception as exc:  # noqa: BLE001 - a status panel must never crash
        return False, f"{type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:500] if text else type(exc).__name__


def _execute(cur, sql: str, params: Any = None):
    try:
        return cur.execute(sql, params)
    except sf_errors.ProgrammingError as exc:
        raise SnowflakeQueryError(_short(exc)) from exc
    except sf_errors.Error as exc:  # connection dropped mid-query, etc.
        raise SnowflakeUnavailable(_short(exc)) from exc


# --------------------------------------------------------------------------- discovery


def discover(conn, *, database: str, schema: str, table: str | None = None) -> dict[str, list[ColumnInfo]]:
    """Tables (and views) of ``database.schema`` with their columns in ordinal order."""
    columns = "table_name, column_name, data_type, is_nullable, numeric_precision, numeric_scale"
    catalog = f"{quote_identifier(database)}.information_schema.columns"
    sql = f"SELECT {columns} FROM {catalog} WHERE table_schema = %s"  # noqa: S608 - identifier is quoted/checked
    params: list[Any] = [schema]
    if table:
        sql += " AND table_name = %s"
        params.append(table)
    sql += " ORDER BY table_name, ordinal_position"
    cur = conn.cursor()
    _execute(cur, sql, params)
    tables: dict[str, list[ColumnInfo]] = {}
    for table_name, col, data_type, nullable, precision, scale in cur.fetchall():
        tables.setdefault(table_name, []).append(
            ColumnInfo(
                name=col,
                data_type=str(data_type).upper(),
                nullable=str(nullable).upper() in {"YES", "TRUE", "Y"},
                precision=int(precision) if precision is not None else None,
                scale=int(scale) if scale is not None else None,
            )
        )
    return tables


def check_columns(table: str, required: Sequence[str], columns: Sequence[ColumnInfo] | None) -> None:
    """Fail fast (before fetching) when the table or any column the mapping reads is gone."""
    if not columns:
        raise SchemaDriftError(table, [f"(table {table} not found or has no columns)"])
    have = {c.name for c in columns}
    missing = [c for c in dict.fromkeys(required) if c not in have]
    if missing:
        raise SchemaDriftError(table, missing, [c.name for c in columns])


# --------------------------------------------------------------------------- fetching


def fetch_batches(
    conn,
    *,
    database: str,
    schema: str,
    table: str,
    columns: Sequence[str],
    watermark_column: str | None,
    after: Any = None,
    order_by: Sequence[str] = (),
    batch_size: int = 5000,
) -> Iterator[Batch]:
    """Yield rows (dicts keyed by source column name) of ``table`` changed after watermark ``after``,
    in watermark order, ``batch_size`` at a time via ``cursor.fetchmany``.

    ``after=None`` reads everything (a full sync), including rows with no watermark value; an
    incremental read only sees rows whose watermark is greater than ``after``.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    cols = list(dict.fromkeys([*columns, *([watermark_column] if watermark_column else [])]))
    select = ", ".join(quote_identifier(c) for c in cols)
    source = ".".join(quote_identifier(x) for x in (database, schema, table))
    sql = f"SELECT {select} FROM {source}"  # noqa: S608 - identifiers passed quote_identifier
    params: list[Any] = []
    if watermark_column and after is not None:
        sql += f" WHERE {quote_identifier(watermark_column)} > %s"
        params.append(after)
    order = ([f"{quote_identifier(watermark_column)} NULLS FIRST"] if watermark_column else []) + [
        quote_identifier(c) for c in order_by if c != watermark_column
    ]
    if order:
        sql += " ORDER BY " + ", ".join(order)
    cur = conn.cursor()
    _execute(cur, sql, params or None)
    wm_index = cols.index(watermark_column) if watermark_column else None

    def next_rows() -> list[tuple]:
        try:
            return cur.fetchmany(batch_size)
        except sf_errors.Error as exc:
            raise SnowflakeUnavailable(_short(exc)) from exc

    safe = after
    pending = next_rows()
    while pending:
        following = next_rows()
        rows = [dict(zip(cols, r, strict=True)) for r in pending]
        last_wm = pending[-1][wm_index] if wm_index is not None else None
        if wm_index is None:
            safe = None
        elif not following:
            safe = last_wm if last_wm is not None else safe
        else:
            next_wm = following[0][wm_index]
            if last_wm is not None and next_wm != last_wm:
                safe = last_wm
            else:  # the last watermark value continues into the next batch: only what is before it is safe
                earlier = [r[wm_index] for r in pending if r[wm_index] is not None and r[wm_index] != last_wm]
                if earlier:
                    safe = max(earlier)
        yield Batch(rows=rows, safe_watermark=safe, last_watermark=last_wm)
        pending = following


def query(conn, sql: str, params: Any = None, *, max_rows: int = 10_000) -> tuple[list[str], list[tuple]]:
    """Run an ad-hoc read query; return (column names, rows), at most ``max_rows`` rows."""
    cur = conn.cursor()
    _execute(cur, sql, params)
    names = [d[0] for d in (cur.description or [])]
    try:
        rows = cur.fetchmany(max_rows)
    except sf_errors.Error as exc:
        raise SnowflakeUnavailable(_short(exc)) from exc
    return names, [tuple(r) for r in rows]


# --------------------------------------------------------------------------- watermark values


def encode_watermark(value: Any) -> dict | None:
    """A JSON-safe, type-preserving form of a watermark value (stored on the mapping)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return {"type": "datetime", "value": value.isoformat()}
    if isinstance(value, dt.date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, bool):
        raise ValueError("A boolean column cannot be a watermark")
    if isinstance(value, int):
        return {"type": "int", "value": str(value)}
    if isinstance(value, Decimal):
        return {"type": "decimal", "value": str(value)}
    if isinstance(value, float):
        return {"type": "float", "value": repr(value)}
    return {"type": "str", "value": str(value)}


def decode_watermark(data: dict | None) -> Any:
    if not data:
        return None
    kind, value = data.get("type"), data.get("value")
    if value is None:
        return None
    match kind:
        case "datetime":
            return dt.datetime.fromisoformat(value)
        case "date":
            return dt.date.fromisoformat(value)
        case "int":
            return int(value)
        case "decimal":
            return Decimal(value)
        case "float":
            return float(value)
        case _:
            return str(value)


def json_safe(value: Any) -> Any:
    """Plain JSON types for a source value (for rejected-row reports and caches)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return str(value)
