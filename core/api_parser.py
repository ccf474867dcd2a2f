"""The API's JSON parser: lone surrogates in any string of a body become U+FFFD (sanitised at the boundary).

A JSON text may spell a lone surrogate (``"\\ud800"``); Python decodes it into a ``str`` that cannot be
encoded to UTF-8, so storing it, logging it or streaming it back would fail halfway through a response.
Content type, object shape and NUL characters are checked earlier by core.middleware.HostileInputMiddleware.
"""

from __future__ import annotations

import json

from ninja.parser import Parser

from core.params import clean_text


def _sanitize(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_sanitize(k): _sanitize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    return value


class SafeJsonParser(Parser):
    def parse_body(self, request):
        return _sanitize(json.loads(request.body))
