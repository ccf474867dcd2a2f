import logging
import time

log = logging.getLogger("request")


class HealthCheckMiddleware:
    """Answers /healthz and /api/v1/health first, before sessions/auth hit a database that may be down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.health import HEALTH_PATHS

        if request.path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
            from django.http import JsonResponse

            from core.health import health_report

            body, status = health_report()
            return JsonResponse(body, status=status)
        return self.get_response(request)


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


class BrokerUnavailableMiddleware:
    """Pages and admin actions: a dead task broker becomes a clear message on the page, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.contrib import messages
        from django.http import HttpResponse, HttpResponseRedirect
        from django.utils.http import url_has_allowed_host_and_scheme

        from core.queueing import BrokerUnavailable

        if not isinstance(exception, BrokerUnavailable):
            return None
        messages.error(request, str(exception))
        back = request.META.get("HTTP_REFERER") or "/"
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return HttpResponseRedirect(back)
