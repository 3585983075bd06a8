"""Durations as people write them (`sladesk.sla.durations`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.sla import Duration, SlaError, parse_duration
from sladesk.sla.durations import format_timedelta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", Duration(30, "minutes", False)),
        ("30 min", Duration(30, "minutes", False)),
        ("30 minutes", Duration(30, "minutes", False)),
        ("4 business hours", Duration(4, "hours", True)),
        ("1 business hour", Duration(1, "hours", True)),
        ("2 business days", Duration(2, "days", True)),
        ("36h", Duration(36, "hours", False)),
        ("24 hours", Duration(24, "hours", False)),
        ("2 days", Duration(2, "days", False)),
        ("1 week", Duration(1, "weeks", False)),
        ("3 business days", Duration(3, "days", True)),
        ("20 business hours", Duration(20, "hours", True)),
        ("5 business days", Duration(5, "days", True)),
        ("1d", Duration(1, "days", False)),
        ("8 Working Hours", Duration(8, "hours", True)),
        ("2 calendar days", Duration(2, "days", False)),
        ("1.5 hours", Duration(1.5, "hours", False)),
    ],
)
def test_parse_duration_reads_what_people_write(text: str, expected: Duration) -> None:
    # given the text of a contract / when parsed / then amount, unit and kind are read
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "4", "4 parsecs", "-1 hour", "0 minutes", "business"])
def test_parse_duration_errors_name_the_text(text: str) -> None:
    # given nonsense / when parsed / then the error quotes it
    with pytest.raises(SlaError) as info:
        parse_duration(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "business_day", "work"),
    [
        ("2 days", timedelta(hours=8), timedelta(hours=48)),  # calendar days are absolute
        ("1 week", timedelta(hours=8), timedelta(days=7)),
        ("2 business days", timedelta(hours=8), timedelta(hours=16)),  # 09-17 calendar
        ("1 business day", timedelta(hours=12), timedelta(hours=12)),  # 08-20 calendar
        ("1 business day", timedelta(hours=24), timedelta(hours=24)),  # 24x7
        ("1 business week", timedelta(hours=8), timedelta(hours=40)),  # 5 business days
        ("4 business hours", timedelta(hours=12), timedelta(hours=4)),
        ("30m", timedelta(hours=8), timedelta(minutes=30)),
    ],
)
def test_work_uses_the_business_day_only_for_business_days(
    text: str, business_day: timedelta, work: timedelta
) -> None:
    # given a duration and a calendar's business day / when converted / then the working time
    assert parse_duration(text).work(business_day) == work


@pytest.mark.parametrize(
    ("text", "normal"),
    [("30m", "30 minutes"), ("1 business hour", "1 business hour"), ("36h", "36 hours")],
)
def test_duration_text_is_normalised(text: str, normal: str) -> None:
    assert parse_duration(text).text == normal


@pytest.mark.parametrize(
    ("td", "words"),
    [
        (timedelta(minutes=30), "30 min"),
        (timedelta(hours=3, minutes=30), "3 h 30 min"),
        (timedelta(hours=40), "40 h"),
        (timedelta(0), "0 min"),
    ],
)
def test_format_timedelta(td: timedelta, words: str) -> None:
    assert format_timedelta(td) == words
