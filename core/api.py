from ninja import Router

from core.access import requires
from core.health import check_database, check_redis
from core.permissions import PUBLIC

router = Router(tags=["health"])


@router.get("health", auth=None, summary="Database and Redis status")
@requires(PUBLIC)
def health(request):
    db, rd = check_database(), check_redis()
    return {"status": "ok" if db["ok"] and rd["ok"] else "degraded", "database": db, "redis": rd}
