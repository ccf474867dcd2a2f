"""django-ninja authentication: API keys (Bearer or X-API-Key) and, for the browser, the session."""

from django.contrib.auth.models import Permission
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security.session import SessionAuth

from core.selectors import api_key_authenticate


class ApiKeyAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __call__(self, request):
        header = request.headers.get("X-API-Key")
        if header:
            return self.authenticate(request, header)
        return super().__call__(request)

    def authenticate(self, request, token):
        user = api_key_authenticate(raw_key=token.strip())
        if user is not None:
            request.user = user
        return user


class XApiKeyAuth(APIKeyHeader):
    """Documented alternative header; ApiKeyAuth already accepts it."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return api_key_authenticate(raw_key=key)


class SessionAuthForApi(SessionAuth):
    """Logged-in dashboard users can call the API from the browser (CSRF enforced by ninja)."""


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
