from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render

from core.health import check_database, check_redis


def healthz(request):
    """200 when PostgreSQL and Redis answer, 503 (with the failing part named) otherwise."""
    db, rd = check_database(), check_redis()
    ok = db["ok"] and rd["ok"]
    return JsonResponse({"status": "ok" if ok else "degraded", "database": db, "redis": rd}, status=200 if ok else 503)


def api_docs_redirect(request):
    return redirect("/api/v1/docs")


@login_required
def home(request):
    return render(request, "core/home.html")
