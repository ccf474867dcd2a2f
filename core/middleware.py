import logging
import time

log = logging.getLogger("request")


class RequestLogMiddleware:
    """One structured log line per request: method, path, status, duration, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                },
            )
        return response
