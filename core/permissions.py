"""The product's permission model, declared once.

Every entry point (page, ninja endpoint, websocket consumer, assistant tool, admin action, export,
management command acting for a user) names ONE of these permissions and checks it through
``core.access`` — never ``user.has_perm`` directly. The role groups receive them from
``ROLE_GRANTS`` (applied by the role migration and re-applied after every ``migrate`` by core.signals).

View permissions open a domain's pages, API and assistant tools; action permissions start work or
change state. Pay, performance, termination reasons and program pay rules stay behind the separate
visibility rule (``technicians.view_sensitive_fields``, see technicians/visibility.py).
"""

from __future__ import annotations

from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER

# codename -> label. All live on the unmanaged ``core.Access`` model (app label "core").
CATALOGUE: dict[str, str] = {
    # view permissions, one per domain
    "view_technicians": "View technicians and candidates (pages, API, assistant)",
    "view_predictions": "View retention risk, quality of hire and their explanations",
    "view_forecasts": "View forecasts and hiring plans",
    "use_assistant": "Ask the assistant",
    # action permissions
    "start_forecast_run": "Start a forecast run",
    "train_model": "Train a model",
    "promote_model": "Promote / archive a model version",
    "publish_forecast": "Publish a forecast run",
    "run_sync": "Run a warehouse (Snowflake) sync",
    "upload_knowledge": "Upload / re-embed knowledge documents",
    "export_data": "Export lists as CSV",
    "view_audit_log": "Read and export the audit log",
    "subject_requests": "Run data-subject export / erase",
    # the risk worklist and alerts (worklist/, alerts/)
    "work_risk_list": "Work the risk list: watchlist, owner and status, notes, enrol in retention programs",
    "receive_alerts": "Receive alerts (in-app and the daily digest) and choose districts and kinds",
}

# Dotted names used by entry points (``core.access.require(VIEW_PREDICTIONS)``).
VIEW_TECHNICIANS = "core.view_technicians"
VIEW_PREDICTIONS = "core.view_predictions"
VIEW_FORECASTS = "core.view_forecasts"
USE_ASSISTANT = "core.use_assistant"
START_FORECAST_RUN = "core.start_forecast_run"
TRAIN_MODEL = "core.train_model"
PROMOTE_MODEL = "core.promote_model"
PUBLISH_FORECAST = "core.publish_forecast"
RUN_SYNC = "core.run_sync"
UPLOAD_KNOWLEDGE = "core.upload_knowledge"
EXPORT_DATA = "core.export_data"
VIEW_AUDIT_LOG = "core.view_audit_log"
SUBJECT_REQUESTS = "core.subject_requests"
WORK_RISK_LIST = "core.work_risk_list"
RECEIVE_ALERTS = "core.receive_alerts"
SENSITIVE = "technicians.view_sensitive_fields"  # the visibility rule's permission (pay/performance)

# Pseudo-permissions for routes open to more than one role by design.
PUBLIC = "public"  # no login (health check, login page, API docs)
AUTHENTICATED = "authenticated"  # any active logged-in user, even without a role (home, who-am-I, logout)
STAFF = "staff"  # Django admin: is_staff plus the admin's own model permissions

_READ = ("view_technicians", "view_predictions", "view_forecasts", "use_assistant", "export_data")

# Role -> core codenames it holds. HR admins hold everything (plus every model permission of the product
# apps and the visibility permission); recruiters and API consumers read, export and ask the assistant
# (the assistant API is part of what API consumers integrate); neither starts forecasts or trains models.
# Recruiters (the field managers' role) also work the risk list and receive alerts; an API consumer is a
# system, not a manager, so it holds neither.
ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    HR_ADMIN: tuple(CATALOGUE),
    RECRUITER: (*_READ, "work_risk_list", "receive_alerts"),
    API_CONSUMER: _READ,
}


def label(perm: str) -> str:
    return CATALOGUE.get(perm.split(".", 1)[-1], perm)
