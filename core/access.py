"""The one access helper. Every entry point checks its permission here.

- pages and ninja endpoints: ``@requires(perm)`` (records the permission on the function as
  ``access_permission`` so the route × role test can read what each route declares);
- websocket consumers: ``await ws_allowed(scope, perm)``;
- assistant tools, admin actions, services acting for a user: ``allowed(user, perm)`` / ``check(user, perm)``.

Refusals: API → 401 JSON (no credentials) / 403 JSON; pages → login redirect / the "no access" page
(templates/403.html); websockets → close code 4401 / 4403; assistant tools → an error the model reads.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from core.auth import permissions_prime
from core.permissions import AUTHENTICATED, PUBLIC, ROLE_GRANTS, STAFF, label


class AccessDenied(PermissionDenied):
    """The user is signed in but lacks ``perm``. Rendered as 403 JSON (API) or the no-access page."""

    def __init__(self, perm: str):
        self.perm = perm
        holders = [f"{role}s" for role, codes in ROLE_GRANTS.items() if perm.split(".", 1)[-1] in codes]
        who = f"; granted to {' and '.join(holders)}" if holders else ""
        super().__init__(f"Your account has no access to this: {label(perm)} (permission {perm}{who}).")


class NotSignedIn(PermissionDenied):
    """No (valid) credentials. 401 JSON under /api/, a login redirect for pages."""


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def allowed(user, perm: str) -> bool:
    """True when ``user`` holds ``perm`` (a core.permissions name or pseudo-permission)."""
    if perm == PUBLIC:
        return True
    if not _active(user):
        return False
    if perm == AUTHENTICATED:
        return True
    if perm == STAFF:
        return bool(user.is_staff)
    permissions_prime(user)
    return user.has_perm(perm)


def check(user, perm: str) -> None:
    """Raise NotSignedIn / AccessDenied unless ``user`` holds ``perm``."""
    if allowed(user, perm):
        return
    if not _active(user):
        raise NotSignedIn("Sign in first.")
    raise AccessDenied(perm)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def requires(perm: str, *, audit: str | None = None, subject: str | None = None):
    """Decorator for a page view or a ninja endpoint: declare and enforce the permission it needs.

    ``audit="technician"`` also records, after a successful response, who viewed it (the person is the
    URL kwarg named by ``subject``, or the people listed in a returned payload) — see core.audit.
    """

    def decorate(view):
        if audit:
            from core.audit import audit_view_decorator

            view = audit_view_decorator(audit, subject_kwarg=subject)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = getattr(request, "auth", None) or getattr(request, "user", None)
            if perm != PUBLIC and not _active(user) and not _is_api(request):
                return redirect_to_login(request.get_full_path())
            check(user, perm)
            return view(request, *args, **kwargs)

        wrapper.access_permission = perm
        _resolve_signature(wrapper, view)
        return wrapper

    return decorate


def _resolve_signature(wrapper, view) -> None:
    """Give the wrapper the view's signature with annotations resolved in the VIEW's module, so
    django-ninja (which evaluates string annotations in the function's globals) still sees the
    view's own types under ``from __future__ import annotations``."""
    import inspect
    import typing

    try:
        hints = typing.get_type_hints(view, include_extras=True)
    except Exception:  # noqa: BLE001 - an unresolvable hint: leave the signature to inspect
        return
    sig = inspect.signature(view)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()]
    wrapper.__signature__ = sig.replace(parameters=params, return_annotation=hints.get("return", sig.return_annotation))


def declare(perm: str):
    """Mark a view whose check happens elsewhere (e.g. Django's own login view) with its permission."""

    def decorate(view):
        view.access_permission = perm
        return view

    return decorate


async def ws_allowed(consumer, perm: str) -> bool:
    """For a Channels consumer's connect(): close with 4401 (anonymous) / 4403 (no permission) and
    return False, or return True."""
    from channels.db import database_sync_to_async

    user = consumer.scope.get("user")
    ok = await database_sync_to_async(allowed)(user, perm)
    if not ok:
        await consumer.close(code=4403 if _active(user) else 4401)
    return ok


def admin_action(perm: str):
    """Decorator for a ModelAdmin action or admin view method ``(self, request, ...)``: refuse with a
    message (actions) or the no-access page (views) unless the user holds ``perm``."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(modeladmin, request, *args, **kwargs):
            if not allowed(request.user, perm):
                from django.contrib import messages

                if args and hasattr(args[0], "model"):  # an action: (request, queryset)
                    messages.error(request, str(AccessDenied(perm)))
                    return None
                raise AccessDenied(perm)
            return fn(modeladmin, request, *args, **kwargs)

        wrapper.access_permission = perm
        return wrapper

    return decorate


# Routes that framework code builds (no function of ours to decorate), by URL name; the admin site
# (namespace "admin") is STAFF. The route × role test reads these with each view's access_permission.
FRAMEWORK_ROUTES = {
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:api-root": PUBLIC,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
}
FRAMEWORK_NAMESPACES = {"admin": STAFF}
