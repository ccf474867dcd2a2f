"""Alert pages: the user's notifications (read / mark read) and their preferences form. htmx swaps the list in
place; every form also works as a plain POST → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alerts import selectors, services
from alerts.models import AlertKind
from core.access import requires
from core.params import page_number
from core.permissions import RECEIVE_ALERTS
from technicians.models import District

PAGE = 30


def _list_ctx(request) -> dict:
    show_all = request.GET.get("show") == "all"
    page = page_number(request, default=0, minimum=0)
    qs = selectors.notifications_for(user=request.user, unread_only=not show_all)
    count = qs.count()
    return {"items": list(qs[page * PAGE : (page + 1) * PAGE]), "count": count, "page": page, "show_all": show_all,
            "has_next": (page + 1) * PAGE < count, "unread": selectors.unread_count(user=request.user)}  # fmt: skip


@requires(RECEIVE_ALERTS)
def notifications_page(request):
    template = "alerts/_list.html" if request.htmx and not request.htmx.boosted else "alerts/notifications.html"
    return render(request, template, _list_ctx(request))


@requires(RECEIVE_ALERTS)
@require_POST
def mark_read(request):
    try:
        services.notifications_mark_read(user=request.user, ids=request.POST.getlist("ids"),
                                         all_unread=request.POST.get("all") == "1")  # fmt: skip
    except services.AlertsError as exc:
        messages.error(request, str(exc))
    if request.htmx:
        return render(request, "alerts/_list.html", _list_ctx(request))
    return redirect("alerts:list")


@requires(RECEIVE_ALERTS)
def preferences_page(request):
    ctx = {"kinds": [(k, label) for k, label in AlertKind.choices], "districts": District.objects.order_by("name")}
    if request.method == "POST":
        try:
            ctx["prefs"] = services.preferences_update(
                user=request.user,
                kinds=request.POST.getlist("kinds"),
                districts=request.POST.getlist("districts"),
                email_digest=request.POST.get("email_digest") == "on",
            )
            messages.success(request, "Alert preferences saved.")
            return redirect("alerts:preferences")
        except services.AlertsError as exc:
            ctx["error"] = str(exc)
    ctx.setdefault("prefs", selectors.preferences_get(user=request.user))
    return render(request, "alerts/preferences.html", ctx, status=422 if ctx.get("error") else 200)
