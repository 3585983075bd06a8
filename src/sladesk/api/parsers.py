"""Request body parsers: JSON with size and depth limits, forms and multipart as DRF's.

`JSONParser` reads at most ``SLADESK_API_MAX_JSON_BYTES`` (default 1 MiB: a ticket's
description is at most 100,000 characters) and answers 413 past it without reading on;
it refuses JSON nested deeper than `MAX_DEPTH` (no API input has more than a few levels;
a ~1000-deep body used to exhaust Python's recursion limit and end in a 500) and bodies
that are not valid in their declared charset (400, naming the problem). Multipart uploads
are bounded by ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for their fields and by the attachment
limit for files; `sladesk.urls.handler400` turns Django's refusals into the API's 413/400.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

from .errors import PayloadTooLarge

__all__ = ["MAX_DEPTH", "PARSER_CLASSES", "JSONParser", "depth_of"]

#: The deepest nesting accepted in a JSON body (arrays and objects).
MAX_DEPTH = 32
_DEFAULT_MAX_BYTES = 1024 * 1024


def depth_of(value: Any, limit: int) -> int:
    """The nesting depth of a parsed JSON value, counted iteratively up to ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits above."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = int(getattr(settings, "SLADESK_API_MAX_JSON_BYTES", _DEFAULT_MAX_BYTES))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"a JSON body may be at most {limit} bytes")
        try:
            codecs.lookup(encoding)
            text = raw.decode(encoding)
        except LookupError:
            raise exceptions.ParseError(f"unknown charset {encoding!r} in Content-Type") from None
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(
                f"the body is not valid {encoding}: {exc.reason} at byte {exc.start}"
            ) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if depth_of(data, MAX_DEPTH) > MAX_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels")
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: The API's parsers (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).
PARSER_CLASSES = (JSONParser, parsers.FormParser, parsers.MultiPartParser)
