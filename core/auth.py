"""django-ninja authentication: API keys (Bearer or X-API-Key) and, for the browser, the session."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security.session import SessionAuth

from core import throttle
from core.selectors import api_key_authenticate, api_key_prefix


def _presents_key(request) -> bool:
    return bool(request.headers.get("X-API-Key") or request.headers.get("Authorization"))


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Failed keys are throttled per IP and per
    key prefix (core.throttle: 429 + Retry-After once over the limit, checked before the key is)."""

    openapi_scheme = "bearer"

    def __call__(self, request):
        header = request.headers.get("X-API-Key")
        if header:
            return self.authenticate(request, header)
        return super().__call__(request)

    def authenticate(self, request, token):
        token = token.strip()
        ip, prefix = throttle.client_ip(request), api_key_prefix(token)
        throttle.check(ip=ip, prefix=prefix)  # raises Throttled → 429 (config/api.py)
        user = api_key_authenticate(raw_key=token)
        if user is None:
            throttle.record_failure(ip=ip, prefix=prefix)
            return None
        request.user = user
        return user


class XApiKeyAuth(APIKeyHeader):
    """Documented alternative header; ApiKeyAuth already accepts it."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return api_key_authenticate(raw_key=key)


class SessionAuthForApi(SessionAuth):
    """Logged-in dashboard users can call the API from the browser (CSRF enforced by ninja).

    Only for requests that carry a session cookie and no API key: a request that presents a key (valid or
    not) is judged by the key alone, so a revoked/expired key gets 401, not 403 "CSRF check failed"; and
    CSRF protects cookie-authenticated requests only, so a cookie-less request has nothing to check.
    """

    def __call__(self, request):
        if _presents_key(request) or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().__call__(request)


def permissions_prime(user) -> None:
    """Load the user's permissions in one query instead of ModelBackend's two (user + group).

    Every API call checks two permissions (view, and pay visibility); on the hot list endpoint the two
    permission queries cost more than the page itself. This fills the same per-request cache
    (``_perm_cache``) that django.contrib.auth.backends.ModelBackend reads, with the same contents.
    """
    if hasattr(user, "_perm_cache") or not user.is_active or user.is_superuser:
        return
    # One hand-written statement: the ORM's UNION of two querysets cost ~1.5 ms of CPU to build per request
    # (issue 15, scale-p95) for what is the same read every time. It also brings the user's group names, which
    # core.roles.user_role reads (the role badge on every page) instead of a query of its own.
    with connection.cursor() as cur:
        cur.execute(_PERMISSIONS_SQL(), [user.pk, user.pk, user.pk])
        rows = cur.fetchall()
    user._perm_cache = {f"{app}.{codename}" for kind, app, codename in rows if kind == "p"}
    user._group_names = {name for kind, _, name in rows if kind == "g"}


@lru_cache(maxsize=1)
def _PERMISSIONS_SQL() -> str:  # noqa: N802 - a constant, built once the models are loaded
    """The user's permissions (direct and through groups, as ModelBackend reads them) and group names."""
    User = get_user_model()
    groups, direct = User.groups.field, User.user_permissions.field
    group_perms = Group.permissions.field
    q = connection.ops.quote_name
    perm, ct = q(Permission._meta.db_table), q(ContentType._meta.db_table)
    # identifiers from the models' metadata, quoted; the user id is a parameter
    return (
        f"SELECT 'p', ct.{q('app_label')}, p.{q('codename')} FROM {perm} p JOIN {ct} ct ON ct.{q('id')} = p."  # noqa: S608
        f"{q('content_type_id')} WHERE p.{q('id')} IN (SELECT gp.{q(group_perms.m2m_reverse_name())} FROM "
        f"{q(group_perms.m2m_db_table())} gp JOIN {q(groups.m2m_db_table())} ug ON ug.{q(groups.m2m_reverse_name())}"
        f" = gp.{q(group_perms.m2m_column_name())} WHERE ug.{q(groups.m2m_column_name())} = %s) OR p.{q('id')} IN "
        f"(SELECT up.{q(direct.m2m_reverse_name())} FROM {q(direct.m2m_db_table())} up WHERE "
        f"up.{q(direct.m2m_column_name())} = %s) "
        f"UNION ALL SELECT 'g', '', g.{q('name')} FROM {q(Group._meta.db_table)} g JOIN {q(groups.m2m_db_table())} ug "
        f"ON ug.{q(groups.m2m_reverse_name())} = g.{q('id')} WHERE ug.{q(groups.m2m_column_name())} = %s"
    )
