"""Retry classification, Retry-After parsing, full-jitter backoff and the outbox decision."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sladesk.notify import DeliveryResult, Outcome
from sladesk.notify.retry import (
    MAX_ATTEMPTS,
    RETRY_AFTER_CEILING,
    classify_http_status,
    classify_smtp_code,
    decide,
    next_attempt_delay,
    parse_retry_after,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (301, Outcome.FAILED),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (403, Outcome.FAILED),
        (404, Outcome.FAILED),
        (408, Outcome.RETRY),
        (410, Outcome.FAILED),
        (413, Outcome.FAILED),
        (422, Outcome.FAILED),
        (425, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
        (504, Outcome.RETRY),
    ],
)
def test_http_statuses_are_classified(status: int, outcome: Outcome) -> None:
    assert classify_http_status(status) is outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (250, Outcome.DELIVERED),
        (354, Outcome.DELIVERED),
        (421, Outcome.RETRY),
        (450, Outcome.RETRY),
        (451, Outcome.RETRY),
        (452, Outcome.RETRY),
        (454, Outcome.RETRY),
        (-1, Outcome.RETRY),
        (535, Outcome.FAILED),
        (550, Outcome.FAILED),
        (554, Outcome.FAILED),
    ],
)
def test_smtp_codes_are_classified(code: int, outcome: Outcome) -> None:
    assert classify_smtp_code(code) is outcome


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Mon, 02 Mar 2026 09:00:30 GMT", 30.0),
        ("Mon, 02 Mar 2026 08:59:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_retry_after_header_is_parsed(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 9, 10, 15, 200])
def test_backoff_stays_within_the_full_jitter_window(attempt: int) -> None:
    # given a seeded generator and the default base 2 s / cap 600 s
    rng = random.Random(attempt)
    window = min(600.0, 2.0 * 2 ** min(attempt - 1, 20))

    # when drawing many delays
    delays = [next_attempt_delay(attempt, rng=rng) for _ in range(200)]

    # then each lies in [0, window] and they spread over the window (it is jitter)
    assert all(0.0 <= d <= window for d in delays)
    assert max(delays) > 0.8 * window
    assert min(delays) < 0.2 * window


def test_backoff_never_comes_back_before_retry_after() -> None:
    rng = random.Random(1)
    delays = [next_attempt_delay(1, retry_after=30, rng=rng) for _ in range(50)]
    assert all(d == 30 for d in delays)  # the first window is only [0, 2]


def test_a_huge_retry_after_is_clamped_to_the_ceiling() -> None:
    assert next_attempt_delay(1, retry_after=86_400, rng=random.Random(1)) == RETRY_AFTER_CEILING


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        next_attempt_delay(0)


def test_decide_marks_a_delivered_notification_done() -> None:
    assert decide(DeliveryResult.delivered(202), 1) == ("done", None)


def test_decide_dead_letters_a_permanent_failure_at_once() -> None:
    result = DeliveryResult.failed(400, "HTTP 400: Invalid routing key")
    assert decide(result, 1) == (
        "dead",
        "permanent failure (status 400): HTTP 400: Invalid routing key",
    )


def test_decide_schedules_a_transient_failure_with_the_receivers_wait() -> None:
    result = DeliveryResult.retry(429, "HTTP 429", retry_after=12)
    assert decide(result, 3, rng=random.Random(0)) == ("deliver_again_at", 12)


def test_decide_schedules_a_transient_failure_with_backoff() -> None:
    verdict, seconds = decide(DeliveryResult.retry(None, "timed out"), 4, rng=random.Random(0))
    assert verdict == "deliver_again_at"
    assert isinstance(seconds, float)
    assert 0 <= seconds <= 16


def test_decide_gives_up_after_max_attempts() -> None:
    result = DeliveryResult.retry(503, "HTTP 503")
    assert decide(result, MAX_ATTEMPTS - 1)[0] == "deliver_again_at"
    assert decide(result, MAX_ATTEMPTS) == (
        "dead",
        f"gave up after {MAX_ATTEMPTS} attempts (status 503): HTTP 503",
    )


def test_decide_honours_a_custom_attempt_limit() -> None:
    assert decide(DeliveryResult.retry(), 2, max_attempts=2)[0] == "dead"


def test_the_default_retry_window_is_about_an_hour() -> None:
    # given the defaults, the sum of the upper bounds of all waits before giving up
    total = sum(min(600.0, 2.0 * 2 ** (n - 1)) for n in range(1, MAX_ATTEMPTS))
    # then a notification keeps being retried for roughly an hour at most (docstring claim)
    assert total == 4022
    assert timedelta(seconds=total) < timedelta(hours=1, minutes=10)
