import io

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from core.access import admin_action, allowed
from core.audit import audit_record, audit_rows_csv
from core.models import ApiKey, AuditAction, AuditEvent
from core.permissions import SUBJECT_REQUESTS, VIEW_AUDIT_LOG
from core.services import api_key_create, api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_hint", "created_at", "last_used_at", "status")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    autocomplete_fields = ("user",)
    readonly_fields = ("key_hint", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "user", "expires_at", "key_hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.display(description="Key")
    def key_hint(self, obj):
        return f"ta_{obj.prefix}_…" if obj.prefix else "(shown once after saving)"

    @admin.display(description="Status")
    def status(self, obj):
        if obj.revoked_at:
            return format_html('<span style="color:#b00">revoked</span>')
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "expired"
        return "active"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, full = api_key_create(user=obj.user, name=obj.name, expires_at=obj.expires_at)
        obj.pk, obj.prefix, obj.hashed_key = key.pk, key.prefix, key.hashed_key
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                "API key created. Copy it now, it will not be shown again: <code style='user-select:all'>{}</code>",
                full,
            ),
            messages.WARNING,
        )

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, HR only (core.view_audit_log), filterable, exportable as CSV."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "subject_list", "via")
    list_filter = ("action", "object_type", "via", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_name", "object_id")
    date_hierarchy = "at"
    actions = ["export_csv"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields] + ["subjects"]

    @admin.display(description="About")
    def subject_list(self, obj):
        return ", ".join(obj.subjects[:5]) + (" …" if len(obj.subjects) > 5 else "")

    def get_search_results(self, request, queryset, search_term):
        """Search also finds the rows about a person: an exact employee_id / candidate_id."""
        qs, distinct = super().get_search_results(request, queryset, search_term)
        if search_term:
            qs = qs | queryset.filter(subjects__contains=[search_term.strip()])
        return qs, distinct

    def has_view_permission(self, request, obj=None):
        return allowed(request.user, VIEW_AUDIT_LOG)

    def has_module_permission(self, request):
        return allowed(request.user, VIEW_AUDIT_LOG)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Export selected audit rows as CSV")
    @admin_action(VIEW_AUDIT_LOG)
    def export_csv(self, request, queryset):
        out = io.StringIO()
        audit_rows_csv(queryset.order_by("at", "id"), out)
        audit_record(user=request.user, action=AuditAction.EXPORT, object_type="audit_log", via="admin",
                     detail={"rows": queryset.count()})  # fmt: skip
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response


@admin.action(description="Data-subject export (JSON of everything held about each selected person)")
@admin_action(SUBJECT_REQUESTS)
def subject_export_action(modeladmin, request, queryset):
    """Used by the technician and candidate admins; one JSON document per selected person."""
    import json

    from core.subjects import subject_export

    key = "employee_id" if hasattr(queryset.model, "employee_id") else "candidate_id"
    docs = [subject_export(subject_id=sid, user=request.user) for sid in queryset.values_list(key, flat=True)]
    response = HttpResponse(json.dumps(docs, indent=2, default=str), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="subject-export.json"'
    return response
