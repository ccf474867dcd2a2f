"""django-ninja authentication: API keys (Bearer or X-API-Key) and, for the browser, the session."""

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
