"""``alerts_bell``: {"show": the user receives alerts, "unread": their unread count} for the bell in the top bar. Lazy, so partials and pages that do not show the bar run no query."""

from django.utils.functional import SimpleLazyObject


def alerts_bell(request):
    def load():
        from django.db import DatabaseError

        from alerts.selectors import unread_count
        from core.access import allowed
        from core.permissions import RECEIVE_ALERTS

        user = getattr(request, "user", None)
        try:
            if not allowed(user, RECEIVE_ALERTS):
                return {"show": False, "unread": 0}
            return {"show": True, "unread": unread_count(user=user)}
        except DatabaseError:  # an error page rendered while the database is down must still render
            return {"show": False, "unread": 0}

    return {"alerts_bell": SimpleLazyObject(load)}
