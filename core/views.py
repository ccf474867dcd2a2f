from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from core.access import requires
from core.health import health_report
from core.permissions import AUTHENTICATED, PUBLIC


@requires(PUBLIC)
def healthz(request):
    """200 when PostgreSQL and Redis answer, 503 (with the failing part named) otherwise.

    Normally answered by core.middleware.HealthCheckMiddleware before any other middleware runs."""
    body, status = health_report()
    return JsonResponse(body, status=status)


@requires(PUBLIC)
def api_docs_redirect(request):
    return redirect("/api/v1/docs")


@requires(AUTHENTICATED)
def home(request):
    return render(request, "core/home.html")


READY_WORDS = {
    "retention": "retention risk model",
    "quality_of_hire": "quality-of-hire model",
    "forecasts": "forecasts",
}


@requires(AUTHENTICATED)
def preparing_status(request):
    """Polled by the "still being prepared" note (``was=``) and by empty states (``need=``).

    ``need=<key>&refresh=1``: the progress of that one thing; once it is done the page reloads itself
    (HX-Refresh) so the empty state is replaced by the result.
    """
    from core.roles import user_role
    from core.status import preparation_status

    if user_role(request.user) in ("anonymous", "user"):
        return HttpResponse("")  # a user without a role sees nothing
    status = preparation_status()
    need = request.GET.get("need")
    if need:
        waiting = status.waiting_for(need)
        if waiting is None:
            response = HttpResponse("")
            if request.GET.get("refresh"):
                response["HX-Refresh"] = "true"
            return response
        return render(request, "core/_progress.html", {"p": waiting, "refresh": request.GET.get("refresh")})
    was = [k for k in request.GET.get("was", "").split(",") if k in READY_WORDS]
    still = {p.key for p in status.preparing}
    just_ready = [READY_WORDS[k] for k in was if k not in still and k in status.ready]
    return render(request, "core/_preparing.html", {"preparing": status.preparing, "just_ready": just_ready})


# --------------------------------------------------------------------------- error pages (config/urls.py handlers)
_ERRORS = {
    400: ("Bad request", "The request had a value this page cannot use."),
    403: ("No access", "You have no access to this page."),
    404: ("Not found", "There is nothing at this address."),
    500: ("Server error", "Something went wrong on our side; it has been logged."),
}


def _error(request, status: int, exception=None):
    """JSON under /api/ (every API error is JSON), a plain page elsewhere — never a traceback."""
    title, message = _ERRORS[status]
    detail = str(exception) if exception is not None and status != 500 and str(exception) else ""
    if status == 404 and (not detail or detail.startswith("{") or "resolver" in detail.lower()):
        detail = ""  # Django's resolver404 carries a dict of tried patterns: never echo it
    if request.path.startswith("/api/"):
        text = detail or message
        if status == 404 and not detail:
            text = f"No API route matches {request.path[:200]!r}; see /api/v1/docs."
        return JsonResponse({"detail": text}, status=status)
    ctx = {"title": title, "message": detail or message}
    if status == 403:  # the "no access" page: say what to do about it
        from core.roles import user_role

        if user_role(getattr(request, "user", None)) == "user":  # signed in, but in no role's group
            ctx["title"] = "No access: your account has no role yet"
            ctx["message"] = (
                "You are signed in, but your account is not in any role's group, so there is nothing here for "
                "you to open yet. Ask an HR admin to add you to the Recruiter or HR admin group."
            )
        else:
            ctx["message"] += " Ask an HR admin to add you to the Recruiter or HR admin group if you need it."
    return render(request, "core/error.html", ctx, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, exception)


def permission_denied(request, exception=None):
    return _error(request, 403, exception)


def page_not_found(request, exception=None):
    return _error(request, 404, exception)


def server_error(request):
    return _error(request, 500)
