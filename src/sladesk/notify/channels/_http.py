"""One HTTP POST with explicit timeouts, classified into a `DeliveryResult` (internal).

Redirects are not followed (a 3xx is a permanent failure: a webhook that moved must be
re-configured, and following it could send a signed payload somewhere unexpected).
Proxies from the environment (``HTTPS_PROXY``, ``NO_PROXY``) are honoured.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from ..retry import classify_http_status, parse_retry_after
from .base import DeliveryResult, Outcome, redact, redacting, url_secrets

__all__ = ["HttpAnswer", "post", "warm_client"]

_SNIPPET_CHARS = 200
USER_AGENT = "sladesk-notify/1"


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """The classified result plus the (redacted, shortened) response body, if any."""

    result: DeliveryResult
    body: str = ""


def _snippet(text: str, secrets: Iterable[str | None]) -> str:
    return redact(" ".join(text.split())[:_SNIPPET_CHARS], secrets)


_local = threading.local()


def _forget_clients_after_fork() -> None:
    """A forked child must not write on its parent's keep-alive sockets: it starts afresh."""
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_clients_after_fork)


def _thread_client() -> httpx.Client:
    """One keep-alive client per thread, reused across sends (every HTTP channel: Slack,
    PagerDuty, webhooks; not across a ``fork``).

    Building an ``httpx.Client`` loads the CA bundle (~36 ms of CPU here), which capped a
    delivery thread at ~20 sends/s when every send built its own. Timeouts are per request.
    """
    got: httpx.Client | None = getattr(_local, "client", None)
    if got is None:
        got = _local.client = httpx.Client(follow_redirects=False)
    return got


def warm_client() -> None:
    """Build this thread's keep-alive client now, before its first send needs it."""
    _thread_client()


def post(
    url: str,
    content: bytes,
    *,
    headers: Mapping[str, str],
    timeout: float,
    connect_timeout: float,
    secrets: Iterable[str | None] = (),
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> HttpAnswer:
    """POST ``content`` to ``url`` once and classify the answer.

    ``timeout`` bounds each read/write/pool wait and ``connect_timeout`` the TCP+TLS
    connect, in seconds. ``secrets`` (plus ``url`` and its parts, see `url_secrets`) are
    redacted from the detail.
    ``now`` (aware) is used to interpret an HTTP-date ``Retry-After``.
    Never raises for network problems: timeouts and transport errors become ``retry``,
    an unusable URL becomes ``failed``.
    """
    secrets = (*url_secrets(url), *secrets)
    request_headers = {"User-Agent": USER_AGENT, **headers}
    limits = httpx.Timeout(timeout, connect=connect_timeout)
    with redacting(*secrets):
        try:
            response = (client or _thread_client()).post(
                url,
                content=content,
                headers=request_headers,
                timeout=limits,
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            return HttpAnswer(DeliveryResult.retry(detail=f"timed out ({type(exc).__name__})"))
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return HttpAnswer(
                DeliveryResult.failed(detail="the configured endpoint URL is invalid")
            )
        except httpx.TransportError as exc:
            return HttpAnswer(
                DeliveryResult.retry(detail=f"connection error ({type(exc).__name__})")
            )
        status = response.status_code
        body = _snippet(response.text, secrets)
    outcome = classify_http_status(status)
    detail = f"HTTP {status}" + (f": {body}" if body else "")
    if outcome is Outcome.DELIVERED:
        return HttpAnswer(DeliveryResult.delivered(status, detail), body)
    if outcome is Outcome.RETRY:
        retry_after = parse_retry_after(
            response.headers.get("Retry-After"), now=now or datetime.now(UTC)
        )
        return HttpAnswer(DeliveryResult.retry(status, detail, retry_after), body)
    return HttpAnswer(DeliveryResult.failed(status, detail), body)
