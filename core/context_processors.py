from django.utils.functional import SimpleLazyObject

from core.roles import user_can_view_sensitive, user_role


def _role(request) -> str:
    """The user's role, worked out once per request (roles and preparing both need it: one groups query)."""
    user = getattr(request, "user", None)
    cached = getattr(request, "_user_role", None)
    if cached is None or cached[0] is not user:  # keyed on the user object: a login mid-request starts over
        cached = (user, user_role(user))
        request._user_role = cached
    return cached[1]


def roles(request):
    user = getattr(request, "user", None)
    return {"can_view_sensitive": user_can_view_sensitive(user), "user_role": _role(request)}


def preparing(request):
    """``preparing``: what is still being prepared (first models, forecasts), for the note on every page.
    Lazy, so pages and partials that do not show it run no query."""

    def load():
        from core.status import preparation_status

        if _role(request) in ("anonymous", "user"):
            return []
        return preparation_status().preparing

    return {"preparing": SimpleLazyObject(load)}


# the main menu: template key -> the page it links to
NAV = {"overview": "/analytics/", "technicians": "/technicians/", "risk": "/predictions/", "worklist": "/worklist/",
       "candidates": "/predictions/candidates/", "models": "/predictions/models/",
       "programs": "/predictions/programs/", "forecasts": "/forecasts/", "hiring_plan": "/forecasts/hiring-plan/",
       "assistant": "/assistant/"}  # fmt: skip


def nav_allowed(user) -> dict[str, bool]:
    """Which main-menu pages ``user`` may open: each page's own declared permission (``access_permission``,
    set by ``core.access.requires``) checked with the one access helper, so the menu can never offer a page
    the page itself refuses, nor hide one it serves."""
    from django.urls import resolve

    from core.access import allowed

    out = {}
    for key, path in NAV.items():
        perm = getattr(resolve(path).func, "access_permission", None)
        out[key] = perm is not None and allowed(user, perm)
    return out


def nav(request):
    """``nav``: {menu key: may open} for the main menu, worked out when the menu is rendered."""
    return {"nav": SimpleLazyObject(lambda: nav_allowed(getattr(request, "user", None)))}
