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


def _under(prefix: str):
    return lambda path: path.startswith(prefix)


# the main menu, in its order: (key, label, the page it links to, whether a request path is that page's section).
# The one list both the menu's links and its permission checks come from.
MENU = (
    ("overview", "Overview", "/analytics/", lambda p: p == "/" or p.startswith("/analytics/")),
    ("technicians", "Technicians", "/technicians/", _under("/technicians/")),
    ("risk", "Retention risk", "/predictions/", lambda p: p == "/predictions/" or p.startswith("/predictions/technicians")),
    ("worklist", "Worklist", "/worklist/", _under("/worklist/")),
    ("candidates", "Candidates", "/predictions/candidates/", _under("/predictions/candidates/")),
    ("models", "Models", "/predictions/models/", _under("/predictions/models/")),
    ("programs", "Programs & ROI", "/predictions/programs/", _under("/predictions/programs/")),
    ("forecasts", "Forecasts", "/forecasts/", lambda p: p == "/forecasts/"),
    ("hiring_plan", "Hiring plan", "/forecasts/hiring-plan/", _under("/forecasts/hiring-plan/")),
    ("assistant", "Assistant", "/assistant/", _under("/assistant/")),
)  # fmt: skip
NAV = {key: path for key, _, path, _ in MENU}  # menu key -> the page it links to


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
    """``nav``: {menu key: may open}; ``menu``: the entries the user may open, in order, each with its label,
    link and whether the current page is in its section — both worked out when the menu is rendered."""
    allowed = SimpleLazyObject(lambda: nav_allowed(getattr(request, "user", None)))

    def entries():
        path = getattr(request, "path", "")
        return [{"label": label, "href": href, "current": current(path)}
                for key, label, href, current in MENU if allowed[key]]  # fmt: skip

    return {"nav": allowed, "menu": SimpleLazyObject(entries)}
