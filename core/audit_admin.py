"""Admin for the change history (django-pghistory's Events view), limited to the audit-log permission."""

from pghistory.admin import EventsAdmin

from core.access import allowed
from core.permissions import VIEW_AUDIT_LOG


class ChangeHistoryAdmin(EventsAdmin):
    """Before/after of every technician, candidate and retention-program change (HR only, read-only)."""

    def has_view_permission(self, request, obj=None):
        return allowed(request.user, VIEW_AUDIT_LOG)

    def has_module_permission(self, request):
        return allowed(request.user, VIEW_AUDIT_LOG)
