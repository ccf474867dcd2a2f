from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render

from core.health import health_report


def healthz(request):
    """200 when PostgreSQL and Redis answer, 503 (with the failing part named) otherwise.

    Normally answered by core.middleware.HealthCheckMiddleware before any other middleware runs."""
    body, status = health_report()
    return JsonResponse(body, status=status)


def api_docs_redirect(request):
    return redirect("/api/v1/docs")


@login_required
def home(request):
    return render(request, "core/home.html")
