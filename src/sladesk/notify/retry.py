"""Retry classification and backoff for outbox deliveries.

Pure functions: no clock, no I/O, randomness only through the ``rng`` you pass.

Classification
    HTTP: 2xx delivered; 408 Request Timeout, 425 Too Early, 429 Too Many Requests and
    every 5xx retry; every other status (3xx — redirects are not followed — and 4xx) is a
    permanent failure. SMTP: 2xx/3xx accepted, 4xx retry, 5xx permanent.
    Timeouts and connection errors are always retry (the channels decide that).

Backoff
    "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): after the
    n-th failed attempt wait ``uniform(0, min(cap, base * 2**(n-1)))`` seconds. When the
    receiver sent ``Retry-After`` we never come back earlier than it asked, up to
    `RETRY_AFTER_CEILING` (a receiver cannot park a page for a day).
    With the defaults (base 2 s, cap 10 min, `MAX_ATTEMPTS` 15) there are 14 waits whose
    upper bounds add up to 4022 s, about 67 minutes (1022 s after attempts 1-9, then
    600 s each after attempts 10-14); on average about half of that passes before a
    notification is declared dead.
"""

from __future__ import annotations

import email.utils
import random
from datetime import datetime
from typing import Literal

from .channels.base import DeliveryResult, Outcome

__all__ = [
    "DEFAULT_BASE",
    "DEFAULT_CAP",
    "MAX_ATTEMPTS",
    "RETRYABLE_HTTP_STATUSES",
    "RETRY_AFTER_CEILING",
    "Decision",
    "classify_http_status",
    "classify_smtp_code",
    "decide",
    "next_attempt_delay",
    "parse_retry_after",
]

DEFAULT_BASE = 2.0
"""Seconds; the upper bound of the first wait."""
DEFAULT_CAP = 600.0
"""Seconds; no jittered wait is longer than this (10 minutes)."""
MAX_ATTEMPTS = 15
"""Attempts (the first one included) before a transiently failing notification is dead."""
RETRY_AFTER_CEILING = 3600.0
"""Seconds; a larger ``Retry-After`` is clamped to this."""
RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429})
"""4xx statuses that mean "not now" rather than "never"; every 5xx is retryable too."""

Decision = (
    tuple[Literal["deliver_again_at"], float]
    | tuple[Literal["dead"], str]
    | tuple[Literal["done"], None]
)
"""What the outbox worker does next: retry after the given seconds, dead-letter with a
reason, or mark the row delivered."""


def classify_http_status(status_code: int) -> Outcome:
    """Map an HTTP status to an outcome by the rules in the module docstring."""
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code in RETRYABLE_HTTP_STATUSES or 500 <= status_code < 600:
        return Outcome.RETRY
    return Outcome.FAILED


def classify_smtp_code(code: int) -> Outcome:
    """Map an SMTP reply code (RFC 5321 §4.2.1) to an outcome.

    2xx/3xx accepted, 4xx transient (retry), 5xx permanent. Anything else (smtplib uses
    -1 for "connection closed" and similar) is treated as transient.
    """
    if 200 <= code < 400:
        return Outcome.DELIVERED
    if 500 <= code < 600:
        return Outcome.FAILED
    return Outcome.RETRY


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait according to an HTTP ``Retry-After`` header (RFC 9110 §10.2.3).

    Accepts delta-seconds (``"120"``) or an HTTP-date, which is measured from ``now``
    (an aware datetime). A date in the past gives 0. Unparseable values give None.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        return None
    return max(0.0, (when - now).total_seconds())


def next_attempt_delay(
    attempt: int,
    *,
    base: float = DEFAULT_BASE,
    cap: float = DEFAULT_CAP,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after the ``attempt``-th failed attempt (1 = the first attempt).

    Full jitter: ``uniform(0, min(cap, base * 2**(attempt-1)))``; if ``retry_after`` is
    given, the result is at least ``min(retry_after, RETRY_AFTER_CEILING)`` (the receiver's
    wish beats the cap).
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    rng = rng or random.Random()
    # min() before the power would overflow for very large attempt numbers.
    ceiling = cap if attempt > 64 else min(cap, base * 2 ** (attempt - 1))
    delay = rng.uniform(0.0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(max(retry_after, 0.0), RETRY_AFTER_CEILING))
    return delay


def decide(
    result: DeliveryResult,
    attempt: int,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    base: float = DEFAULT_BASE,
    cap: float = DEFAULT_CAP,
    rng: random.Random | None = None,
) -> Decision:
    """What to do after the ``attempt``-th attempt (1-based) ended with ``result``.

    * delivered -> ``("done", None)``
    * failed (permanent) -> ``("dead", reason)`` at once
    * retry -> ``("deliver_again_at", seconds)`` from now, or ``("dead", reason)`` once
      ``attempt >= max_attempts``.
    """
    if result.outcome is Outcome.DELIVERED:
        return ("done", None)
    code = f" (status {result.status_code})" if result.status_code is not None else ""
    if result.outcome is Outcome.FAILED:
        return ("dead", f"permanent failure{code}: {result.detail}")
    if attempt >= max_attempts:
        return ("dead", f"gave up after {attempt} attempts{code}: {result.detail}")
    delay = next_attempt_delay(attempt, base=base, cap=cap, retry_after=result.retry_after, rng=rng)
    return ("deliver_again_at", delay)
