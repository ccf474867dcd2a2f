"""Every Django URL pattern and every OpenAPI operation × every kind of caller.

Routes are DISCOVERED (the URL resolver and the ninja OpenAPI schema), never listed here. Each route
declares the permission it needs (``core.access.requires`` → ``view.access_permission``; framework
routes in ``core.access.FRAMEWORK_ROUTES`` / ``FRAMEWORK_NAMESPACES``). A route that declares nothing
fails ``test_every_route_declares_its_permission``. The expectation for each caller follows from the
declaration and ``core.permissions.ROLE_GRANTS``. Every body a non-HR caller receives is scanned for the
seeded pay/performance VALUES (not field names); one HR response must contain them (the scan is live).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone

from core.access import FRAMEWORK_NAMESPACES, FRAMEWORK_ROUTES
from core.permissions import AUTHENTICATED, PUBLIC, ROLE_GRANTS, STAFF
from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER

# Seeded HR-only values; distinctive so a match is never a coincidence.
SECRET_VALUES = {
    "pay_rate": "47.83",
    "performance_rating": "1.3",
    "snapshot_pay": "46.19",
    "offered_pay_rate": "52.37",
    "program_pay_rule": "1.0737",
    "termination_reason": "Compensation",
}
_SECRET_RE = {k: re.compile(rf"(?<![\d.]){re.escape(v)}(?!\d)") for k, v in SECRET_VALUES.items()}
_SECRET_RE["termination_reason"] = re.compile(r"\bCompensation\b")


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        else:
            yield prefix + str(p.pattern), p.callback, namespace, p.name


def _django_routes():
    """(route, declared permission) for every non-API URL pattern; API routes are checked per operation."""
    out, seen = [], set()
    for route, callback, ns, name in _walk(get_resolver().url_patterns):
        if ns == "api" and f"api:{name}" not in FRAMEWORK_ROUTES:
            continue
        if route in seen:  # shadowed by an earlier pattern with the same route: never served
            continue
        seen.add(route)
        perm = getattr(callback, "access_permission", None)
        perm = perm or FRAMEWORK_ROUTES.get(f"{ns}:{name}") or FRAMEWORK_NAMESPACES.get(ns)
        out.append((route, perm, ns, name))
    return out


def _api_operations():
    """(method, path, operation schema, declared permission) for every OpenAPI operation."""
    from config.api import api

    by_id = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                by_id[op.operation_id or api.get_openapi_operation_id(op)] = op
    schema = api.get_openapi_schema()
    out = []
    for path, ops in schema["paths"].items():
        for method, spec in ops.items():
            op = by_id[spec["operationId"]]
            out.append((method.upper(), path, spec, getattr(op.view_func, "access_permission", None)))
    return schema, out


def test_every_route_declares_its_permission():
    missing = [r for r, perm, _ns, _n in _django_routes() if perm is None]
    _schema, ops = _api_operations()
    missing += [f"{m} {p}" for m, p, _s, perm in ops if perm is None]
    assert not missing, f"routes without a declared permission (use core.access.requires): {missing}"
    assert len(ops) > 40  # discovery found the API


# --------------------------------------------------------------------------- the world


@pytest.fixture
def seeded(db):
    from assistant.services import conversation_create
    from core.services import api_key_create
    from forecasts.models import ForecastRun
    from predictions.models import RetentionProgram
    from tests.factories import (
        CandidateFactory,
        DistrictFactory,
        RegionFactory,
        SnapshotFactory,
        TechnicianFactory,
        make_user,
    )

    district = DistrictFactory(code="zzd", name="Zed District", region=RegionFactory(code="zzr", name="Zed"))
    tech = TechnicianFactory(
        employee_id="E424242", district=district, pay_rate=Decimal(SECRET_VALUES["pay_rate"]),
        performance_rating=Decimal(SECRET_VALUES["performance_rating"]), hire_date=date(2020, 2, 3),
        termination_date=date.today() - timedelta(days=10), termination_type="voluntary",
        termination_reason=SECRET_VALUES["termination_reason"],
    )  # fmt: skip
    SnapshotFactory(technician=tech, month=date(2024, 1, 1), pay_rate=Decimal(SECRET_VALUES["snapshot_pay"]))
    cand = CandidateFactory(
        candidate_id="C777", district=district, offered_pay_rate=Decimal(SECRET_VALUES["offered_pay_rate"])
    )
    RetentionProgram.objects.create(
        name="Raise", change={"pay_rate": {"multiply": float(SECRET_VALUES["program_pay_rule"])}}
    )
    run = ForecastRun.objects.create(metric="demand", status="completed")
    users = {
        "no_role": make_user("nobody", None),
        "recruiter": make_user("rec", RECRUITER),
        "api_consumer": make_user("apic", API_CONSUMER),
        "hr_admin": make_user("hr", HR_ADMIN),
        "inactive": make_user("gone", HR_ADMIN, is_active=False),
    }
    keys = {name: api_key_create(user=u, name=name)[1] for name, u in users.items()}
    keys["revoked_key"] = api_key_create(user=users["hr_admin"], name="revoked")[1]
    keys["expired_key"] = api_key_create(
        user=users["hr_admin"], name="expired", expires_at=timezone.now() - timedelta(days=1)
    )[1]
    from core.models import ApiKey

    ApiKey.objects.filter(name="revoked").update(revoked_at=timezone.now())
    conv = conversation_create(user=users["recruiter"], title="mine")
    values = {
        "employee_id": tech.employee_id, "candidate_id": cand.candidate_id, "run_id": str(run.id),
        "model_id": str(uuid.uuid4()), "conversation_id": str(conv.id), "code": district.code,
        "name": "technicians", "app_label": "technicians", "program_id": str(RetentionProgram.objects.get().pk),
    }  # fmt: skip
    return {"users": users, "keys": keys, "values": values}


# --------------------------------------------------------------------------- expectations


def _role_holds(role: str, perm: str) -> bool:
    if perm in (PUBLIC, AUTHENTICATED):
        return True
    if perm == STAFF:
        return role == "hr_admin"
    grants = {"recruiter": RECRUITER, "api_consumer": API_CONSUMER, "hr_admin": HR_ADMIN}
    return role in grants and perm.split(".", 1)[1] in ROLE_GRANTS[grants[role]]


def _fill(route: str, values: dict) -> str:
    def sub(m):
        default = "1" if (m.groupdict().get("conv") or "").startswith("int") else "x1"
        return values.get(m.group("name"), default)

    route = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", sub, route)  # regex patterns (admin app index)
    route = re.sub(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>", sub, route)
    return "/" + re.sub(r"\{(?P<name>\w+)\}", sub, route).lstrip("/").replace("^", "").replace("$", "")


def _example(schema: dict, components: dict):
    """A small valid value for a JSON schema (enough to pass body validation, so the permission decides)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return _example(next(s for s in schema["anyOf"] if s.get("type") != "null"), components)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k], components) for k in schema.get("required", [])}
    if kind == "string":
        return "a" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "array":
        return [_example(schema.get("items", {}), components)] * schema.get("minItems", 0)
    if kind == "boolean":
        return False
    return {}


def _scan(body: str, perm: str | None = None) -> list[str]:
    if perm == PUBLIC:  # health timings and the schema hold no personal data (and "1.3 ms" is not a rating)
        return []
    return [k for k, rx in _SECRET_RE.items() if rx.search(body)]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""  # the SSE answer stream: its permission is checked before streaming starts
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db(transaction=False)
def test_route_role_matrix(client, seeded, django_capture_on_commit_callbacks, settings):
    # The matrix sends hundreds of dead-key requests from one address on purpose; the key-guessing throttle
    # (core/throttle.py, tested in tests/core/test_guessing.py) would answer 429 to the rest of the walk.
    settings.API_KEY_FAILURES_PER_IP = 10**6
    settings.API_KEY_FAILURES_PER_PREFIX = 10**6
    values, keys, users = seeded["values"], seeded["keys"], seeded["users"]
    failures: list[str] = []
    hr_saw: set[str] = set()
    t0 = time.perf_counter()
    sessions = {}  # one logged-in client per user kind (logging in and out per request is slow)
    for name, user in users.items():
        sessions[name] = Client()
        sessions[name].force_login(user)

    # ---- every OpenAPI operation × anonymous and every key / session kind
    components, ops = _api_operations()
    components = components["components"]["schemas"]
    api_callers = ["anonymous", "no_role", "recruiter", "api_consumer", "hr_admin", "revoked_key", "expired_key",
                   "inactive", "inactive_session"]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):  # nothing is really enqueued
        for method, path, spec, perm in ops:
            url = _fill(path, values)
            query = {
                p["name"]: _example(p["schema"], components)
                for p in spec.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            body = spec.get("requestBody")
            data = None
            if body:
                data = json.dumps(_example(body["content"]["application/json"]["schema"], components))
            for caller in api_callers:
                headers = {}
                if caller not in ("anonymous", "inactive_session"):
                    headers["HTTP_AUTHORIZATION"] = f"Bearer {keys[caller]}"
                call = getattr(sessions["inactive"] if caller == "inactive_session" else client, method.lower())
                if method == "GET":
                    r = call(url, query, **headers)
                else:
                    target = url if not query else f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
                    if data is None and method == "DELETE":
                        r = call(target, **headers)
                    elif data is None:  # a JSON API: no body still means JSON, not a multipart form
                        r = call(target, content_type="application/json", **headers)
                    else:
                        r = call(target, data=data, content_type="application/json", **headers)
                text = _body(r)
                where = f"{method} {path} as {caller} → {r.status_code}"
                if r.status_code >= 500:
                    failures.append(f"{where}: server error")
                    continue
                live = caller in ("no_role", "recruiter", "api_consumer", "hr_admin")
                if perm == PUBLIC:
                    ok = r.status_code not in (401, 403)
                elif not live:
                    ok = r.status_code == 401
                elif _role_holds(caller, perm):
                    ok = r.status_code not in (401, 403)
                else:
                    ok = r.status_code == 403 and "application/json" in r["Content-Type"]
                if not ok:
                    failures.append(f"{where}: expected by {perm}")
                if caller == "hr_admin":
                    hr_saw.update(_scan(text, perm))
                elif leaked := _scan(text, perm):
                    failures.append(f"{where}: leaked {leaked}")

    t_api = time.perf_counter() - t0
    # ---- every other URL pattern (pages, admin) × anonymous and every session kind
    page_callers = ["anonymous", "no_role", "recruiter", "api_consumer", "hr_admin", "inactive", "key_only"]
    for route, perm, ns, name in _django_routes():
        url = _fill(route, values)
        callers = page_callers
        if ns == "admin":  # staff only past the admin login; HR checked on the admin views we add (own perms)
            callers = ["recruiter", "hr_admin"] if perm not in (STAFF, None) else ["recruiter"]
        if perm == PUBLIC:  # open to everyone: two callers are enough (the schema page is slow)
            callers = ["anonymous", "no_role"]
        for caller in callers:
            headers = {}
            if caller == "key_only":  # an API key does not open pages
                headers["HTTP_AUTHORIZATION"] = f"Bearer {keys['hr_admin']}"
            r = sessions.get(caller, client).get(url, **headers)
            text = _body(r)
            where = f"GET {url} ({name}) as {caller} → {r.status_code}"
            if r.status_code >= 500:
                failures.append(f"{where}: server error")
                continue
            signed_in = caller in ("no_role", "recruiter", "api_consumer", "hr_admin")
            to_login = r.status_code == 302 and "login" in r["Location"]
            if perm == PUBLIC:
                ok = r.status_code != 403
            elif not signed_in:
                ok = to_login
            elif ns == "admin" and caller != "hr_admin" and perm != PUBLIC:
                ok = to_login  # Django admin lets staff only past its login
            elif perm == STAFF:
                ok = not to_login
            elif _role_holds(caller, perm):
                ok = r.status_code != 403 and not to_login
            else:
                ok = r.status_code == 403 and "no access" in text.lower()
            if not ok:
                failures.append(f"{where}: expected by {perm}")
            if caller == "hr_admin":
                hr_saw.update(_scan(text, perm))
            elif leaked := _scan(text, perm):
                failures.append(f"{where}: leaked {leaked}")

    print(f"matrix: API {t_api:.1f}s, pages+admin {time.perf_counter() - t0 - t_api:.1f}s")
    assert not failures, "\n".join(failures[:60])
    # the scan is live: HR admins do receive every seeded secret somewhere
    assert hr_saw == set(SECRET_VALUES), f"HR never received {set(SECRET_VALUES) - hr_saw}"
