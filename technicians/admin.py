"""Django Admin for HR admins: curate regions, districts, technicians, snapshots, candidates, demand.

Every changelist has "Import CSV" (upload → dry-run preview listing every bad row → confirm →
all-or-nothing import) and "Export CSV" (the filtered list, through the visibility rule). The
admin classes stay thin: parsing/validation/upserts are technicians.importers/rowspec/services,
exports are technicians.exports.
"""

from __future__ import annotations

import uuid
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from redis.exceptions import RedisError

from core.access import admin_action
from core.admin import subject_export_action
from core.permissions import EXPORT_DATA
from core.roles import user_can_view_sensitive
from technicians.exports import export_csv_response
from technicians.importers import ImportFileError, csv_import, csv_parse, max_import_bytes, read_limited
from technicians.models import (
    Candidate,
    DemandTradeWeek,
    DemandWeek,
    District,
    Region,
    Technician,
    TechnicianSnapshot,
    TerminationType,
)
from technicians.rowspec import get_spec
from technicians.services import records_upsert, technicians_terminate
from technicians.visibility import field_visible, visible_names

IMPORT_TTL_SECONDS = 3600
PREVIEW_ERROR_LIMIT = 5000  # every bad row is listed; this only guards the page against absurd files


# --------------------------------------------------------------------------- list filters


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"
    region_path = "district__region__code"

    def lookups(self, request, model_admin):
        return list(Region.objects.values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.region_path: self.value()})
        return queryset


class SnapshotRegionFilter(RegionFilter):
    region_path = "technician__district__region__code"


class StatusFilter(admin.SimpleListFilter):
    """Active today, or left (terminated on or before today)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("left", "Left")]

    def queryset(self, request, queryset):
        today = date.today()
        if self.value() == "active":
            return queryset.active(today)
        if self.value() == "left":
            return queryset.filter(termination_date__isnull=False, termination_date__lte=today)
        return queryset


class YearFilter(admin.SimpleListFilter):
    """The last RECENT years one by one, older ones in five-year spans ("2010–2014"): decades of hire years
    made a wall of links in the sidebar."""

    date_field = ""
    RECENT = 5

    def lookups(self, request, model_admin):
        years = [d.year for d in model_admin.model.objects.dates(self.date_field, "year", order="DESC")]
        if not years:
            return []
        out = [(str(y), str(y)) for y in years[: self.RECENT]]
        older = sorted({y - y % 5 for y in years[self.RECENT :]}, reverse=True)
        cut = years[min(self.RECENT, len(years)) - 1]  # spans stop before the first year listed alone
        for lo in older:
            hi = min(lo + 4, cut - 1)
            out.append((f"{lo}-{hi}", f"{lo}–{hi}" if hi > lo else str(lo)))
        return out

    def queryset(self, request, queryset):
        value = self.value() or ""
        lo, _, hi = value.partition("-")
        if lo.isdigit() and (not hi or hi.isdigit()):
            return queryset.filter(
                **{f"{self.date_field}__year__gte": int(lo), f"{self.date_field}__year__lte": int(hi or lo)}
            )
        return queryset


class HireYearFilter(YearFilter):
    title = "hire year"
    parameter_name = "hire_year"
    date_field = "hire_date"


class AppliedYearFilter(YearFilter):
    title = "applied year"
    parameter_name = "applied_year"
    date_field = "applied_date"


# --------------------------------------------------------------------------- personal data


def _visible_fieldset_fields(user, fields):
    out = []
    for f in fields:
        if isinstance(f, list | tuple):
            kept = tuple(x for x in f if field_visible(user, x))
            if kept:
                out.append(kept)
        elif field_visible(user, f):
            out.append(f)
    return tuple(out)


class HrOnlyMixin:
    """These admin pages are for HR admins (staff in the HR admin group, or superusers).

    Other staff users get 403 and do not see the models in the admin index; the field lists also
    pass through the visibility rule, so pay/performance could never leak through a misconfiguration.
    """

    def has_module_permission(self, request):
        return user_can_view_sensitive(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, *args, **kwargs):
        return user_can_view_sensitive(request.user) and super().has_view_permission(request, *args, **kwargs)

    def has_add_permission(self, request, *args, **kwargs):
        return user_can_view_sensitive(request.user) and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, *args, **kwargs):
        return user_can_view_sensitive(request.user) and super().has_change_permission(request, *args, **kwargs)

    def has_delete_permission(self, request, *args, **kwargs):
        return user_can_view_sensitive(request.user) and super().has_delete_permission(request, *args, **kwargs)

    def get_list_display(self, request):
        return visible_names(request.user, super().get_list_display(request))

    def get_fieldsets(self, request, obj=None):
        sets = []
        for name, opts in super().get_fieldsets(request, obj):
            fields = _visible_fieldset_fields(request.user, opts["fields"])
            if fields:
                sets.append((name, {**opts, "fields": fields}))
        return sets

    def get_fields(self, request, obj=None):
        return visible_names(request.user, super().get_fields(request, obj))


# --------------------------------------------------------------------------- CSV import / export


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma or semicolon separated, header row first.")


class ImportExportMixin(HrOnlyMixin):
    """Adds Import CSV / Export CSV to a changelist. ``import_kind`` is a technicians.rowspec kind."""

    import_kind = ""
    change_list_template = "admin/technicians/import_export_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path("import/confirm/", wrap(self.import_confirm_view), name=f"{name}_import_confirm"),
            path("export/", wrap(self.export_view), name=f"{name}_export"),
            *super().get_urls(),
        ]

    def _url(self, suffix: str) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{suffix}")

    def changelist_view(self, request, extra_context=None):
        extra = {"export_url": self._url("export")}
        if self._may_import(request):
            extra["import_url"] = self._url("import")
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def _may_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _import_context(self, request, **extra):
        spec = get_spec(self.import_kind)
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import {self.model._meta.verbose_name_plural} from CSV",
            "kind": self.import_kind,
            "key_columns": spec.key,
            "required_columns": spec.required_columns,
            "optional_columns": [c for c in spec.column_names if c not in spec.required_columns],
            "attributes": spec.attributes,
            "max_mb": max_import_bytes() / 1e6,
            "changelist_url": self._url("changelist"),
            "import_url": self._url("import"),
            "confirm_url": self._url("import_confirm"),
            **extra,
        }

    def import_view(self, request):
        """Upload → dry run → preview page (counts + every bad row). Writes nothing."""
        if not self._may_import(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                data = read_limited(upload)
                parsed = csv_parse(data, kind=self.import_kind)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                result = records_upsert(kind=self.import_kind, rows=parsed.rows, dry_run=True)
                token = uuid.uuid4().hex
                stored = {"kind": self.import_kind, "user_id": request.user.pk, "name": upload.name, "data": data}
                try:
                    cache.set(f"technicians:import:{token}", stored, IMPORT_TTL_SECONDS)
                except RedisError as exc:
                    form.add_error("file", f"The upload store (Redis) is unavailable, so nothing can be staged: {exc}")
                    return TemplateResponse(
                        request, "admin/technicians/import_upload.html", self._import_context(request, form=form)
                    )
                return TemplateResponse(
                    request,
                    "admin/technicians/import_preview.html",
                    self._import_context(
                        request,
                        result=result,
                        errors=result.rejected[:PREVIEW_ERROR_LIMIT],
                        token=token,
                        filename=upload.name,
                    ),
                )
        return TemplateResponse(
            request, "admin/technicians/import_upload.html", self._import_context(request, form=form)
        )

    def import_confirm_view(self, request):
        """Re-validate the stored upload and import it all-or-nothing."""
        if not self._may_import(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect(self._url("import"))
        token = request.POST.get("token", "")
        key = f"technicians:import:{token}"
        try:
            stored = cache.get(key) if token.isalnum() else None
        except RedisError as exc:
            messages.error(request, f"The upload store (Redis) is unavailable; nothing was imported ({exc}).")
            return redirect(self._url("import"))
        if not stored or stored["kind"] != self.import_kind or stored["user_id"] != request.user.pk:
            messages.error(request, "That upload has expired or is not yours; please upload the file again.")
            return redirect(self._url("import"))
        try:
            result = csv_import(kind=self.import_kind, data=stored["data"])
        except ImportFileError as exc:  # the rules changed since the preview
            messages.error(request, str(exc))
            return redirect(self._url("import"))
        if not result.ok:  # data changed since the preview (e.g. a district was deleted): show why
            return TemplateResponse(
                request,
                "admin/technicians/import_preview.html",
                self._import_context(
                    request, result=result, errors=result.rejected, token=token, filename=stored["name"], stale=True
                ),
            )
        cache.delete(key)
        messages.success(request, f"Imported {stored['name']}: {result.summary()}.")
        return redirect(self._url("changelist"))

    @admin_action(EXPORT_DATA)
    def export_view(self, request):
        """The changelist as CSV, with the same filters and search as the page it was clicked on."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            cl = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(self._url("changelist") + "?e=1")
        return export_csv_response(user=request.user, kind=self.import_kind, queryset=cl.get_queryset(request))

    @admin.action(description="Export selected to CSV")
    @admin_action(EXPORT_DATA)
    def export_selected(self, request, queryset):
        return export_csv_response(user=request.user, kind=self.import_kind, queryset=queryset)


# --------------------------------------------------------------------------- regions & districts


@admin.register(Region)
class RegionAdmin(HrOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "district_count")
    search_fields = ("code", "name")
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_districts=Count("districts"))

    @admin.display(description="districts", ordering="_districts")
    def district_count(self, obj):
        return obj._districts


@admin.register(District)
class DistrictAdmin(HrOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "region", "climate", "active_technicians")
    list_filter = ("region", "climate")
    list_select_related = ("region",)
    search_fields = ("code", "name", "region__name")
    autocomplete_fields = ("region",)
    ordering = ("name",)

    def get_queryset(self, request):
        today = date.today()
        active = Q(technicians__hire_date__lte=today) & (
            Q(technicians__termination_date__isnull=True) | Q(technicians__termination_date__gt=today)
        )
        return super().get_queryset(request).annotate(_active=Count("technicians", filter=active))

    @admin.display(description="active technicians", ordering="_active")
    def active_technicians(self, obj):
        return obj._active


# --------------------------------------------------------------------------- technicians


class LatestSnapshotsFormSet(BaseInlineFormSet):
    """Only the latest ``SnapshotInline.show_months`` months (a technician may have years of them)."""

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            qs = super().get_queryset()
            ids = list(qs.order_by("-month").values_list("pk", flat=True)[: SnapshotInline.show_months])
            self._latest = qs.filter(pk__in=ids).order_by("-month")
        return self._latest


class SnapshotInline(HrOnlyMixin, admin.TabularInline):
    model = TechnicianSnapshot
    formset = LatestSnapshotsFormSet
    show_months = 24
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = f"monthly snapshots (latest {show_months} months; edit one via its link)"
    fields = readonly_fields = (
        "month", "jobs_completed", "first_time_fix_rate", "callbacks", "csat", "overtime_hours",
        "drive_time_minutes", "utilization", "training_hours", "pay_rate",
    )  # fmt: skip

    def has_add_permission(self, request, obj=None):
        return False


class MarkLeftForm(forms.Form):
    termination_date = forms.DateField(initial=date.today, widget=forms.DateInput(attrs={"type": "date"}))
    termination_type = forms.ChoiceField(choices=TerminationType.choices)
    termination_reason = forms.CharField(max_length=200, required=False)


@admin.register(Technician)
class TechnicianAdmin(ImportExportMixin, admin.ModelAdmin):
    import_kind = "technicians"
    list_display = (
        "employee_id", "full_name", "district", "trade", "hire_date", "tenure", "status", "pay_rate",
    )  # fmt: skip
    list_display_links = ("employee_id", "full_name")
    list_filter = (RegionFilter, "district", "trade", StatusFilter, HireYearFilter, "schedule_type", "termination_type")
    list_select_related = ("district__region",)
    search_fields = ("employee_id", "first_name", "last_name", "email")
    autocomplete_fields = ("district",)
    ordering = ("last_name", "first_name")
    list_per_page = 50
    # no date_hierarchy: decades of hire years made a wall of links; the "hire year" filter does the job
    inlines = (SnapshotInline,)
    actions = ("mark_left", "export_selected", subject_export_action)
    readonly_fields = ("tenure", "status", "created_at", "updated_at")
    fieldsets = (
        ("Person", {"fields": ("employee_id", ("first_name", "last_name"), "email")}),
        (
            "Employment",
            {
                "fields": (
                    ("district", "trade"),
                    ("hire_date", "schedule_type"),
                    ("termination_date", "termination_type"),
                    "termination_reason",
                    ("commute_miles", "certifications"),
                    ("tenure", "status"),
                )
            },
        ),  # fmt: skip
        ("HR only — pay and performance", {"fields": (("pay_rate", "performance_rating"),)}),
        (
            "HR only — self-reported protected characteristics (never model features)",
            {"fields": (("sex", "race_ethnicity"),)},
        ),
        ("Notes and extra source columns", {"fields": ("notes", "attributes")}),
        ("Record", {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description="region", ordering="district__region__name")
    def region(self, obj):
        return obj.district.region

    @admin.display(description="tenure (years)", ordering="hire_date")
    def tenure(self, obj):
        return obj.tenure_years if obj and obj.hire_date else "—"

    @admin.display(description="status", ordering="termination_date")
    def status(self, obj):
        if not obj or not obj.hire_date:
            return "—"
        if obj.is_active:
            return format_html('<span style="color:#1a7f37">●</span> active')
        if obj.termination_date and obj.termination_date <= date.today():
            return format_html('<span style="color:#b42318">●</span> left {}', obj.termination_date.isoformat())
        return f"starts {obj.hire_date.isoformat()}"

    @admin.action(description="Mark selected as left…", permissions=["change"])
    def mark_left(self, request, queryset):
        form = MarkLeftForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            n, skipped = technicians_terminate(
                technician_ids=queryset.values_list("pk", flat=True),
                termination_date=form.cleaned_data["termination_date"],
                termination_type=form.cleaned_data["termination_type"],
                reason=form.cleaned_data["termination_reason"],
            )
            self.message_user(request, f"Marked {n} technician(s) as left.", messages.SUCCESS)
            if skipped:
                self.message_user(request, f"Skipped (hired after that date): {', '.join(skipped)}", messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "admin/technicians/mark_left.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Mark technicians as left",
                "technicians": queryset.select_related("district")[:200],
                "count": queryset.count(),
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "selected": queryset.values_list("pk", flat=True),
            },
        )


# --------------------------------------------------------------------------- snapshots


@admin.register(TechnicianSnapshot)
class TechnicianSnapshotAdmin(ImportExportMixin, admin.ModelAdmin):
    import_kind = "snapshots"
    list_display = (
        "technician", "month", "jobs_completed", "first_time_fix_rate", "callbacks", "csat", "overtime_hours",
        "drive_time_minutes", "utilization", "training_hours", "pay_rate",
    )  # fmt: skip
    list_filter = (SnapshotRegionFilter, "technician__district", "technician__trade")
    list_select_related = ("technician",)
    search_fields = ("technician__employee_id", "technician__last_name")
    autocomplete_fields = ("technician",)
    date_hierarchy = "month"
    ordering = ("-month", "technician__employee_id")
    list_per_page = 100
    show_full_result_count = False
    actions = ("export_selected",)
    readonly_fields = ("created_at", "updated_at")


# --------------------------------------------------------------------------- candidates & demand


@admin.register(Candidate)
class CandidateAdmin(ImportExportMixin, admin.ModelAdmin):
    import_kind = "candidates"
    list_display = (
        "candidate_id", "full_name", "district", "trade", "source", "stage", "applied_date", "assessment_score",
        "interview_score", "offered_pay_rate", "hired_technician",
    )  # fmt: skip
    list_display_links = ("candidate_id", "full_name")
    list_filter = (RegionFilter, "district", "trade", "source", "stage", AppliedYearFilter)
    list_select_related = ("district", "hired_technician")
    search_fields = ("candidate_id", "first_name", "last_name", "email")
    autocomplete_fields = ("district", "hired_technician")
    date_hierarchy = "applied_date"
    ordering = ("-applied_date", "last_name")
    list_per_page = 50
    actions = ("export_selected", subject_export_action)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        ("Person", {"fields": ("candidate_id", ("first_name", "last_name"), "email")}),
        (
            "Application",
            {
                "fields": (
                    ("district", "trade"),
                    ("source", "applied_date"),
                    "stage",
                    ("years_experience", "certifications", "commute_miles"),
                    ("assessment_score", "interview_score"),
                )
            },
        ),  # fmt: skip
        ("Offer and hire", {"fields": (("offer_date", "expected_start_date"), "offered_pay_rate", "hired_technician")}),
        (
            "HR only — self-reported protected characteristics (never model features)",
            {"fields": (("sex", "race_ethnicity"),)},
        ),
        ("Notes and extra source columns", {"fields": ("notes", "attributes")}),
        ("Record", {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)}),
    )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name


@admin.register(DemandWeek)
class DemandWeekAdmin(ImportExportMixin, admin.ModelAdmin):
    import_kind = "demand"
    list_display = ("district", "region", "week_start", "jobs_requested")
    list_filter = (RegionFilter, "district")
    list_select_related = ("district__region",)
    search_fields = ("district__code", "district__name")
    autocomplete_fields = ("district",)
    date_hierarchy = "week_start"
    ordering = ("-week_start", "district__name")
    list_per_page = 100
    show_full_result_count = False
    actions = ("export_selected",)

    @admin.display(description="region", ordering="district__region__name")
    def region(self, obj):
        return obj.district.region


@admin.register(DemandTradeWeek)
class DemandTradeWeekAdmin(ImportExportMixin, admin.ModelAdmin):
    """Weekly demand per trade (the hiring plan's trade mix); imported like weekly demand."""

    import_kind = "demand_trade"
    list_display = ("district", "trade", "week_start", "jobs_requested")
    list_filter = (RegionFilter, "trade", "district")
    list_select_related = ("district__region",)
    search_fields = ("district__code", "district__name")
    autocomplete_fields = ("district",)
    date_hierarchy = "week_start"
    ordering = ("-week_start", "district__name", "trade")
    list_per_page = 100
    show_full_result_count = False
    actions = ("export_selected",)
