from ninja import Router

from core.health import check_database, check_redis

router = Router(tags=["health"])


@router.get("health", auth=None, summary="Database and Redis status")
def health(request):
    db, rd = check_database(), check_redis()
    return {"status": "ok" if db["ok"] and rd["ok"] else "degraded", "database": db, "redis": rd}
