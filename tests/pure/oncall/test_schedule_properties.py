"""The schedule engine against the minute-by-minute oracle (hypothesis), across DST.

Run without Django: ``pytest -p no:django tests/oncall``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.oncall.schedule import Override, Restriction, Rotation, Schedule, Swap

from .oracle import MINUTE, expand

# Zones with 1-hour DST (north and south), a 30-minute DST (Lord Howe), a :30 offset
# (St John's), a 45-minute offset with DST (Chatham), none (Kolkata, UTC).
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "UTC",
]
PEOPLE = ["alice", "bob", "carol", "dave"]


def _transitions(zone: str) -> list[datetime]:
    """The instants in 2026-2027 at which ``zone``'s UTC offset changes (hourly scan, then
    minute refinement); a zone without DST gets one ordinary instant instead."""
    tz = ZoneInfo(zone)
    out = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    while t < datetime(2028, 1, 1, tzinfo=UTC):
        nxt = t + timedelta(hours=1)
        if t.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            m = t
            while m.astimezone(tz).utcoffset() == t.astimezone(tz).utcoffset():
                m += MINUTE
            out.append(m)
        t = nxt
    return out or [datetime(2026, 3, 29, 1, tzinfo=UTC)]


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}
lengths = st.sampled_from(
    [timedelta(hours=1), timedelta(hours=8), timedelta(hours=12), timedelta(days=1), timedelta(weeks=1)]
)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, datetime, int]:
    """A schedule whose hand-offs and restriction edges crowd around one of its zone's DST
    changes (in the repeated hour, in the gap, at the edges), and a window around it."""
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    change = draw(st.sampled_from(TRANSITIONS[zone]))
    # the wall-clock readings just before and at the change (either side of the jump)
    walls = [(change - MINUTE).astimezone(tz).replace(tzinfo=None, second=0), change.astimezone(tz).replace(tzinfo=None)]
    def near_change() -> datetime:
        return draw(st.sampled_from(walls)) + draw(st.integers(-90, 90)) * MINUTE
    def time_of_day() -> time:
        if draw(st.booleans()):
            return near_change().time()
        q = draw(st.integers(0, 95))
        return time(q // 4, (q % 4) * 15)
    start = change - draw(st.integers(0, 36 * 60)) * MINUTE
    minutes = draw(st.integers(60, 2 * 24 * 60))
    rotations = []
    for n in range(draw(st.integers(1, 3))):
        length = draw(lengths)
        handoff = near_change() - draw(st.integers(0, 4)) * length
        if draw(st.booleans()):  # sometimes an arbitrary first hand-off instead
            handoff = start.replace(tzinfo=None) + draw(st.integers(-5 * 24 * 60, 24 * 60)) * MINUTE
        windows = tuple(
            Restriction(draw(st.frozensets(st.integers(0, 6), min_size=1)), time_of_day(), time_of_day())
            for _ in range(draw(st.integers(0, 2)))
        )
        rotations.append(
            Rotation(
                participants=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))),
                length=length,
                handoff=handoff,
                layer=draw(st.integers(0, 2)),
                restrictions=windows,
                name=f"r{n}",
            )
        )
    def window() -> tuple[datetime, datetime]:
        begin = start + draw(st.integers(-60, minutes)) * MINUTE
        return begin, begin + draw(st.integers(1, 24 * 60)) * MINUTE
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        begin, end = window()
        overrides.append(Override(draw(st.sampled_from(PEOPLE)), begin, end))
    swaps = []
    for _ in range(draw(st.integers(0, 2))):
        begin, end = window()
        swaps.append(Swap(draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(PEOPLE)), begin, end))
    return Schedule(zone, tuple(rotations), tuple(overrides), tuple(swaps)), start, minutes


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(schedules())
def test_oncall_at_matches_the_minute_by_minute_expansion(case: tuple[Schedule, datetime, int]) -> None:
    # given a random schedule around a DST change, and the oracle's minute-by-minute answer
    schedule, start, minutes = case
    expected = expand(schedule, start, minutes)
    # when the engine is asked at every minute (and half a minute later)
    # then it agrees everywhere
    for i, users in enumerate(expected):
        t = start + i * MINUTE
        assert schedule.oncall_at(t) == users, (t, schedule)
        assert schedule.oncall_at(t + timedelta(seconds=30)) == users, (t, schedule)


@FAST
@given(schedules())
def test_shifts_cover_the_window_and_match_the_expansion(case: tuple[Schedule, datetime, int]) -> None:
    # given a random schedule and the oracle's answer over the window
    schedule, start, minutes = case
    expected = expand(schedule, start, minutes)
    end = start + minutes * MINUTE
    # when the timeline over [start, end) is computed
    shifts = schedule.shifts(start, end)
    # then the shifts tile the window, neighbours differ, and each minute matches the oracle
    assert shifts[0].start == start and shifts[-1].end == end
    for left, right in pairwise(shifts):
        assert left.end == right.start and left.users != right.users
    index = 0
    for i, users in enumerate(expected):
        t = start + i * MINUTE
        while shifts[index].end <= t:
            index += 1
        assert shifts[index].users == users, (t, schedule)
