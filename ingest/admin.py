"""Admin for the Snowflake sync: editable mappings (validated), status panel, "Sync now", runs with
their rejected rows downloadable as CSV. Thin: everything goes through ingest.services/selectors."""

from __future__ import annotations

import csv
import json

from django import forms
from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.access import admin_action
from core.audit import audit_record
from core.models import AuditAction
from core.permissions import RUN_SYNC
from ingest import selectors, services
from ingest import snowflake as sf
from ingest.mapping import validate_mapping
from ingest.models import SourceMapping, SyncRun, SyncTrigger

PREVIEW_ROWS = 200


class SourceMappingForm(forms.ModelForm):
    class Meta:
        model = SourceMapping
        fields = (
            "name",
            "source_table",
            "target",
            "column_map",
            "key_columns",
            "watermark_column",
            "batch_size",
            "enabled",
        )
        widgets = {
            "column_map": forms.Textarea(attrs={"rows": 10, "cols": 80, "style": "font-family:monospace"}),
            "key_columns": forms.Textarea(attrs={"rows": 2, "cols": 80, "style": "font-family:monospace"}),
        }

    discovery_note = ""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        column_map, key_columns = cleaned.get("column_map"), cleaned.get("key_columns")
        if not isinstance(column_map, dict):
            self.add_error("column_map", 'Must be a JSON object: {"SOURCE_COLUMN": "field"}')
            return cleaned
        if not isinstance(key_columns, list) or not all(isinstance(c, str) for c in key_columns):
            self.add_error("key_columns", 'Must be a JSON list of source column names, e.g. ["EMP_ID"]')
            return cleaned
        names = [("source_table", cleaned["source_table"]), *(("column_map", c) for c in column_map)]
        names += [("key_columns", c) for c in key_columns]
        if cleaned.get("watermark_column"):
            names.append(("watermark_column", cleaned["watermark_column"]))
        for field, name in names:
            try:
                sf.quote_identifier(name)
            except sf.SnowflakeError as exc:
                self.add_error(field, str(exc))
                return cleaned
        columns = None
        if selectors.snowflake_config().is_configured:
            try:
                columns = services.source_columns(table=cleaned["source_table"])
            except sf.SnowflakeError as exc:
                self.discovery_note = f"Source columns were not checked against Snowflake: {exc}"
        else:
            self.discovery_note = "Snowflake is not configured: source columns and types were not checked."
        for problem in validate_mapping(
            kind=cleaned["target"],
            column_map=column_map,
            key_columns=key_columns,
            watermark_column=cleaned.get("watermark_column") or "",
            columns=columns,
        ):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return cleaned


@admin.register(SourceMapping)
class SourceMappingAdmin(admin.ModelAdmin):
    form = SourceMappingForm
    list_display = ("name", "source_table", "target", "enabled", "last_synced_at", "last_run")
    list_filter = ("target", "enabled")
    search_fields = ("name", "source_table")
    readonly_fields = ("last_watermark_display", "last_synced_at", "discovered_columns")
    actions = ["sync_now", "full_sync_now", "reset_watermark"]

    def get_queryset(self, request):
        return selectors.mapping_list()

    @admin.display(description="Last run")
    def last_run(self, obj):
        if not getattr(obj, "last_run_id", None):
            return "never"
        url = reverse("admin:ingest_syncrun_change", args=[obj.last_run_id])
        return format_html('<a href="{}">{}</a>', url, obj.last_run_status)

    @admin.display(description="Last watermark")
    def last_watermark_display(self, obj):
        value = sf.decode_watermark(obj.last_watermark)
        return "— (next sync reads everything)" if value is None else str(value)

    @admin.display(description="Columns in Snowflake")
    def discovered_columns(self, obj):
        if not obj or not obj.pk:
            return "Save first; run `manage.py snowflake_discover` to list tables."
        if not selectors.snowflake_config().is_configured:
            return "Snowflake is not configured."
        try:
            columns = services.source_columns(table=obj.source_table)
        except sf.SnowflakeError as exc:
            return f"Could not read the columns: {exc}"
        if not columns:
            return f"Table {obj.source_table} was not found."
        used = set(obj.source_columns())
        return format_html(
            "<table><tr><th>column</th><th>type</th><th>mapped to</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        c.name,
                        c.data_type,
                        obj.column_map.get(c.name, "watermark" if c.name == obj.watermark_column else "")
                        if c.name in used
                        else "—",
                    )
                    for c in columns
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.discovery_note:
            self.message_user(request, form.discovery_note, messages.WARNING)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["snowflake"] = selectors.snowflake_status(refresh=bool(request.GET.get("refresh_status")))
        extra_context["sources"] = selectors.mapping_list()
        # keep our own query parameter away from the changelist's filters
        if "refresh_status" in request.GET:
            request.GET = request.GET.copy()
            del request.GET["refresh_status"]
        return super().changelist_view(request, extra_context=extra_context)

    def _queue(self, request, queryset, *, full: bool):
        if not selectors.snowflake_config().is_configured:
            self.message_user(request, selectors.snowflake_status()["message"], messages.ERROR)
            return
        for mapping in queryset:
            try:
                run = services.sync_enqueue(
                    mapping=mapping, trigger=SyncTrigger.ADMIN, requested_by=request.user, full=full
                )
            except services.SyncAlreadyRunning as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            url = reverse("admin:ingest_syncrun_change", args=[run.pk])
            self.message_user(
                request, format_html('Queued sync of {} (<a href="{}">run {}</a>).', mapping.name, url, run.pk)
            )

    @admin.action(description="Sync now", permissions=["change"])
    @admin_action(RUN_SYNC)
    def sync_now(self, request, queryset):
        self._queue(request, queryset, full=False)

    @admin.action(description="Full re-sync now (ignore watermark)", permissions=["change"])
    @admin_action(RUN_SYNC)
    def full_sync_now(self, request, queryset):
        self._queue(request, queryset, full=True)

    @admin.action(description="Reset watermark (next sync reads everything)", permissions=["change"])
    @admin_action(RUN_SYNC)
    def reset_watermark(self, request, queryset):
        for mapping in queryset:
            services.mapping_reset_watermark(mapping=mapping)
        self.message_user(request, f"Watermark reset on {queryset.count()} mapping(s).")


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "mapping", "status", "trigger", "rows_read", "rows_created", "rows_updated",
        "rows_rejected", "duration", "rejected_csv",
    )  # fmt: skip
    list_filter = ("status", "trigger", "mapping")
    list_select_related = ("mapping",)
    readonly_fields = [f.name for f in SyncRun._meta.fields] + ["rejected_csv", "rejected_preview"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Duration")
    def duration(self, obj):
        return f"{obj.duration_seconds:.1f} s" if obj.duration_seconds is not None else "—"

    @admin.display(description="Rejected rows")
    def rejected_csv(self, obj):
        if not obj.rows_rejected:
            return "0"
        url = reverse("admin:ingest_syncrun_rejected_csv", args=[obj.pk])
        return format_html('<a href="{}">{} (CSV)</a>', url, obj.rows_rejected)

    @admin.display(description="First rejected rows")
    def rejected_preview(self, obj):
        rows = list(selectors.rejected_rows(run=obj)[:PREVIEW_ROWS])
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>batch</th><th>key</th><th>column</th><th>reason</th><th>source row</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                ((r.batch, r.row_key, r.column, r.reason, json.dumps(r.raw, ensure_ascii=False)[:300]) for r in rows),
            ),
        )

    def get_urls(self):
        custom = [
            path(
                "<uuid:run_id>/rejected.csv",
                self.admin_site.admin_view(self.rejected_csv_view),
                name="ingest_syncrun_rejected_csv",
            )
        ]
        return custom + super().get_urls()

    @admin_action(RUN_SYNC)
    def rejected_csv_view(self, request, run_id):
        run = get_object_or_404(SyncRun.objects.select_related("mapping"), pk=run_id)
        audit_record(user=request.user, action=AuditAction.EXPORT, object_type="sync_rejected_rows",
                     object_id=run.pk, via="admin")  # fmt: skip
        return rejected_rows_csv_response(run)


class _Echo:
    def write(self, value):
        return value


def rejected_rows_csv_response(run: SyncRun) -> StreamingHttpResponse:
    """Every rejected row of a run as CSV: batch, key, column, reason, then the source columns."""
    rows = selectors.rejected_rows(run=run)
    source_cols = list(run.mapping.source_columns())
    writer = csv.writer(_Echo())

    def generate():
        yield writer.writerow(["batch", "row_key", "column", "reason", *source_cols])
        for r in rows.iterator(chunk_size=2000):
            raw = r.raw or {}
            yield writer.writerow(
                [r.batch, r.row_key, r.column, r.reason, *[_csv_cell(raw.get(c)) for c in source_cols]]
            )

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{run.mapping.name}-{run.pk}.csv"'
    return response


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection) and render None as empty."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@") and not _is_number(s) else s


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
