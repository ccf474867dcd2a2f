"""HR admin: model registry (promote/archive, Train now), retention programs, stored predictions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from core.access import admin_action
from core.permissions import PROMOTE_MODEL, TRAIN_MODEL
from core.quotas import AlreadyRunning
from predictions import services
from predictions.models import ModelType, Prediction, RetentionProgram, TrainedModel


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
    readonly_fields = [f.name for f in TrainedModel._meta.fields]
    actions = ["promote", "archive"]
    change_list_template = "admin/predictions/trainedmodel/change_list.html"

    def has_add_permission(self, request):
        return False  # runs are created by "Train now", never typed in

    @admin.display(description="progress")
    def progress_display(self, obj):
        return f"{obj.stage} {obj.progress}%"

    @admin.display(description="ROC AUC")
    def roc_auc(self, obj):
        v = (obj.metrics or {}).get("roc_auc")
        return f"{v:.3f}" if v is not None else "—"

    @admin.action(description="Promote selected model to active (one per type)")
    @admin_action(PROMOTE_MODEL)
    def promote(self, request, queryset):
        for m in queryset:
            try:
                services.model_promote(model=m, promoted_by=request.user)
                self.message_user(request, f"{m.label} is now active; rescoring queued.")
            except services.ModelStateError as exc:
                self.message_user(request, f"{m.label}: {exc}", messages.ERROR)

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
