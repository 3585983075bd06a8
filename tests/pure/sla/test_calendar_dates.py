"""Known dates, worked by hand: DST weekends (US, EU, Sydney), holidays (Thanksgiving, GB
Easter and the Christmas/Boxing Day run), overnight shifts, years far from the usual
range, naive datetimes, microsecond starts and deadlines that land on a closing time.

Every expectation below was worked out on paper from the rules in `sladesk.sla.calendar`;
each is also cross-checked against the minute oracle where the inputs are minute-aligned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.sla import Calendar, DayException, NaiveDatetimeError, SlaError, parse_spans
from support.sla_oracle import Oracle, OracleSpec, build_calendar

LA = "America/Los_Angeles"
H = timedelta(hours=1)
NINE_TO_FIVE = parse_spans("09:00-17:00")
NIGHTS = parse_spans("22:00-06:00")

SPECS = {
    # particle-enterprise `na`: Mon-Fri 09-17 Los Angeles, US holidays
    "na": OracleSpec(LA, {d: NINE_TO_FIVE for d in range(5)}, "US"),
    # particle-enterprise `emea`: Mon-Fri 09-17 London, GB-ENG holidays
    "emea": OracleSpec("Europe/London", {d: NINE_TO_FIVE for d in range(5)}, "GB", "ENG"),
    # an overnight desk, every night 22:00-06:00 Los Angeles, no holidays
    "nights": OracleSpec(LA, {d: NIGHTS for d in range(7)}),
    # the same nights closed on US holidays (the holiday closes its whole date)
    "nights-us": OracleSpec(LA, {d: NIGHTS for d in range(7)}, "US"),
    "nights-sydney": OracleSpec("Australia/Sydney", {d: NIGHTS for d in range(7)}),
    "24x7-la": OracleSpec(LA, {d: parse_spans("24h") for d in range(7)}),
    "24x7-london": OracleSpec("Europe/London", {d: parse_spans("24h") for d in range(7)}),
    "24x7-sydney": OracleSpec("Australia/Sydney", {d: parse_spans("24h") for d in range(7)}),
    "24x7-brisbane": OracleSpec("Australia/Brisbane", {d: parse_spans("24h") for d in range(7)}),
    # a span inside the Central European spring-forward gap / fall-back repeat
    "berlin-early": OracleSpec("Europe/Berlin", {d: parse_spans("02:30-05:00") for d in range(7)}),
    # freistilbox office: Mon-Fri 08-20 Berlin, no holidays named
    "freistilbox": OracleSpec("Europe/Berlin", {d: parse_spans("08:00-20:00") for d in range(5)}),
    # US office where 24 Dec closes at 13:00 and Thanksgiving 2026 is worked after all
    "na-exceptions": OracleSpec(
        LA,
        {d: NINE_TO_FIVE for d in range(5)},
        "US",
        exceptions={
            date(2026, 12, 24): (parse_spans("13:00-24:00"), ()),
            date(2026, 11, 26): ((), ()),
            date(2026, 11, 28): ((), parse_spans("10:00-12:00")),  # a Saturday opened
        },
    ),
}
CALENDARS: dict[str, Calendar] = {}


def calendar(name: str) -> Calendar:
    """Factory: the calendar named in SPECS (built once per test session)."""
    if name not in CALENDARS:
        CALENDARS[name] = build_calendar(SPECS[name], name)
    return CALENDARS[name]


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def _minute_aligned(*values: datetime) -> bool:
    return all(v.second == 0 and v.microsecond == 0 for v in values)


ADD_CASES = [
    # (calendar, start, work, due) -- the story of each in the id
    pytest.param(
        "na",
        "2026-11-25T16:30-08:00",
        4 * H,
        "2026-11-27T12:30-08:00",
        id="thanksgiving: 30 min Wed, Thu closed, 3 h 30 Fri",
    ),
    pytest.param(
        "na",
        "2026-11-26T10:00-08:00",
        1 * H,
        "2026-11-27T10:00-08:00",
        id="thanksgiving: a start on the holiday waits for Friday",
    ),
    pytest.param(
        "na",
        "2026-03-06T16:00-08:00",
        2 * H,
        "2026-03-09T10:00-07:00",
        id="us spring forward: Fri PST to Mon PDT",
    ),
    pytest.param(
        "na",
        "2026-10-30T16:00-07:00",
        2 * H,
        "2026-11-02T10:00-08:00",
        id="us fall back: Fri PDT to Mon PST",
    ),
    pytest.param(
        "na",
        "2026-01-05T09:00-08:00",
        8 * H,
        "2026-01-05T17:00-08:00",
        id="deadline on the closing time stays there",
    ),
    pytest.param(
        "na",
        "2026-01-05T16:59:59.999999-08:00",
        timedelta(microseconds=1),
        "2026-01-05T17:00-08:00",
        id="one microsecond before closing",
    ),
    pytest.param(
        "na",
        "2026-01-05T09:00:00.000001-08:00",
        8 * H,
        "2026-01-06T09:00:00.000001-08:00",
        id="microsecond start carries over",
    ),
    pytest.param(
        "na",
        "2026-01-10T10:00-08:00",
        1 * H,
        "2026-01-12T10:00-08:00",
        id="saturday start waits for monday",
    ),
    pytest.param(
        "na",
        "2026-01-10T10:00-08:00",
        timedelta(0),
        "2026-01-10T10:00-08:00",
        id="zero work returns the start even when closed",
    ),
    pytest.param(
        "na",
        "2026-01-05T12:00-05:00",
        1 * H,
        "2026-01-05T10:00-08:00",
        id="start given in another zone",
    ),
    pytest.param(
        "na",
        "2026-12-31T16:00-08:00",
        2 * H,
        "2027-01-04T10:00-08:00",
        id="new year: Fri 1 Jan 2027 closed, across the year end",
    ),
    pytest.param(
        "na",
        "1990-11-21T16:30-08:00",
        4 * H,
        "1990-11-23T12:30-08:00",
        id="1990 thanksgiving, far before the laid-out years",
    ),
    pytest.param(
        "na",
        "2090-11-22T16:30-08:00",
        4 * H,
        "2090-11-24T12:30-08:00",
        id="2090 thanksgiving, far after the laid-out years",
    ),
    pytest.param(
        "na",
        "2026-11-25T09:00-08:00",
        5 * 8 * H,
        "2026-12-02T17:00-08:00",
        id="five business days across thanksgiving end on a closing time",
    ),
    pytest.param(
        "emea",
        "2027-03-25T16:00+00:00",
        2 * H,
        "2027-03-30T10:00+01:00",
        id="gb easter 2027: Good Friday and Easter Monday closed, BST begins",
    ),
    pytest.param(
        "emea",
        "2027-12-24T16:00+00:00",
        2 * H,
        "2027-12-29T10:00+00:00",
        id="gb christmas 2027: 25-26 weekend, observed 27 and 28 closed",
    ),
    pytest.param(
        "emea",
        "2026-10-23T16:30+01:00",
        1 * H,
        "2026-10-26T09:30+00:00",
        id="eu fall back: Fri BST to Mon GMT",
    ),
    pytest.param(
        "nights",
        "2026-03-07T22:00-08:00",
        8 * H,
        "2026-03-08T23:00-07:00",
        id="overnight across spring forward: the night has 7 h",
    ),
    pytest.param(
        "nights",
        "2026-10-31T22:00-07:00",
        8 * H,
        "2026-11-01T05:00-08:00",
        id="overnight across fall back: the repeated hour is worked twice",
    ),
    pytest.param(
        "nights",
        "2026-01-05T12:00-08:00",
        8 * H,
        "2026-01-06T06:00-08:00",
        id="overnight: noon waits for 22:00, deadline on the 06:00 close",
    ),
    pytest.param(
        "nights",
        "2026-01-06T03:00-08:00",
        4 * H,
        "2026-01-06T23:00-08:00",
        id="overnight: start in the tail of last night's shift",
    ),
    pytest.param(
        "nights-us",
        "2026-11-25T22:00-08:00",
        3 * H,
        "2026-11-27T01:00-08:00",
        id="overnight: thanksgiving closes its date, incl. the tail of Wed's shift",
    ),
    pytest.param(
        "nights-sydney",
        "2026-04-04T22:00+11:00",
        8 * H,
        "2026-04-05T05:00+10:00",
        id="sydney fall back night: 9 h long",
    ),
    pytest.param(
        "nights-sydney",
        "2026-10-03T22:00+10:00",
        8 * H,
        "2026-10-04T23:00+11:00",
        id="sydney spring forward night: 7 h long",
    ),
    pytest.param(
        "24x7-la",
        "2026-03-07T12:00-08:00",
        36 * H,
        "2026-03-09T01:00-07:00",
        id="24x7: 36 real hours across spring forward",
    ),
    pytest.param(
        "berlin-early",
        "2026-03-29T00:00+01:00",
        timedelta(minutes=30),
        "2026-03-29T03:30+02:00",
        id="02:30-05:00 opens at the 03:00 transition",
    ),
    pytest.param(
        "berlin-early",
        "2026-10-25T02:45+02:00",
        timedelta(minutes=30),
        "2026-10-25T02:45+01:00",
        id="02:30-05:00 on fall back: 02:30-03:00 twice",
    ),
    pytest.param(
        "freistilbox",
        "2026-03-27T19:00+01:00",
        2 * H,
        "2026-03-30T09:00+02:00",
        id="freistilbox: Fri CET evening to Mon CEST",
    ),
    pytest.param(
        "na-exceptions",
        "2026-12-24T09:00-08:00",
        4 * H,
        "2026-12-24T13:00-08:00",
        id="christmas eve closes 13:00: deadline exactly on the early close",
    ),
    pytest.param(
        "na-exceptions",
        "2026-12-24T12:00-08:00",
        2 * H,
        "2026-12-28T10:00-08:00",
        id="christmas eve 13:00 close, christmas closed, weekend",
    ),
    pytest.param(
        "na-exceptions",
        "2026-11-25T16:30-08:00",
        4 * H,
        "2026-11-26T12:30-08:00",
        id="an explicit exception wins over the package holiday",
    ),
    pytest.param(
        "na-exceptions",
        "2026-11-27T16:00-08:00",
        2 * H,
        "2026-11-28T11:00-08:00",
        id="an opened saturday",
    ),
]


@pytest.mark.parametrize(("name", "start", "work", "due"), ADD_CASES)
def test_add_known_dates(name: str, start: str, work: timedelta, due: str) -> None:
    # given a calendar and a start worked out by hand
    cal = calendar(name)

    # when the work is added
    got = cal.add(at(start), work)

    # then the deadline is the hand-worked instant, in the calendar's zone
    assert got.timestamp() == at(due).timestamp()
    assert got.tzinfo == cal.zone
    assert got.utcoffset() == at(due).utcoffset()
    # and the naive oracle agrees where it can step minutes
    if _minute_aligned(at(start), at(due)) and at(start).year in range(2024, 2031):
        oracle = Oracle(SPECS[name])
        assert oracle.add(int(at(start).timestamp()), int(work.total_seconds())) == int(
            at(due).timestamp()
        )


ELAPSED_CASES = [
    pytest.param(
        "24x7-la",
        "2026-03-08T00:00-08:00",
        "2026-03-09T00:00-07:00",
        23 * H,
        id="us spring forward day has 23 h",
    ),
    pytest.param(
        "24x7-la",
        "2026-11-01T00:00-07:00",
        "2026-11-02T00:00-08:00",
        25 * H,
        id="us fall back day has 25 h",
    ),
    pytest.param(
        "24x7-london",
        "2026-03-29T00:00+00:00",
        "2026-03-30T00:00+01:00",
        23 * H,
        id="eu spring forward day has 23 h",
    ),
    pytest.param(
        "24x7-london",
        "2026-10-25T00:00+01:00",
        "2026-10-26T00:00+00:00",
        25 * H,
        id="eu fall back day has 25 h",
    ),
    pytest.param(
        "24x7-sydney",
        "2026-04-05T00:00+11:00",
        "2026-04-06T00:00+10:00",
        25 * H,
        id="sydney fall back day has 25 h",
    ),
    pytest.param(
        "24x7-sydney",
        "2026-10-04T00:00+10:00",
        "2026-10-05T00:00+11:00",
        23 * H,
        id="sydney spring forward day has 23 h",
    ),
    pytest.param(
        "24x7-brisbane",
        "2026-10-04T00:00+10:00",
        "2026-10-05T00:00+10:00",
        24 * H,
        id="brisbane keeps no DST",
    ),
    pytest.param(
        "nights",
        "2026-03-07T12:00-08:00",
        "2026-03-08T12:00-07:00",
        7 * H,
        id="overnight shift across spring forward",
    ),
    pytest.param(
        "nights",
        "2026-10-31T12:00-07:00",
        "2026-11-01T12:00-08:00",
        9 * H,
        id="overnight shift across fall back",
    ),
    pytest.param(
        "berlin-early",
        "2026-03-29T00:00+01:00",
        "2026-03-30T00:00+02:00",
        2 * H,
        id="02:30-05:00 on spring forward is 03:00-05:00",
    ),
    pytest.param(
        "berlin-early",
        "2026-10-25T00:00+02:00",
        "2026-10-26T00:00+01:00",
        3 * H,
        id="02:30-05:00 on fall back: 30 min CEST + 2 h 30 CET",
    ),
    pytest.param(
        "na",
        "2026-03-06T17:00-08:00",
        "2026-03-09T09:00-07:00",
        timedelta(0),
        id="closed weekend across spring forward",
    ),
    pytest.param(
        "na",
        "2026-11-23T00:00-08:00",
        "2026-11-30T00:00-08:00",
        32 * H,
        id="thanksgiving week: four working days",
    ),
    pytest.param(
        "na",
        "2026-11-30T00:00-08:00",
        "2026-11-23T00:00-08:00",
        -32 * H,
        id="reversed ends give a negative amount",
    ),
    pytest.param(
        "emea",
        "2027-12-20T00:00+00:00",
        "2028-01-03T00:00+00:00",
        8 * 8 * H,
        id="gb christmas fortnight: 27 and 28 Dec closed (observed), 8 days worked",
    ),
    pytest.param(
        "na",
        "1990-10-26T16:00-07:00",
        "1990-10-29T10:00-08:00",
        2 * H,
        id="1990 US fall back (last Sunday of October rules)",
    ),
    pytest.param(
        "na",
        "2090-01-01T00:00-08:00",
        "2090-01-08T00:00-08:00",
        4 * 8 * H,
        id="2090: New Year's Day on a Sunday, observed Monday 2 Jan",
    ),
    pytest.param(
        "na",
        "2026-01-05T16:59:59.5-08:00",
        "2026-01-06T09:00:00.25-08:00",
        timedelta(seconds=0.75),
        id="microseconds either side of a closed night",
    ),
]


@pytest.mark.parametrize(("name", "a", "b", "worked"), ELAPSED_CASES)
def test_elapsed_known_dates(name: str, a: str, b: str, worked: timedelta) -> None:
    # given a calendar and two instants worked out by hand
    cal = calendar(name)

    # when the working time between them is measured
    got = cal.elapsed(at(a), at(b))

    # then it is the hand-worked amount
    assert got == worked
    if _minute_aligned(at(a), at(b)) and at(a).year in range(2024, 2031):
        oracle = Oracle(SPECS[name])
        assert oracle.elapsed(int(at(a).timestamp()), int(at(b).timestamp())) == int(
            worked.total_seconds()
        )


@pytest.mark.parametrize(
    ("call", "what"),
    [
        pytest.param(lambda c: c.add(datetime(2026, 1, 5, 9), H), "start", id="add"),  # noqa: DTZ001
        pytest.param(
            lambda c: c.elapsed(datetime(2026, 1, 5, 9), at("2026-01-06T09:00-08:00")),  # noqa: DTZ001
            "a",
            id="elapsed-a",
        ),
        pytest.param(
            lambda c: c.elapsed(at("2026-01-06T09:00-08:00"), datetime(2026, 1, 5, 9)),  # noqa: DTZ001
            "b",
            id="elapsed-b",
        ),
        pytest.param(lambda c: c.is_open(datetime(2026, 1, 5, 9)), "at", id="is_open"),  # noqa: DTZ001
        pytest.param(
            lambda c: c.working_intervals(
                datetime(2026, 1, 5, 9),  # noqa: DTZ001
                at("2026-01-06T09:00-08:00"),
            ),
            "a",
            id="working_intervals",
        ),
    ],
)
def test_naive_datetimes_are_rejected(call: object, what: str) -> None:
    # given a calendar and a datetime without a zone
    cal = calendar("na")

    # when it is passed in / then a clear error names the argument
    with pytest.raises(NaiveDatetimeError, match=f"^{what} must be a timezone-aware"):
        call(cal)  # type: ignore[operator]


def test_negative_work_is_rejected() -> None:
    # given a calendar / when asked to add negative work / then it says so
    with pytest.raises(SlaError, match="must not be negative"):
        calendar("na").add(at("2026-01-05T09:00-08:00"), -H)


def test_result_in_the_repeated_hour_is_the_right_instant() -> None:
    # given the overnight calendar and a deadline inside the repeated 01:00-02:00 hour
    cal = calendar("nights")

    # when 4 h are added at 22:00 PDT on the fall-back night
    due = cal.add(at("2026-10-31T22:00-07:00"), 4 * H)

    # then it is 01:00 PST (the second 01:00), marked fold=1 so it prints with -08:00
    assert due.isoformat() == "2026-11-01T01:00:00-08:00"
    assert due.fold == 1


def test_is_open_and_next_open_at_the_edges() -> None:
    # given the US office calendar
    cal = calendar("na")

    # then an opening instant is open, a closing instant is closed
    assert cal.is_open(at("2026-01-05T09:00-08:00"))
    assert not cal.is_open(at("2026-01-05T17:00-08:00"))
    # and after Wednesday's close the next opening skips Thanksgiving
    assert cal.next_open(at("2026-11-25T17:00-08:00")) == at("2026-11-27T09:00-08:00")


def test_segments_name_the_holiday() -> None:
    # given the US office calendar and the Thanksgiving week
    cal = calendar("na")

    # when the working time is broken down per local date
    days = cal.segments(at("2026-11-25T16:30-08:00"), at("2026-11-27T12:30-08:00"))

    # then Thursday is named and unworked, the others carry their share
    assert [(d.day, d.worked, d.closed_reason) for d in days] == [
        (date(2026, 11, 25), timedelta(minutes=30), None),
        (date(2026, 11, 26), timedelta(0), "Thanksgiving Day"),
        (date(2026, 11, 27), timedelta(hours=3, minutes=30), None),
    ]


def test_one_calendar_answers_1990_2026_and_2090_in_any_order() -> None:
    # given a fresh calendar queried far in the future first, then the past, then now
    cal = build_calendar(SPECS["na"])
    queries = ["2090-11-22T16:30-08:00", "1990-11-21T16:30-08:00", "2026-11-25T16:30-08:00"]

    # when 4 business hours are added to each (the layout grows twice)
    got = [cal.add(at(q), 4 * H).date() for q in queries]

    # then each skips its own Thanksgiving
    assert got == [date(2090, 11, 24), date(1990, 11, 23), date(2026, 11, 27)]
    # and working time spanning the whole range is consistent with its pieces
    a, m, b = at("1990-01-01T00:00Z"), at("2040-06-01T00:00Z"), at("2090-12-31T00:00Z")
    assert cal.elapsed(a, m) + cal.elapsed(m, b) == cal.elapsed(a, b)


def test_calendar_always_is_calendar_time() -> None:
    # given a 24x7 calendar in UTC
    cal = Calendar.always()
    start = datetime(2026, 3, 28, 12, 0, 0, 7, tzinfo=UTC)

    # when time is added / then it is plain time arithmetic
    assert cal.add(start, timedelta(days=3)) == start + timedelta(days=3)
    assert cal.elapsed(start, start + timedelta(days=400)) == timedelta(days=400)
    assert cal.business_day == timedelta(hours=24)


def test_deadline_past_the_laid_out_years_extends_the_layout() -> None:
    # given a calendar open one hour a week, queried once (laying out a few years)
    cal = Calendar("sparse", LA, {0: parse_spans("09:00-10:00")})
    start = at("2026-01-05T09:00-08:00")
    cal.add(start, H)

    # when 520 working hours are added (ten years of Mondays)
    due = cal.add(start, 520 * H)

    # then the deadline is the end of a Monday 09-10 slot about ten years later
    local = due.astimezone(ZoneInfo(LA))
    assert (local.weekday(), local.hour, local.minute) == (0, 10, 0)
    assert cal.elapsed(start, due) == 520 * H
    assert 2035 <= local.year <= 2036


def test_exception_dates_are_local_dates() -> None:
    # given a Sydney 24x7 desk closed on 1 Jan 2027 (local date)
    cal = Calendar(
        "syd",
        "Australia/Sydney",
        {d: parse_spans("24h") for d in range(7)},
        exceptions={date(2027, 1, 1): DayException("New Year's Day")},
    )

    # when measuring the UTC day 2026-12-31 (10:00 31 Dec to 11:00 1 Jan Sydney time)
    got = cal.elapsed(at("2026-12-31T00:00Z"), at("2027-01-01T00:00Z"))

    # then only the hours before local midnight count (11:00-24:00, 13 h)
    assert got == 13 * H


@pytest.mark.parametrize("year", [2026, 2300, 9000])
def test_microseconds_are_exact_in_far_years(year: int) -> None:
    # given a 24x7 calendar and a start with an odd microsecond in a far year
    # (epoch seconds as a float resolve only ~30 µs by year 9000)
    cal = Calendar.always()
    start = datetime(year, 6, 1, 12, 0, 0, 7, tzinfo=UTC)

    # when one microsecond of work is added / measured
    due = cal.add(start, timedelta(microseconds=1))

    # then the answer is exact
    assert due == datetime(year, 6, 1, 12, 0, 0, 8, tzinfo=UTC)
    assert cal.elapsed(start, start + timedelta(microseconds=3)) == timedelta(microseconds=3)
