"""What a mail may do, by whether its sender is verified (issue 13).

A mail is *verified* when its authentication passed (`MailAuthentication.verdict`
``pass``), an agent confirmed its sender, an agent accepted it ("create ticket"), or the
policy ``SLADESK_EMAIL["unverified_mail"]`` is ``trusted``. Verified mail behaves as it
always did. Unverified mail under the default policy ``restricted``:

* may open a ticket or add to one where routing allows it;
* never pages on-call (`OpenRequest.may_page` is False);
* never gets a priority above the policy's default: a ``[P1]`` tag or a route's default
  priority more urgent than it is *held* (``InboundMessage.held``) and the ticket opens at
  the default;
* threads by ``[#N]`` in the subject only when the sender is that ticket's requester or
  one of the people on its mail thread (`outbound.mail_recipients`): a Message-ID or a
  signed reply address proves the sender received our mail, a typed number does not;
* never becomes a contact from a domain match (only existing contacts are found).

An agent confirms the sender (`sladesk.intake.confirm.confirm_sender`): the held priority
then applies and on-call is paged as for verified mail. A verified sender's new tickets
page once per ``page_coalesce_window`` (an outage burst of fifty mails pages once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sladesk.accounts.models import Organization
from sladesk.intake.email.authenticate import MailAuthentication
from sladesk.notify.models import Page
from sladesk.tickets.models import Ticket

from .conf import EmailConf
from .models import InboundMessage
from .outbound import mail_recipients

__all__ = ["OpenTerms", "is_verified", "may_thread_by_number", "open_terms"]


def is_verified(
    row: InboundMessage, auth: MailAuthentication, cfg: EmailConf, accept: bool
) -> bool:
    """Whether ``row`` is treated as verified mail (see the module docstring)."""
    return (
        accept or auth.verified or row.confirmed_at is not None or cfg.unverified_mail == "trusted"
    )


def may_thread_by_number(ticket: Ticket, sender: str, verified: bool) -> bool:
    """Whether a ``[#N]`` naming ``ticket`` may thread a mail from ``sender``."""
    if verified:
        return True
    sender = sender.strip().lower()
    if ticket.requester_id is not None and ticket.requester.email.lower() == sender:
        return True
    return sender in mail_recipients(ticket)


@dataclass
class OpenTerms:
    """How a new ticket from mail opens: its priority, whether it may page, what is held."""

    priority: str | None
    set_by: str
    may_page: bool
    held: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def open_terms(
    policy: Any,
    organization: Organization,
    priority: str | None,
    set_by: str,
    *,
    verified: bool,
    identity: str,
    paged: set[str],
    cfg: EmailConf,
    now: datetime,
) -> OpenTerms:
    """The terms of a new ticket (see the module docstring). ``paged`` is the batch's set of
    verified identities that paged already (updated here)."""
    expected = policy.apply_rules(priority, {}, set_by=set_by).priority
    pages = policy.pages_on_create(
        expected, now, organization.plan or None, organization.region or None
    )
    if not verified:
        held: dict[str, Any] = {}
        if priority is not None and policy.rank(priority) < policy.rank(policy.default_priority):
            held.update(priority=priority, set_by=set_by)
            priority, set_by = None, "customer"
        if pages:
            held["page"] = pages
        note = (
            "unverified sender: "
            + (
                f"requested priority {held['priority']} held"
                if "priority" in held
                else "no priority raised"
            )
            + ("; on-call not paged" if pages else "")
        )
        return OpenTerms(priority, set_by, False, held, note if held else "")
    if not pages or not identity:
        return OpenTerms(priority, set_by, True)
    since = now - timedelta(seconds=cfg.page_coalesce_window)
    if (
        identity in paged
        or Page.objects.filter(
            ticket__inbound_mail__identity=identity, created_at__gte=since
        ).exists()
    ):
        return OpenTerms(
            priority,
            set_by,
            False,
            {},
            (
                f"on-call already paged for {identity} "
                f"within {cfg.page_coalesce_window:g} s: not paged again"
            ),
        )
    paged.add(identity)
    return OpenTerms(priority, set_by, True)
