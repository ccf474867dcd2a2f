"""Prometheus metrics at ``/metrics`` for operators.

- Request latency by view and method: django-prometheus's middleware
  (``django_http_requests_latency_seconds_by_view_method``, plus its request/response counters).
- Our own numbers, read from the database and Redis when Prometheus scrapes (so they are right whatever
  process did the work — web, either worker, beat): Celery queue depth per queue, run counts by kind and
  status, run durations and failures per kind, age of the newest scores and of the published forecast,
  assistant turns and LLM errors. Each app contributes through a read-only selector listed in
  ``settings.METRICS_SOURCES``; a source that fails is reported as ``ta_metrics_source_up 0``.

Access: a bearer token (``METRICS_TOKEN``) or a client address inside ``METRICS_ALLOWED_NETWORKS``
(default loopback only). Everything else gets 403 — the endpoint names model types and queue sizes.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass
class Metric:
    """One metric family from an app: ``samples`` maps a label tuple to a value (or (count, sum) for summaries)."""

    name: str
    doc: str
    kind: str = "gauge"  # gauge | counter | summary
    labels: tuple[str, ...] = ()
    samples: dict[tuple, float | tuple[float, float]] = field(default_factory=dict)


def queue_metrics() -> list[Metric]:
    import redis

    m = Metric("ta_celery_queue_length", "Messages waiting in each Celery queue.", labels=("queue",))
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        try:
            for q in settings.CELERY_QUEUES_SERVED:
                m.samples[(q,)] = float(client.llen(q))
            m2 = Metric("ta_celery_unacked", "Messages taken by a worker and not yet acknowledged.")
            m2.samples[()] = float(client.hlen("unacked"))
        finally:
            client.close()
        return [m, m2]
    return [m]


def run_metrics(kind: str, model, *, done: list[str], failed: str) -> list[Metric]:
    """Counts by status, durations of finished runs and failures, for one kind of run (a selector helper)."""
    from django.db.models import Count, F, Sum

    runs = Metric("ta_runs", "Runs by kind and current status.", labels=("kind", "status"))
    for row in model.objects.values("status").annotate(n=Count("pk")):
        runs.samples[(kind, row["status"])] = float(row["n"])
    agg = model.objects.filter(status__in=done, started_at__isnull=False, finished_at__isnull=False).aggregate(
        n=Count("pk"), total=Sum(F("finished_at") - F("started_at"))
    )
    duration = Metric(
        "ta_run_duration_seconds", "Duration of finished runs (start to finish).", kind="summary", labels=("kind",)
    )
    duration.samples[(kind,)] = (float(agg["n"]), agg["total"].total_seconds() if agg["total"] else 0.0)
    failures = Metric("ta_run_failures", "Runs that ended failed.", kind="counter", labels=("kind",))
    failures.samples[(kind,)] = float(model.objects.filter(status=failed).count())
    return [runs, duration, failures]


class AppCollector:
    """A prometheus_client collector that asks every METRICS_SOURCES function at scrape time."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

        up = GaugeMetricFamily("ta_metrics_source_up", "1 if the metrics source answered.", labels=["source"])
        merged: dict[str, Metric] = {}  # one family per name, whichever apps contribute samples to it
        for path in settings.METRICS_SOURCES:
            try:
                metrics = import_string(path)()
                up.add_metric([path], 1)
            except Exception as exc:  # noqa: BLE001 - a dead database must not make /metrics a 500
                log.warning("metrics source %s failed: %s", path, exc)
                up.add_metric([path], 0)
                continue
            for m in metrics:
                if m.name in merged:
                    merged[m.name].samples.update(m.samples)
                else:
                    merged[m.name] = Metric(m.name, m.doc, m.kind, m.labels, dict(m.samples))
        for m in merged.values():
            if m.kind == "summary":
                fam = SummaryMetricFamily(m.name, m.doc, labels=list(m.labels))
                for labels, (count, total) in m.samples.items():
                    fam.add_metric(list(labels), count_value=count, sum_value=total)
            elif m.kind == "counter":
                fam = CounterMetricFamily(m.name, m.doc, labels=list(m.labels))
                for labels, value in m.samples.items():
                    fam.add_metric(list(labels), value)
            else:
                fam = GaugeMetricFamily(m.name, m.doc, labels=list(m.labels))
                for labels, value in m.samples.items():
                    fam.add_metric(list(labels), value)
            yield fam
        yield up


_registered = False


def _registry():
    global _registered
    from prometheus_client import REGISTRY

    if not _registered:
        REGISTRY.register(AppCollector())
        _registered = True
    return REGISTRY


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        addr = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS if net)


def metrics_view(request):
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    if not _allowed(request):
        return HttpResponse(
            "metrics: send Authorization: Bearer $METRICS_TOKEN\n", status=403, content_type="text/plain"
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
