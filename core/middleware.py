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
            ms = round((time.perf_counter() - start) * 1000, 1)
            log.info(
                "%s %s %s %.0fms",
                request.method,
                request.get_full_path()[:300],
                response.status_code,
                ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": ms,
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
