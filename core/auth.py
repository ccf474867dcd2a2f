"""django-ninja authentication: API keys (Bearer or X-API-Key) and, for the browser, the session."""

from django.conf import settings
from django.contrib.auth.models import Permission
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
    fields = ("content_type__app_label", "codename")
    direct = Permission.objects.filter(user=user).values_list(*fields)
    rows = Permission.objects.filter(group__user=user).values_list(*fields).union(direct)  # UNION dedups
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}
