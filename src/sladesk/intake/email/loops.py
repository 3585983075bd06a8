"""Keeping the desk out of mail loops: which messages may open a ticket or trigger a reply.

:func:`should_create_ticket` says no to, in this order: bounces; auto-replies (see
:mod:`sladesk.intake.email.classify`); a message whose Message-ID is one sladesk sent itself
(our own mail coming back through a forwarding rule); a message *from* one of our own
addresses (a support alias writing to another). Such messages must also never get an
acknowledgement — that is what turns an out-of-office into a ping-pong loop.

The last fence for loops with a human-looking mailer on the other side is the per-sender
rate limit of the pipeline (`sladesk.intake.steps`: ``rate_limit`` messages per
``rate_window``, counted in the database so every process sees the same count).
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from sladesk.intake.email.parse import ParsedMessage

__all__ = ["should_create_ticket"]


def should_create_ticket(
    parsed: ParsedMessage,
    *,
    own_message_ids: Container[str],
    own_addresses: Iterable[str],
) -> tuple[bool, str]:
    """``(True, "ok")`` when the message may open a ticket / get an automatic answer, else
    ``(False, reason)``. ``own_addresses`` are compared case-insensitively."""
    if parsed.is_bounce:
        return False, f"bounce: {parsed.bounce_reason}"
    if parsed.auto_submitted:
        return False, f"auto-reply: {parsed.auto_submitted_reason}"
    if not parsed.message_id_synthesised and parsed.message_id in own_message_ids:
        return False, f"our own message came back: {parsed.message_id}"
    own = {address.strip().lower() for address in own_addresses}
    if parsed.from_address and parsed.from_address.lower() in own:
        return False, f"sent from our own address {parsed.from_address}"
    return True, "ok"
