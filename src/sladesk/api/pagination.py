"""Keyset ("cursor") pagination: stable pages over a changing table, constant cost per page.

A page is the first ``page_size`` rows *after* the cursor in a total order; the cursor is an
opaque token encoding the sort key of the last row returned (``{"o": ordering, "k": [...]}``,
base64url JSON). Rows inserted or changed while a client pages do not shift later pages
(unlike offsets), and the database walks an index instead of counting. Forward only: the
answer carries ``next`` (a URL, or null on the last page) and ``results``.

Orderings (``ordering=``):

- ``-id`` (default for tickets): newest first;
- ``id``: oldest first;
- ``due``: the ticket's earliest *running* clock due instant, soonest first, then id;
  tickets with no running clock are left out (they cannot breach).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from sladesk.tickets.models import ClockState, SlaClock

__all__ = ["ORDERINGS", "KeysetPagination", "Ordering", "TicketPagination"]


@dataclass(frozen=True)
class Ordering:
    """A total order: ``keys`` are (field, is_datetime); all ascending or all descending."""

    name: str
    keys: tuple[tuple[str, bool], ...]
    descending: bool = False

    def prepare(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if any(field == "next_due" for field, _ in self.keys):
            due = (
                SlaClock.objects.filter(ticket=OuterRef("pk"), state=ClockState.RUNNING)
                .order_by("due_at")
                .values("due_at")[:1]
            )
            qs = qs.annotate(next_due=Subquery(due)).filter(next_due__isnull=False)
        sign = "-" if self.descending else ""
        return qs.order_by(*(sign + field for field, _ in self.keys))

    def after(self, qs: QuerySet[Any], values: Sequence[Any]) -> QuerySet[Any]:
        """Rows strictly after ``values`` in this order (lexicographic keyset condition)."""
        op = "lt" if self.descending else "gt"
        condition = Q()
        for i, (field, _) in enumerate(self.keys):
            equal = Q(**{self.keys[j][0]: values[j] for j in range(i)})
            condition |= equal & Q(**{f"{field}__{op}": values[i]})
        return qs.filter(condition)

    @property
    def fields(self) -> tuple[str, ...]:
        """The key's fields, in order (the last is always ``id``)."""
        return tuple(field for field, _ in self.keys)

    def key_of(self, row: Any) -> list[Any]:
        """The cursor key of ``row``: a model instance or a dict holding the key `fields`."""
        if isinstance(row, dict):
            values = [row[f] for f in self.fields]
        else:
            values = [getattr(row, f) for f in self.fields]
        return [
            value.isoformat() if is_datetime else value
            for value, (_, is_datetime) in zip(values, self.keys, strict=True)
        ]

    def parse_key(self, raw: Any) -> list[Any]:
        if not isinstance(raw, list) or len(raw) != len(self.keys):
            raise ValueError("wrong key length")
        out: list[Any] = []
        for value, (_, is_datetime) in zip(raw, self.keys, strict=True):
            if is_datetime:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    raise ValueError("naive datetime in cursor")
                out.append(parsed)
            elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
                out.append(value)
            else:
                raise ValueError("bad integer in cursor")
        return out


ORDERINGS: dict[str, Ordering] = {
    "-id": Ordering("-id", (("id", False),), descending=True),
    "id": Ordering("id", (("id", False),)),
    "due": Ordering("due", (("next_due", True), ("id", False))),
}


class KeysetPagination(BasePagination):
    """Forward keyset pagination; see the module docstring."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    default_ordering = "id"

    def __init__(self) -> None:
        self.next_url: str | None = None

    def _page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"a whole number from 1 to {self.max_page_size}"]}
            )
        return size

    def _decode(self, token: str, ordering: Ordering) -> list[Any]:
        try:
            padded = token + "=" * (-len(token) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if payload.get("o") != ordering.name:
                raise ValueError("cursor of another ordering")
            return ordering.parse_key(payload.get("k"))
        except (ValueError, TypeError, AttributeError, UnicodeError, binascii.Error):
            raise ValidationError(
                {self.cursor_query_param: ["invalid cursor (use the 'next' link of a page)"]}
            ) from None

    @staticmethod
    def _encode(ordering: Ordering, key: list[Any]) -> str:
        raw = json.dumps({"o": ordering.name, "k": key}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def paginate(
        self,
        qs: QuerySet[Any] | Callable[[], QuerySet[Any]],
        request: Any,
        ordering: Ordering | None = None,
        load: Callable[[QuerySet[Any], tuple[str, ...]], list[dict[str, Any]]] | None = None,
        page: Callable[[int | None, bool, int], list[dict[str, Any]]] | None = None,
    ) -> list[Any]:
        """One page of ``qs`` in ``ordering``; sets the ``next`` link.

        ``qs`` is the rows, or a function that builds them (called only when the page is
        read from them). With ``load``, the page is selected by id first: ``load(page,
        key_fields)`` gets a queryset of the rows whose ids are the page's (``WHERE id IN
        (SELECT id ... ORDER BY key LIMIT size + 1)``, ordered) and returns them as dicts
        holding at least ``key_fields``. The database then sorts and limits on the key
        alone and joins only the page's rows, not every row that matches, in one round
        trip. Without it, the rows of ``qs`` (model instances) are returned. ``page`` (with
        ``load``, for the orderings by id alone): ``page(after, descending, limit)`` gives
        the rows ``load`` would give for the page, from a cheaper source than ``qs`` (e.g.
        `sladesk.tickets.selectors.breaching_page`); ``qs`` is then not built.
        """
        ordering = ordering or ORDERINGS[self.default_ordering]
        size = self._page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        after = self._decode(token, ordering) if token else None
        if load is not None and page is not None and ordering.fields == ("id",):
            rows: list[Any] = page(after[0] if after else None, ordering.descending, size + 1)
        else:
            qs = ordering.prepare(qs() if callable(qs) else qs)
            if after is not None:
                qs = ordering.after(qs, after)
            if load is None:
                rows = list(qs[: size + 1])
            else:
                page_ids = qs.values("pk")[: size + 1]
                rows = load(
                    ordering.prepare(qs.model._default_manager.filter(pk__in=page_ids)),
                    ordering.fields,
                )
        last = rows[size - 1] if len(rows) > size else None
        rows = rows[:size]
        self.next_url = None
        if last is not None:
            url = request.build_absolute_uri()
            self.next_url = replace_query_param(
                url, self.cursor_query_param, self._encode(ordering, ordering.key_of(last))
            )
        return rows

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        return self.paginate(queryset, request)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Rows per page (default {self.page_size}, at most {self.max_page_size})."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class TicketPagination(KeysetPagination):
    """Tickets: newest first by default (``ordering=-id``), or ``id`` / ``due``."""

    default_ordering = "-id"
