"""The OpenAPI schema tells the truth about errors: one place adds the statuses every operation can answer.

ninja documents only the statuses an endpoint's ``response=`` names, but some answers come from layers
every operation shares. They are added here, by rule, after ninja builds the schema:

| status | when | added to |
|---|---|---|
| 401 | no/invalid/revoked/expired key or session | every operation with a security requirement |
| 403 | the caller's role lacks the operation's permission | every secured operation |
| 429 | too many failed API-key attempts from this IP / key prefix (``Retry-After``) | every secured operation |
| 422 | a parameter or body value fails its type (names the field) | every operation with parameters or a body |
| 404 | an unknown id in the path | every operation with a path parameter |
| 400, 415 | unparsable JSON / a body that is not ``application/json`` (core.middleware) | every operation with a body |
| 409, 503 | no active model / model artifact unreadable (predictions' error mapping) | tag ``predictions`` |
| 503 | the task broker is down when queueing (``BrokerUnavailable``) | POST operations |

Statuses an endpoint declares itself (``response={409: ...}``) are kept as they are. The shared error body
is ``ErrorOut``: ``{"detail": "...", "errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from ninja import Field, Schema

REASONS = {
    400: "The request body is not valid JSON.",
    401: "Authentication required: send a valid API key (Authorization: Bearer <key>).",
    403: "Your role does not have the permission this operation needs.",
    404: "No such object (unknown id in the path).",
    409: "Conflict with the current state (e.g. no active model, a run already in progress).",
    415: "The request body must be application/json.",
    422: "A parameter or body value is invalid; `detail` and `errors` name it.",
    429: "Too many failed authentication attempts; retry after `Retry-After` seconds.",
    503: "A backing service (task broker, model store) is unavailable; retry later.",
}
TAG_STATUSES = {"predictions": (409, 503)}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


class FieldError(Schema):
    field: str = Field(description="Dotted name of the offending parameter or body field ('' when general).")
    message: str


class ErrorOut(Schema):
    detail: str = Field(description="What was wrong, naming the parameter and the valid values.")
    errors: list[FieldError] | None = Field(default=None, description="Per-field problems (422).")


def _ensure_error_component(schema: dict) -> None:
    from ninja.schema import NinjaGenerateJsonSchema

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" in components:
        return
    js = ErrorOut.model_json_schema(
        ref_template="#/components/schemas/{model}", schema_generator=NinjaGenerateJsonSchema
    )
    components.update(js.pop("$defs", {}))
    components["ErrorOut"] = js


def _add(responses: dict, status: int) -> None:
    key = str(status)
    if key in responses:
        return
    responses[key] = {"description": REASONS[status], "content": {"application/json": {"schema": ERROR_REF}}}
    if status == 429:
        responses[key]["headers"] = {
            "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
        }


def document_errors(schema: dict) -> dict:
    """Add the shared error statuses to every operation of ``schema`` (an OpenAPI dict), in place."""
    _ensure_error_component(schema)
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            params = op.get("parameters", [])
            has_body = "requestBody" in op
            statuses: set[int] = set()
            if op.get("security"):
                statuses |= {401, 403, 429}
            if params or has_body:
                statuses.add(422)
            if any(p.get("in") == "path" for p in params):
                statuses.add(404)
            if has_body:
                statuses |= {400, 415}
            if method == "post":
                statuses.add(503)
            for tag in op.get("tags", []):
                statuses |= set(TAG_STATUSES.get(tag, ()))
            for status in sorted(statuses):
                _add(responses, status)
    return schema


def domain_errors(mapping: dict[type[BaseException] | tuple[type[BaseException], ...], int]):
    """Decorator factory for ninja endpoints: domain exceptions → JSON 4xx/5xx, never a 500 for bad input.

    ``mapping`` names each app's exceptions and their status (first match wins, in order); ``Http404`` is
    always 404. An exception with a ``field`` attribute answers ``{"detail", "errors": [{"field", "message"}]}``
    so clients can show the message beside the input; others answer ``{"detail"}``. One mechanism for every
    app's API (predictions, analytics, worklist, alerts)."""
    from functools import wraps

    from django.http import Http404
    from ninja.errors import HttpError

    def decorate(fn):
        @wraps(fn)
        def wrapper(request, *args, **kwargs):
            try:
                return fn(request, *args, **kwargs)
            except Http404 as exc:
                raise HttpError(404, str(exc) or "Not found.") from exc
            except tuple(t for k in mapping for t in (k if isinstance(k, tuple) else (k,))) as exc:
                status = next(s for k, s in mapping.items() if isinstance(exc, k))
                message = getattr(exc, "message", None) or str(exc)
                if getattr(exc, "field", None):
                    return status, {"detail": str(exc), "errors": [{"field": exc.field, "message": message}]}
                raise HttpError(status, message) from exc

        return wrapper

    return decorate
