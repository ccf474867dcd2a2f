import logging
import time

log = logging.getLogger("request")
QUIET_PATHS = {"/status/"}


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
            ms = round((time.perf_counter() - start) * 1000, 1)
            # the "still being prepared" polls (every few seconds per open page) would drown the console
            quiet = request.path in QUIET_PATHS and response.status_code < 400
            log.log(
                logging.DEBUG if quiet else logging.INFO,
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


class HostileInputMiddleware:
    """Malformed input is refused before any view runs, with a specific 4xx (never a database error / 500).

    * Under ``/api/``: a request body must be ``application/json`` (415 otherwise), parse (400), be a JSON
      object (422: every operation's body schema is an object) and hold no NUL character (422: PostgreSQL
      text and JSONB cannot store it). Lone surrogates are replaced by ``core.api_parser.SafeJsonParser``.
    * Pages and the admin: query-string and form values with a NUL character, or longer than
      ``core.params.MAX_QUERY_VALUE``, are a 400 page (query values typed on the API side are checked by
      ``core.params`` types instead, so the OpenAPI schema documents them).
    """

    BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            problem = self._api_body_problem(request)
            if problem is not None:
                from django.http import JsonResponse

                status, detail = problem
                return JsonResponse({"detail": detail, "errors": [{"field": "body", "message": detail}]}, status=status)
        else:
            self._check_form_values(request)
        return self.get_response(request)

    def _api_body_problem(self, request) -> tuple[int, str] | None:
        import json

        if request.method not in self.BODY_METHODS or not request.body:
            return None
        ctype = request.content_type or ""
        if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
            return 415, f"Send the request body as application/json (got {ctype or 'no content type'})."
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return 400, f"The request body is not valid JSON ({exc.__class__.__name__})."
        if not isinstance(data, dict):
            return (
                422,
                f"The request body must be a JSON object (got {type(data).__name__ if data is not None else 'null'}).",
            )
        if _has_nul(data):
            return 422, "The request body must not contain NUL (\\u0000) characters."
        return None

    def _check_form_values(self, request) -> None:
        from django.core.exceptions import BadRequest

        from core.params import MAX_QUERY_VALUE

        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                for value in [key, *values]:
                    if "\x00" in value:
                        raise BadRequest(f"{key[:40]!r} contains a NUL character.")
                    if len(value) > MAX_QUERY_VALUE and data is request.GET:
                        raise BadRequest(f"{key[:40]!r} is too long (at most {MAX_QUERY_VALUE} characters).")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class HtmxHistoryRestoreMiddleware:
    """After django-htmx's middleware: a history-restore request (Back to a page htmx has no snapshot of)
    swaps the response into the whole <body>, so it must get the full page, never a view's partial.
    ``request.htmx`` becomes falsy for it, which every view's "partial if request.htmx" already honours."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.history_restore_request:
            request.htmx = _FullPageRequest(request)
        return self.get_response(request)


class _FullPageRequest:
    """Falsy stand-in for django-htmx's details on a history-restore request (attributes still readable)."""

    def __init__(self, request):
        from django_htmx.middleware import HtmxDetails

        self._details = HtmxDetails(request)

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name):
        return getattr(self._details, name)
