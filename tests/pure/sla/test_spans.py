"""Parsing working-hour spans and the interval algebra the calendar is built on."""

from __future__ import annotations

import pytest

from sladesk.sla.spans import (
    DAY,
    FULL_DAY,
    clip,
    format_clock,
    merge,
    parse_clock,
    parse_spans,
    subtract,
    union,
)

H = 3600


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("09:00-17:00", ((9 * H, 17 * H),)),
        ("09:00-12:00, 13:00-17:30", ((9 * H, 12 * H), (13 * H, 17 * H + 1800))),
        ("22:00-06:00", ((22 * H, 6 * H),)),  # overnight: end before start
        ("20:00-24:00", ((20 * H, DAY),)),
        ("9-17", ((9 * H, 17 * H),)),
        ("08:00 to 20:00", ((8 * H, 20 * H),)),
        ("08:00–20:00", ((8 * H, 20 * H),)),  # en dash
        ("24h", FULL_DAY),
        ("00:00-24:00", FULL_DAY),
        ("closed", ()),
        ("", ()),
    ],
)
def test_parse_spans(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    # given the hours as a person writes them / when parsed / then seconds after midnight
    assert parse_spans(text) == spans


@pytest.mark.parametrize(
    "text", ["9am-5pm", "09:00", "25:00-26:00", "09:60-10:00", "24:00-06:00", "09:00-09:00"]
)
def test_parse_spans_rejects_what_it_cannot_read(text: str) -> None:
    # given a malformed span / when parsed / then a ValueError says what is wrong
    with pytest.raises(ValueError, match=r"span|time of day"):
        parse_spans(text)


@pytest.mark.parametrize(("text", "seconds"), [("00:00", 0), ("9", 9 * H), ("17:30:15", 63015)])
def test_parse_and_format_clock_round_trip(text: str, seconds: int) -> None:
    # given a clock reading / when parsed and formatted / then it round-trips
    assert parse_clock(text) == seconds
    assert parse_clock(format_clock(seconds)) == seconds


def test_merge_sorts_joins_touching_and_drops_empty() -> None:
    # given unsorted, overlapping, touching and empty intervals / when merged
    # then sorted, disjoint, touching ones joined and empty ones gone
    assert merge([(5, 7), (1, 3), (3, 4), (6, 9), (10, 10), (12, 11)]) == [(1, 4), (5, 9)]


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ([(0, 10)], [], [(0, 10)]),
        ([(0, 10)], [(2, 3), (5, 7)], [(0, 2), (3, 5), (7, 10)]),
        ([(0, 10)], [(-5, 15)], []),
        ([(0, 10), (20, 30)], [(5, 25)], [(0, 5), (25, 30)]),
        ([(0, 10), (20, 30)], [(10, 20)], [(0, 10), (20, 30)]),  # half-open: touching keeps
        ([(0, 10), (20, 30)], [(-10, -5), (35, 40)], [(0, 10), (20, 30)]),
        ([(0, 4), (6, 10)], [(3, 7), (8, 9)], [(0, 3), (7, 8), (9, 10)]),
    ],
)
def test_subtract(
    x: list[tuple[int, int]], y: list[tuple[int, int]], expected: list[tuple[int, int]]
) -> None:
    # given two sorted disjoint interval lists / when subtracted / then what is left of x
    assert subtract(x, y) == expected


def test_union_and_clip() -> None:
    # given two interval lists
    x, y = [(0, 5), (10, 15)], [(4, 11), (20, 25)]

    # when joined and clipped / then merged and cut to the window
    assert union(x, y) == [(0, 15), (20, 25)]
    assert clip([(0, 15), (20, 25)], 5, 22) == [(5, 15), (20, 22)]
    assert clip([(0, 5)], 5, 10) == []
