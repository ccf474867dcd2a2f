from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path

from core.access import admin_action
from core.permissions import PUBLISH_FORECAST, START_FORECAST_RUN
from core.quotas import AlreadyRunning
from forecasts import selectors, services
from forecasts.models import ForecastPoint, ForecastPublication, ForecastRun, ForecastSeries


class ForecastSeriesInline(admin.TabularInline):
    model = ForecastSeries
    fields = ("metric", "level", "key", "status", "method_used", "reconciliation", "failure_reason", "seconds")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "metric",
        "method",
        "reconciliation",
        "horizon",
        "status",
        "series_done",
        "series_total",
        "requested_by",
    )
    list_filter = ("status", "metric", "method")
    readonly_fields = [f.name for f in ForecastRun._meta.fields]
    inlines = [ForecastSeriesInline]
    actions = ["run_again", "publish"]
    change_list_template = "admin/forecasts/forecastrun/change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path("run-now/", self.admin_site.admin_view(self.run_now), name="forecasts_forecastrun_run_now"),
            *super().get_urls(),
        ]

    @admin_action(START_FORECAST_RUN)
    def run_now(self, request):
        """POST: queue a run of every metric with the default settings."""
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect("admin:forecasts_forecastrun_changelist")
        try:
            run = services.forecast_run_start(metric=None, requested_by=request.user)
        except AlreadyRunning as exc:
            self.message_user(request, str(exc), messages.WARNING)
        else:
            self.message_user(request, f"Queued forecast run {run.id} (all metrics).")
        return redirect("admin:forecasts_forecastrun_changelist")

    @admin.action(description="Run forecasts again with these settings")
    @admin_action(START_FORECAST_RUN)
    def run_again(self, request, queryset):
        for run in queryset:
            try:
                services.forecast_run_start(
                    metric=run.metric or None, level=run.level, horizon=run.horizon, frequency=run.frequency,
                    method=run.method, reconciliation=run.reconciliation, requested_by=request.user,
                )  # fmt: skip
            except (selectors.ForecastInputError, AlreadyRunning) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, f"Queued {queryset.count()} forecast run(s).")

    @admin.action(description="Publish (the forecast every dashboard, plan, API and assistant reads)")
    @admin_action(PUBLISH_FORECAST)
    def publish(self, request, queryset):
        for run in queryset:
            try:
                pubs = services.forecast_run_publish(run_id=run.pk, user=request.user)
            except services.PublishError as exc:
                self.message_user(request, f"{run}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Published {run.pk}: {', '.join(p.metric for p in pubs)}.")


@admin.register(ForecastPublication)
class ForecastPublicationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "metric", "frequency", "run", "replaced_run", "is_current", "published_by", "note")
    list_filter = ("metric", "is_current")
    readonly_fields = [f.name for f in ForecastPublication._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the publication history is the audit record


@admin.register(ForecastSeries)
class ForecastSeriesAdmin(admin.ModelAdmin):
    list_display = ("run", "metric", "level", "key", "status", "method_used", "reconciliation", "seconds")
    list_filter = ("status", "metric", "level")
    readonly_fields = [f.name for f in ForecastSeries._meta.fields if f.name not in ("history", "fit")]
    exclude = ("history", "fit")


@admin.register(ForecastPoint)
class ForecastPointAdmin(admin.ModelAdmin):
    list_display = ("series", "ds", "yhat", "yhat_lower", "yhat_upper")
    list_select_related = ("series",)
    readonly_fields = ("series", "ds", "yhat", "yhat_lower", "yhat_upper")
