from django.http import JsonResponse
from django.shortcuts import redirect, render

from core.access import requires
from core.health import check_database, check_redis
from core.permissions import AUTHENTICATED, PUBLIC


@requires(PUBLIC)
def healthz(request):
    """200 when PostgreSQL and Redis answer, 503 (with the failing part named) otherwise."""
    db, rd = check_database(), check_redis()
    ok = db["ok"] and rd["ok"]
    return JsonResponse({"status": "ok" if ok else "degraded", "database": db, "redis": rd}, status=200 if ok else 503)


@requires(PUBLIC)
def api_docs_redirect(request):
    return redirect("/api/v1/docs")


@requires(AUTHENTICATED)
def home(request):
    return render(request, "core/home.html")
