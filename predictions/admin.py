"""HR admin: model registry (promote/archive, Train now), retention programs, stored predictions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.access import admin_action
from core.permissions import PROMOTE_MODEL, TRAIN_MODEL
from core.quotas import AlreadyRunning
from predictions import promotion, services
from predictions.models import CandidateNotice, DriftReport, ModelType, Prediction, RetentionProgram, TrainedModel


def _compact(v) -> str:
    """Nested parameters in words: {'trade': ['hvac', 'plumbing']} → "Trade: HVAC, Plumbing"."""
    from core.presentation import code_label

    if isinstance(v, dict):
        return "; ".join(f"{code_label(a)}: {_compact(b)}" for a, b in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(_compact(x) for x in v)
    return code_label(v) if isinstance(v, str) else str(v)


def _kv_table(data, skip=()):
    """A dict as a two-column table: numbers rounded, nested values shown compactly."""
    from core.presentation import code_label, number

    if not data:
        return "—"
    rows = []
    for k, v in data.items():
        if k in skip:
            continue
        if isinstance(v, float):
            v = number(v, 4 if abs(v) < 10 else 1)
        elif isinstance(v, int) and not isinstance(v, bool):
            v = number(v, 0)
        elif isinstance(v, dict | list):
            v = _compact(v)
        rows.append((code_label(k), v))
    return format_html(
        '<table class="kv-table">{}</table>', format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
    )


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "model_type",
        "version",
        "algorithm",
        "status",
        "progress_display",
        "roc_auc",
        "finished_at",
    )
    list_filter = ("model_type", "status", "algorithm")
    readonly_fields = [f.name for f in TrainedModel._meta.fields] + [
        "metrics_table", "params_table", "artifact", "stage_label",
    ]  # fmt: skip
    # the change page: readable metrics, parameters and artifact checksum instead of raw JSON dumps
    fieldsets = (
        (None, {"fields": (("model_type", "version", "algorithm"), ("status", "stage_label", "progress"), "error")}),
        ("Training", {"fields": (("window_start", "window_end"), ("requested_by", "started_at", "finished_at"),
                                 "activated_at", "requeues")}),
        ("Holdout metrics", {"fields": ("metrics_table",)}),
        ("Parameters", {"fields": ("params_table",)}),
        ("Artifact", {"fields": ("artifact",)}),
        ("Raw data (features, terms, importances, shapes)", {"classes": ("collapse",),
                                                              "fields": ("features", "terms", "importances", "shapes")}),
    )  # fmt: skip
    actions = ["promote", "archive"]
    change_list_template = "admin/predictions/trainedmodel/change_list.html"

    def has_add_permission(self, request):
        return False  # runs are created by "Train now", never typed in

    @admin.display(description="metrics")
    def metrics_table(self, obj):
        return _kv_table(obj.metrics, skip=("calibration",))

    @admin.display(description="parameters")
    def params_table(self, obj):
        return _kv_table(obj.params)

    @admin.display(description="artifact")
    def artifact(self, obj):
        if not obj.artifact_path:
            return "—"
        return format_html("{}<br>SHA-256 <code>{}</code>", obj.artifact_path, obj.artifact_sha256 or "—")

    @admin.display(description="stage")
    def stage_label(self, obj):
        """The progress label in words ("Active", "Fitting the model") rather than its code ("active")."""
        return (obj.stage or "—").replace("_", " ").capitalize()

    @admin.display(description="progress")
    def progress_display(self, obj):
        return f"{self.stage_label(obj)} · {obj.progress}%"

    @admin.display(description="ROC AUC")
    def roc_auc(self, obj):
        v = (obj.metrics or {}).get("roc_auc")
        return f"{v:.3f}" if v is not None else "—"

    @admin.action(description="Promote selected model to active (review its bias audit first)")
    @admin_action(PROMOTE_MODEL)
    def promote(self, request, queryset):
        """First shows each selected version's bias audit and gate; the confirmation (with a written
        justification where the gate asks for one) promotes through predictions.promotion."""
        chosen = list(queryset)
        if request.POST.get("confirm") != "yes":
            items = [{"m": m, "gate": promotion.promotion_gate(model=m)} for m in chosen]
            ctx = {
                **self.admin_site.each_context(request),
                "title": "Review the bias audit before promoting",
                "items": items,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "min_chars": settings.BIAS_JUSTIFICATION_MIN_CHARS,
            }
            return TemplateResponse(request, "admin/predictions/trainedmodel/promote_confirm.html", ctx)
        for m in chosen:
            try:
                m = promotion.model_promote_checked(
                    model=m, user=request.user, justification=request.POST.get(f"justification_{m.pk}", ""), via="admin"
                )
                self.message_user(
                    request,
                    f"{m.label} is active."
                    if m.status == "active"
                    else f"{m.label} is being scored; it becomes active once every technician has its score.",
                )
            except promotion.PromotionBlocked as exc:
                self.message_user(request, f"{m.label}: {exc}", messages.ERROR)
            except (services.ModelStateError, PermissionError) as exc:
                self.message_user(request, f"{m.label}: {exc}", messages.ERROR)
        return None

    @admin.action(description="Archive selected models")
    @admin_action(PROMOTE_MODEL)
    def archive(self, request, queryset):
        for m in queryset:
            try:
                services.model_archive(model=m)
            except services.ModelStateError as exc:
                self.message_user(request, f"{m.label}: {exc}", messages.ERROR)

    def get_urls(self):
        return [
            path("train/<str:model_type>/", self.admin_site.admin_view(self.train_now), name="predictions_train_now"),
            *super().get_urls(),
        ]

    @admin_action(TRAIN_MODEL)
    def train_now(self, request, model_type: str):
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect(reverse("admin:predictions_trainedmodel_changelist"))
        try:
            m = services.model_train(
                model_type=model_type, requested_by=request.user, algorithm=request.POST.get("algorithm", "ebm")
            )
            self.message_user(request, format_html("Training {} queued — <a href='{}'>follow progress</a>.", m.label,
                                                   reverse("predictions:models") + f"?id={m.id}"))  # fmt: skip
        except (ValueError, AlreadyRunning) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return redirect(reverse("admin:predictions_trainedmodel_changelist"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "model_types": ModelType.choices}
        return super().changelist_view(request, extra_context)


@admin.register(RetentionProgram)
class RetentionProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "cost_per_technician", "change", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "description")


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("model", "technician", "candidate", "as_of", "score", "band")
    list_filter = ("band", "model__model_type", "as_of")
    raw_id_fields = ("technician", "candidate", "model")
    list_select_related = ("model", "technician", "candidate")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DriftReport)
class DriftReportAdmin(admin.ModelAdmin):
    """Drift alerts are admin-visible here (filter "alert: yes"); each proposes a retrain."""

    list_display = ("model", "as_of", "rows", "score_psi", "alert", "alert_summary", "created_at")
    list_filter = ("alert", "model__model_type")
    readonly_fields = [f.name for f in DriftReport._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="alerts")
    def alert_summary(self, obj):
        return "; ".join(f"{a['kind']} {a.get('subject', '')}={a['value']:.3f}" for a in obj.alerts)


@admin.register(CandidateNotice)
class CandidateNoticeAdmin(admin.ModelAdmin):
    """Edit the notice by adding a new version; earlier versions stay as the record of what candidates saw."""

    list_display = ("__str__", "updated_by")
    readonly_fields = ("updated_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
