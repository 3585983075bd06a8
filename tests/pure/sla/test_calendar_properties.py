"""Property tests: `Calendar.add` / `Calendar.elapsed` against the naive minute oracle, and
the laws that tie them together.

Calendars are random (several intervals a day, overnight 22:00-06:00 style shifts, 24x7,
weekdays without hours, spans in the DST gap or the repeated hour, partial-day and
whole-day exceptions, package holidays US / GB-ENG / AU / DE) in zones with DST and in
Australia/Brisbane. Starts are minute-aligned over 2024-2030, half of them within three
days of a DST change or a public holiday. Work is bounded (about 1.5 weeks of the
calendar's hours, at most two days) so the oracle stays cheap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.sla import Calendar
from support.sla_oracle import MINUTE, Oracle, OracleSpec, build_calendar, dst_changes

ZONES = [
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Brisbane",
]
COUNTRIES: list[tuple[str | None, str | None]] = [
    (None, None),
    ("US", None),
    ("GB", "ENG"),
    ("AU", None),
    ("DE", None),
]
LO = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
HI = int(datetime(2030, 12, 25, tzinfo=UTC).timestamp())
HOUR = 3600
DAY = 86_400
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# A day's hours: named shapes people write, plus random spans on a 15-minute grid.
SHAPES: list[tuple[tuple[int, int], ...]] = [
    (),  # closed
    ((9 * HOUR, 17 * HOUR),),  # 09:00-17:00
    ((8 * HOUR, 12 * HOUR), (13 * HOUR, 17 * HOUR + 1800)),  # 08:00-12:00, 13:00-17:30
    ((22 * HOUR, 6 * HOUR),),  # overnight 22:00-06:00
    ((0, DAY),),  # 24 h
    ((2 * HOUR + 1800, 5 * HOUR),),  # 02:30-05:00: straddles a spring-forward gap
    ((1 * HOUR, 3 * HOUR),),  # 01:00-03:00: holds a repeated fall-back hour
    ((20 * HOUR, 2 * HOUR + 1800),),  # 20:00-02:30: overnight into the gap
]
QUARTER = 900
any_span = st.tuples(st.integers(0, 95), st.integers(1, 96)).filter(lambda p: p[0] != p[1] % 96)
span = any_span.map(lambda p: (p[0] * QUARTER, p[1] * QUARTER))
same_day_span = span.filter(lambda s: s[1] > s[0])
day_hours = st.one_of(
    st.sampled_from(SHAPES),
    st.lists(span, min_size=1, max_size=3).map(tuple),
)
always = {d: ((0, DAY),) for d in range(7)}
weekly_hours = st.one_of(
    st.just(always),
    st.fixed_dictionaries({d: day_hours for d in range(7)}),
).filter(lambda w: _weekly_seconds(w) >= 2 * HOUR)
closures = st.sampled_from([((0, DAY),), ((13 * HOUR, DAY),), ((0, 12 * HOUR),), ()]) | st.lists(
    same_day_span, min_size=1, max_size=2
).map(tuple)
openings = st.just(()) | st.lists(same_day_span, min_size=1, max_size=2).map(tuple)


def _weekly_seconds(weekly: dict[int, tuple[tuple[int, int], ...]]) -> int:
    return sum((e if e > s else e + DAY) - s for spans in weekly.values() for s, e in spans)


@cache
def _anchors(zone: str, country: str | None, subdivision: str | None) -> list[int]:
    """Instants where mistakes hide: DST changes and the local midnights of holidays."""
    out = [t for year in range(2024, 2031) for t in dst_changes(zone, year)]
    if country is not None:
        days = holidays_lib.country_holidays(country, subdiv=subdivision, years=range(2024, 2031))
        tz = ZoneInfo(zone)
        out += [int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()) for d in days]
    return sorted(t for t in out if LO <= t < HI) or [LO]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[OracleSpec, int]:
    """A random calendar and a minute-aligned start (half of them near a DST change or holiday)."""
    zone = draw(st.sampled_from(ZONES))
    country, subdivision = draw(st.sampled_from(COUNTRIES))
    if draw(st.booleans()):
        anchor = draw(st.sampled_from(_anchors(zone, country, subdivision)))
        start = anchor + draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)) * MINUTE
    else:
        start = draw(st.integers(LO // MINUTE, HI // MINUTE)) * MINUTE
    local = datetime.fromtimestamp(start, ZoneInfo(zone)).date()
    exception_days = draw(st.lists(st.integers(-1, 6), max_size=3, unique=True))
    exceptions: dict[date, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]] = {
        local + timedelta(days=k): (draw(closures), draw(openings)) for k in exception_days
    }
    spec = OracleSpec(
        timezone=zone,
        weekly=draw(weekly_hours),
        holiday_country=country,
        holiday_subdivision=subdivision,
        exceptions=exceptions,
    )
    return spec, start


def _work_bound(spec: OracleSpec) -> int:
    """Minutes of work the oracle can afford: ~1.5 weeks of this calendar, at most 2 days."""
    return min(2 * 24 * 60, _weekly_seconds(dict(spec.weekly)) * 3 // 2 // MINUTE)


def _at(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _us(dt: datetime) -> int:
    """Microseconds since the epoch, exactly (no float)."""
    return (dt - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _setup(data: st.DataObject) -> tuple[OracleSpec, Calendar, Oracle, int]:
    spec, start = data.draw(scenarios(), label="calendar, start")
    return spec, build_calendar(spec), Oracle(spec), start


# --------------------------------------------------------------------- against the oracle
@PROPERTY_SETTINGS
@given(st.data())
def test_add_matches_the_minute_oracle(data: st.DataObject) -> None:
    # given a random calendar, a start and an amount of work
    spec, cal, oracle, start = _setup(data)
    work = data.draw(st.integers(0, _work_bound(spec)), label="work minutes") * MINUTE

    # when sladesk adds the work
    due = cal.add(_at(start), timedelta(seconds=work))

    # then it is the instant the oracle finds by stepping minutes, in the calendar's zone
    assert _us(due) == oracle.add(start, work) * 1_000_000
    assert due.tzinfo == cal.zone


@PROPERTY_SETTINGS
@given(st.data())
def test_elapsed_matches_the_minute_oracle(data: st.DataObject) -> None:
    # given a random calendar and two instants up to four days apart, in either order
    _, cal, oracle, start = _setup(data)
    end = start + data.draw(st.integers(-3 * 24 * 60, 4 * 24 * 60), label="span minutes") * MINUTE

    # when sladesk measures the working time between them
    worked = cal.elapsed(_at(start), _at(end))

    # then it is what the oracle counts minute by minute (negative when end < start)
    assert worked == timedelta(seconds=oracle.elapsed(start, end))


# --------------------------------------------------------------------- laws
@PROPERTY_SETTINGS
@given(st.data())
def test_elapsed_until_the_deadline_is_the_work(data: st.DataObject) -> None:
    # given a random calendar, a start anywhere (to the microsecond) and some work
    spec, start = data.draw(scenarios(), label="calendar, start")
    cal = build_calendar(spec)
    begin = _at(start) + timedelta(microseconds=data.draw(st.integers(0, 59_999_999)))
    work = timedelta(microseconds=data.draw(st.integers(0, 5 * DAY * 1_000_000)))

    # when the deadline is computed
    due = cal.add(begin, work)

    # then exactly that much working time lies between start and deadline, and no less
    # than the work itself passed on the wall clock
    assert cal.elapsed(begin, due) == work
    assert due - begin >= work


@PROPERTY_SETTINGS
@given(st.data())
def test_add_is_monotone_in_start_and_in_work(data: st.DataObject) -> None:
    # given a calendar, two ordered starts and two ordered amounts of work
    spec, start = data.draw(scenarios(), label="calendar, start")
    cal = build_calendar(spec)
    s1 = _at(start) + timedelta(microseconds=data.draw(st.integers(0, 10**9)))
    s2 = s1 + timedelta(microseconds=data.draw(st.integers(0, 3 * DAY * 1_000_000)))
    w1 = timedelta(microseconds=data.draw(st.integers(0, 3 * DAY * 1_000_000)))
    w2 = w1 + timedelta(microseconds=data.draw(st.integers(0, DAY * 1_000_000)))

    # when deadlines are computed for each
    # then a later start never gives an earlier deadline, nor does more work
    assert cal.add(s1, w1) <= cal.add(s2, w1)
    assert cal.add(s1, w1) <= cal.add(s1, w2)


@PROPERTY_SETTINGS
@given(st.data())
def test_elapsed_is_additive_and_antisymmetric(data: st.DataObject) -> None:
    # given a calendar and three instants in any order
    spec, start = data.draw(scenarios(), label="calendar, start")
    cal = build_calendar(spec)
    us = st.integers(-4 * DAY * 1_000_000, 4 * DAY * 1_000_000)
    a = _at(start)
    b = a + timedelta(microseconds=data.draw(us))
    c = a + timedelta(microseconds=data.draw(us))

    # when working time is measured over the pieces
    # then the pieces add up, swapping the ends flips the sign, and it never exceeds
    # the wall-clock time
    assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)
    assert cal.elapsed(b, a) == -cal.elapsed(a, b)
    assert abs(cal.elapsed(a, b)) <= abs(b - a)


@PROPERTY_SETTINGS
@given(st.data())
def test_add_of_elapsed_returns_to_x_exactly_when_the_minute_before_x_is_worked(
    data: st.DataObject,
) -> None:
    # Law: for s <= x (minute-aligned), add(s, elapsed(s, x)) <= x, with equality iff
    # x == s or the minute [x - 60 s, x) is working time (x inside working time but not
    # at an opening, or x exactly at a closing time). Otherwise the result is the end
    # of the last working stretch before x (or s itself when nothing was worked).
    _, cal, oracle, start = _setup(data)
    x = start + data.draw(st.integers(0, 4 * 24 * 60), label="minutes after start") * MINUTE

    # when the working time up to x is added back to s
    back = cal.add(_at(start), cal.elapsed(_at(start), _at(x)))

    # then it lands on x exactly when the minute before x was worked, and never after x
    # (compared as instants: PEP 495 makes `==` false across zones inside a repeated hour)
    assert _us(back) <= x * 1_000_000
    assert (_us(back) == x * 1_000_000) == (x == start or oracle.is_working(x - MINUTE))
