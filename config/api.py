"""The one NinjaAPI, mounted at /api/v1/. Each app contributes a Router from its api.py."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.access import NotSignedIn
from core.api_parser import SafeJsonParser
from core.auth import ApiKeyAuth, SessionAuthForApi
from core.openapi import document_errors
from core.queueing import BrokerUnavailable
from core.quotas import AlreadyRunning
from core.throttle import Throttled


class Api(NinjaAPI):
    """NinjaAPI whose OpenAPI schema also documents the shared error statuses (core.openapi)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = Api(
    title="Technician Analytics API",
    version="1.0.0",
    description=(
        "Scores, explanations, forecasts and hiring plans. Authenticate with an API key "
        "(`Authorization: Bearer <key>` or `X-API-Key: <key>`), created by an HR admin in Django Admin."
    ),
    auth=[ApiKeyAuth(), SessionAuthForApi()],
    docs_url="/docs",
    urls_namespace="api",
    parser=SafeJsonParser(),
)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path", "form")]
        errors.append({"field": ".".join(loc), "message": e.get("msg", "invalid value")})
    message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    return api.create_response(request, {"detail": message or "invalid input", "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request, {"detail": "Authentication required: send a valid API key (Authorization: Bearer <key>)."}, status=401
    )


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NotSignedIn)
def _not_signed_in(request, exc):
    return _auth_error(request, exc)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "You have no access to this."}, status=403)


@api.exception_handler(AlreadyRunning)
def _already_running(request, exc: AlreadyRunning):
    return api.create_response(request, {"detail": str(exc), "in_progress_id": exc.in_progress_id}, status=409)


@api.exception_handler(BrokerUnavailable)
def _broker_down(request, exc: BrokerUnavailable):
    return api.create_response(request, {"detail": str(exc)}, status=503)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


from alerts.api import router as alerts_router  # noqa: E402
from analytics.api import router as analytics_router  # noqa: E402
from assistant.api import router as assistant_router  # noqa: E402
from core.api import router as core_router  # noqa: E402
from forecasts.api import router as forecasts_router  # noqa: E402
from ingest.api import router as ingest_router  # noqa: E402
from predictions.api import router as predictions_router  # noqa: E402
from technicians.api import router as technicians_router  # noqa: E402
from worklist.api import router as worklist_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", technicians_router)
api.add_router("/predictions/", predictions_router)
api.add_router("/forecasts/", forecasts_router)
api.add_router("/assistant/", assistant_router)
api.add_router("/ingest/", ingest_router)
api.add_router("/analytics/", analytics_router)
api.add_router("/worklist/", worklist_router)
api.add_router("/alerts/", alerts_router)

MAX_LIMIT = settings.API_MAX_LIMIT
