from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from core.models import ApiKey
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
