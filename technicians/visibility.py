"""The one rule for personal data: which field, feature or attribute names a user may see.

Pay, performance and protected characteristics (self-reported sex, race/ethnicity) are HR-only.
Protected characteristics are matched by ``PROTECTED_NAME_TOKENS`` (always on, whatever the
settings say) and are also never model features: ``is_protected_name`` is the test
predictions.features applies to every column and ``attributes`` key. A name is sensitive when it contains one of
``settings.SENSITIVE_NAME_TOKENS`` (``pay``, ``salary``, ``performance``, ``rating`` …), so derived
model features such as ``pay_vs_district_median`` and extra source columns such as
``attributes.annual_bonus`` are covered without listing them one by one.

Whole field names listed in ``settings.SENSITIVE_FIELD_NAMES`` (``termination_reason``) are HR-only too.

Every entry point (pages, API, exports, assistant tools, explanations) goes through
``field_visible`` / ``redact`` — re-exported by technicians.selectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings

from core.roles import user_can_view_sensitive

# Word starts that name a protected characteristic: "sex", "gender", "race_ethnicity", "ethnic_group",
# "attributes.Gender" … Not configurable away: they are HR-only and excluded from features by construction.
PROTECTED_NAME_TOKENS = ("sex", "gender", "race", "ethnic")


@lru_cache(maxsize=4096)
def _is_sensitive(name: str, tokens: tuple[str, ...]) -> bool:
    # split camelCase / snake_case / dotted names into lowercase words, then match tokens at word starts
    words = re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower())
    # a token must start a word: "pay_rate" and "payroll" match "pay"; "display" and "operating" do not
    return any(w.startswith(tok) for w in words for tok in tokens)


def is_protected_name(name: str) -> bool:
    """True if ``name`` (a field, column, feature or attribute key) names a protected characteristic."""
    return _is_sensitive(str(name), PROTECTED_NAME_TOKENS)


def is_sensitive_name(name: str) -> bool:
    """True if ``name`` (a model field, feature or attribute key) holds pay, performance or protected data.

    Besides the tokens, ``settings.SENSITIVE_FIELD_NAMES`` lists whole names that are HR-only although
    no token says so: ``termination_reason`` (values such as "Performance" or "Compensation" disclose
    performance and pay)."""
    name = str(name)
    if name.rsplit(".", 1)[-1].rsplit("__", 1)[-1] in settings.SENSITIVE_FIELD_NAMES:
        return True
    tokens = tuple(t.lower() for t in settings.SENSITIVE_NAME_TOKENS) + PROTECTED_NAME_TOKENS
    return _is_sensitive(name, tokens)


def field_visible(user, name: str) -> bool:
    return user_can_view_sensitive(user) or not is_sensitive_name(name)


def visible_names(user, names: Iterable[str]) -> list[str]:
    if user_can_view_sensitive(user):
        return list(names)
    return [n for n in names if not is_sensitive_name(n)]


def redact(user, data: Any) -> Any:
    """Return ``data`` without the keys ``user`` may not see, recursively (dicts and lists).

    Used on every outgoing payload built from technician/candidate/snapshot data, so a
    recruiter never receives pay or performance values, whatever asked for them.
    """
    if user_can_view_sensitive(user):
        return data
    return _strip(data, {})


def _strip(data: Any, hidden: dict[str, bool]) -> Any:
    # ``hidden``: each key's verdict, worked out once per call (a list page repeats the same keys per row)
    if isinstance(data, Mapping):
        out = {}
        for k, v in data.items():
            name = str(k)
            drop = hidden.get(name)
            if drop is None:
                drop = hidden[name] = is_sensitive_name(name)
            if not drop:
                out[k] = _strip(v, hidden)
        return out
    if isinstance(data, list | tuple):
        return [_strip(v, hidden) for v in data]
    return data
