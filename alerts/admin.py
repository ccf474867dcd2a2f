"""Read-only admin views of notifications and alert preferences (users manage their own on /alerts/)."""

from django.contrib import admin

from alerts.models import AlertPreference, DigestSent, Notification


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # one signature serves add/change/delete
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "user", "kind", "text", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "text")
    list_select_related = ("user",)


@admin.register(AlertPreference)
class AlertPreferenceAdmin(ReadOnly):
    list_display = ("user", "kinds", "districts", "email_digest")


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnly):
    list_display = ("day", "user", "notifications", "sent_at")
