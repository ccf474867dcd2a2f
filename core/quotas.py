"""Quotas on heavy work: one queued-or-running run per scope, enforced by partial unique constraints.

Services insert the run row and, when the database refuses it with the quota constraint, raise
``AlreadyRunning`` naming the run in progress (API → 409 with its id; pages and admin say so).
"""

from __future__ import annotations

from django.db import IntegrityError


class AlreadyRunning(Exception):
    def __init__(self, what: str, in_progress_id):
        self.in_progress_id = str(in_progress_id) if in_progress_id else None
        super().__init__(f"A {what} is already queued or running ({self.in_progress_id}); wait for it to finish.")


def violates(exc: IntegrityError, constraint: str) -> bool:
    """True when ``exc`` was raised by the named constraint (psycopg reports it in the diagnostics)."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None) == constraint or constraint in str(exc)
