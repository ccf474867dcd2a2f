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
