"""Structured (JSON lines) logging formatter; LOG_FORMAT=console for humans."""

import json
import logging
from datetime import UTC, datetime

_STD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in _STD and not k.startswith("_"):
                payload[k] = v if isinstance(v, str | int | float | bool | type(None)) else str(v)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload)


class QuietClientErrors(logging.Filter):
    """Client errors (4xx: a bad Host header, a too-large upload) are one line, not a traceback.

    Django's security loggers attach the exception to every SuspiciousOperation; the request log line
    already says method, path and status, so the traceback only buries real 5xx errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and (record.name.startswith("django.security") or (status is not None and status < 500)):
            record.exc_info = None
            record.exc_text = None
        return True
