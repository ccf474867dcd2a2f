"""Admin: knowledge documents (upload text/markdown/PDF → chunk → embed) and a read-only audit of chats."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from assistant import services
from assistant.models import Conversation, KnowledgeChunk, KnowledgeDocument, LLMCall, Message, ToolCall
from core.access import admin_action
from core.permissions import UPLOAD_KNOWLEDGE


class KnowledgeDocumentForm(forms.ModelForm):
    class Meta:
        model = KnowledgeDocument
        fields = ["title", "source_file", "content"]

    def clean(self):
        data = super().clean()
        upload = data.get("source_file")
        if upload and hasattr(upload, "read") and getattr(upload, "size", 0):
            upload.seek(0)
            raw = upload.read()
            upload.seek(0)
            try:
                data["content"] = services.extract_text(filename=upload.name, data=raw)
            except services.AssistantInputError as exc:
                raise forms.ValidationError({"source_file": str(exc)}) from None
        if not (data.get("content") or "").strip():
            raise forms.ValidationError("Upload a .txt/.md/.pdf file or paste the text.")
        return data


class ChunkInline(admin.TabularInline):
    model = KnowledgeChunk
    fields = ["index", "text"]
    readonly_fields = ["index", "text"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):
    form = KnowledgeDocumentForm
    list_display = ["title", "status", "chunk_count", "embedding_model", "embedded_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "content"]
    readonly_fields = ["status", "error", "embedding_model", "embedded_at"]
    actions = ["embed_now"]

    def get_inlines(self, request, obj):
        return [ChunkInline] if obj is not None else []  # chunks exist only after embedding

    @admin.display(description="chunks")
    def chunk_count(self, obj):
        return obj.chunks.count()

    def save_model(self, request, obj, form, change):
        if "content" in form.cleaned_data:
            obj.content = form.cleaned_data["content"]
        obj.status = KnowledgeDocument.Status.PENDING
        super().save_model(request, obj, form, change)
        services.knowledge_document_enqueue(document_id=obj.pk)
        messages.info(request, f"“{obj.title}” is being chunked and embedded in the background.")

    @admin.action(description="Embed now (re-chunk and re-embed)")
    @admin_action(UPLOAD_KNOWLEDGE)
    def embed_now(self, request, queryset):
        for doc in queryset:
            services.knowledge_document_enqueue(document_id=doc.pk)
        messages.info(request, f"{queryset.count()} document(s) queued for embedding.")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = [
        "created_at",
        "role",
        "status",
        "reason",
        "content",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "tools_used",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "created_at", "updated_at"]
    search_fields = ["title", "user__username"]
    list_filter = ["created_at"]
    inlines = [MessageInline]


class ToolCallInline(admin.TabularInline):
    model = ToolCall
    fields = ["created_at", "name", "arguments", "ok", "error", "result_chars", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class LLMCallInline(ToolCallInline):
    model = LLMCall
    fields = [
        "created_at",
        "model",
        "iteration",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "finish_reason",
        "reason",
        "attempts",
        "request_chars",
        "error",
    ]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "conversation",
        "role",
        "status",
        "reason",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
    ]
    list_filter = ["role", "status", "reason", "model"]
    search_fields = ["content", "conversation__user__username"]
    inlines = [LLMCallInline, ToolCallInline]


@admin.register(ToolCall)
class ToolCallAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "name", "ok", "duration_ms", "result_chars"]
    list_filter = ["name", "ok"]
    search_fields = ["user__username", "name"]
