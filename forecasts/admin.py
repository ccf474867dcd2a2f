from django.contrib import admin, messages

from forecasts import selectors, services
from forecasts.models import ForecastPoint, ForecastRun, ForecastSeries


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
    actions = ["run_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run forecasts again with these settings")
    def run_again(self, request, queryset):
        for run in queryset:
            try:
                services.forecast_run_start(
                    metric=run.metric or None, level=run.level, horizon=run.horizon, frequency=run.frequency,
                    method=run.method, reconciliation=run.reconciliation, requested_by=request.user,
                )  # fmt: skip
            except selectors.ForecastInputError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, f"Queued {queryset.count()} forecast run(s).")


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
