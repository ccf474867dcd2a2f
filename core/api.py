from ninja import Router

from core.access import requires
from core.health import health_report
from core.permissions import PUBLIC

router = Router(tags=["health"])


@router.get("health", auth=None, response={200: dict, 503: dict}, summary="Database and Redis status (503 if down)")
@requires(PUBLIC)
def health(request):
    """The same answer as /healthz (normally given by core.middleware.HealthCheckMiddleware)."""
    body, status = health_report()
    return status, body
