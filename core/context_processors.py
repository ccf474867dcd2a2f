from django.utils.functional import SimpleLazyObject

from core.roles import user_can_view_sensitive, user_role


def roles(request):
    user = getattr(request, "user", None)
    return {"can_view_sensitive": user_can_view_sensitive(user), "user_role": user_role(user)}


def preparing(request):
    """``preparing``: what is still being prepared (first models, forecasts), for the note on every page.
    Lazy, so pages and partials that do not show it run no query."""

    def load():
        from core.status import preparation_status

        user = getattr(request, "user", None)
        if user_role(user) in ("anonymous", "user"):
            return []
        return preparation_status().preparing

    return {"preparing": SimpleLazyObject(load)}
