"""Read-only admin views of the worklist for HR admins (changes go through the pages / API, so each one is
recorded in the technician's history and the audit log)."""

from django.contrib import admin

from worklist.models import Case, CaseAction, Enrolment


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("technician", "status", "owner", "updated_at")
    list_filter = ("status",)
    search_fields = ("technician__employee_id", "technician__last_name", "owner__username")
    list_select_related = ("technician", "owner")


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnly):
    list_display = ("technician", "program", "enrolled_on", "enrolled_by")
    list_filter = ("program",)
    search_fields = ("technician__employee_id", "technician__last_name")
    list_select_related = ("technician", "program", "enrolled_by")


@admin.register(CaseAction)
class CaseActionAdmin(ReadOnly):
    list_display = ("at", "technician", "actor_name", "kind", "from_value", "to_value", "note")
    list_filter = ("kind",)
    search_fields = ("technician__employee_id", "actor_name")
    list_select_related = ("technician",)
