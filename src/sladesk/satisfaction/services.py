"""The satisfaction survey: queued when a ticket is solved, answered by a signed link or in
the portal, summed up per agent, team and organization.

Rules (what the pages and the mail promise):

* The survey is sent **once per ticket**, when it is first solved (`TicketSolved`, in the
  solve's transaction: the row and its outbox mail commit with the solve, or neither). A
  ticket solved again after a reopen keeps its survey; while unanswered it is credited to
  whoever solved it last.
* The mail carries two links, ``…/satisfaction/<token>/good/`` and ``…/bad/``. The token is
  ``django.core.signing`` of the survey id alone (salt `SALT`, timestamped): it carries no
  secret and nothing about the customer, cannot be forged or moved to another survey, and
  expires after `LINK_MAX_AGE` (30 days).
* **The first answer is final.** A second click (the other link, the same one again, a mail
  scanner that fetched a link first, the portal) changes nothing and the page shows the
  answer that counts. After the rating the requester may add a comment, once.
* Results count answered surveys only; ``score`` is the share of good answers in percent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from sladesk.accounts.roles import Role, role_of
from sladesk.core.time import now as clock_now
from sladesk.notify import Notification
from sladesk.notify.links import absolute
from sladesk.notify.outbox import enqueue, message
from sladesk.notify.recipients import Recipient
from sladesk.tickets.access import ticket_scope_q
from sladesk.tickets.announce import TicketSolved
from sladesk.tickets.models import Status, Ticket

from .models import Rating, SatisfactionRating

__all__ = [
    "LINK_MAX_AGE",
    "SALT",
    "BadLink",
    "GroupBy",
    "Result",
    "add_comment",
    "rate",
    "rate_in_portal",
    "rating_link",
    "results",
    "survey_of_token",
    "survey_solved",
]

SALT = "sladesk.satisfaction.rating-link"
LINK_MAX_AGE = timedelta(days=30)
MAX_COMMENT = 2000
GroupBy = Literal["agent", "team", "organization"]


class BadLink(Exception):
    """A rating link that is not ours, was altered, or expired (the message says which)."""


def token_for(survey: SatisfactionRating) -> str:
    return signing.dumps(survey.pk, salt=SALT, compress=False)


def rating_link(survey: SatisfactionRating, rating: str) -> str:
    """The absolute one-click link answering ``survey`` with ``rating``."""
    return absolute(
        reverse("portal:rate_link", kwargs={"token": token_for(survey), "rating": rating})
    )


def survey_of_token(token: str) -> SatisfactionRating:
    """The survey a link's token names; `BadLink` when it is forged, altered or expired."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadLink("This rating link has expired (links are valid for 30 days).") from exc
    except signing.BadSignature as exc:
        raise BadLink(
            "This rating link is not valid; it may have been cut short in your mail program."
        ) from exc
    found = (
        SatisfactionRating.objects.select_related("ticket").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if found is None:
        raise BadLink("This rating link is not valid any more.")
    return found


def survey_solved(event: TicketSolved) -> None:
    """`TicketSolved` subscriber (in the solve's transaction): create the survey and queue
    its mail the first time; later solves only re-credit an unanswered survey. Credited to
    the ticket's assignee, else to the agent who solved it."""
    ticket: Ticket = event.ticket
    agent_id = ticket.assignee_id or (
        event.actor.pk if role_of(event.actor) in (Role.AGENT, Role.ADMIN) else None
    )
    survey, created = SatisfactionRating.objects.get_or_create(
        ticket=ticket,
        defaults={
            "organization_id": ticket.organization_id,
            "requester_id": ticket.requester_id,
            "agent_id": agent_id,
            "team_id": ticket.team_id,
            "solved_at": event.at,
        },
    )
    if not created:
        if not survey.rating:
            survey.agent_id, survey.team_id, survey.solved_at = agent_id, ticket.team_id, event.at
            survey.save(update_fields=["agent", "team", "solved_at"])
        return
    _queue_mail(ticket, survey, event.at)


def _queue_mail(ticket: Ticket, survey: SatisfactionRating, at: datetime) -> None:
    contact = ticket.requester
    if not contact.email:
        return
    name = contact.name or contact.email
    body = "\n".join(
        [
            f"Hello {name},",
            "",
            f"your ticket #{ticket.pk} ({ticket.subject}) has been solved.",
            "How did we do? One click is enough:",
            "",
            f"  Good: {rating_link(survey, Rating.GOOD)}",
            f"  Bad:  {rating_link(survey, Rating.BAD)}",
            "",
            "You can add a comment after the click. "
            "The links work for 30 days; your first answer counts.",
            "",
        ]
    )
    key = f"mail:csat:{ticket.pk}"
    subject = f"[#{ticket.pk}] How did we do? {ticket.subject}"
    domain = absolute("/").split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "sladesk.invalid"
    mail = {
        "subject": subject,
        "message_id": f"<sladesk.csat{ticket.pk}.{secrets.token_hex(6)}@{domain}>",
        "auto_submitted": "auto-generated",
    }
    notification = Notification(
        idempotency_key=key,
        channel="email",
        summary=subject,
        body=body,
        ticket_ref=f"#{ticket.pk}",
        extra={"mail": mail},
    )
    recipient = Recipient("email", f"email:{contact.email}", f"customer {contact.email}")
    enqueue(
        [
            message(
                notification,
                recipient,
                key=key,
                purpose="satisfaction_survey",
                at=at,
                ticket_id=ticket.pk,
            )
        ]
    )


def rate(survey: SatisfactionRating, rating: str, *, via: str) -> tuple[SatisfactionRating, bool]:
    """Record ``rating`` unless the survey is answered already (the first answer is final);
    returns the survey as stored and whether this call recorded it."""
    if rating not in Rating.values:
        raise ValueError(f"{rating!r} is not a rating (good or bad)")
    with transaction.atomic():
        locked = SatisfactionRating.objects.select_for_update().get(pk=survey.pk)
        if locked.rating:
            return locked, False
        locked.rating, locked.via, locked.rated_at = rating, via, clock_now()
        locked.save(update_fields=["rating", "via", "rated_at"])
    return locked, True


def add_comment(survey: SatisfactionRating, comment: str) -> bool:
    """Store the comment of an answered survey, once; False when there is one already
    (or no rating yet)."""
    text = comment.strip()[:MAX_COMMENT]
    if not text:
        raise ValueError("the comment is empty")
    return bool(
        SatisfactionRating.objects.filter(pk=survey.pk, commented_at__isnull=True)
        .exclude(rating="")
        .update(comment=text, commented_at=clock_now())
    )


def rate_in_portal(
    ticket: Ticket, contact: Any, rating: str, comment: str = ""
) -> tuple[SatisfactionRating, bool]:
    """The requester's rating from the portal (``via="portal"``): a solved or closed ticket
    only; the survey row is created when the ticket has none (solved before surveys)."""
    if ticket.requester_id != getattr(contact, "pk", None):
        raise ValueError("only the requester of a ticket rates it")
    if ticket.status not in (Status.SOLVED, Status.CLOSED):
        raise ValueError("a ticket is rated once it is solved")
    survey, _ = SatisfactionRating.objects.get_or_create(
        ticket=ticket,
        defaults={
            "organization_id": ticket.organization_id,
            "requester_id": ticket.requester_id,
            "agent_id": ticket.assignee_id,
            "team_id": ticket.team_id,
            "solved_at": ticket.solved_at or clock_now(),
        },
    )
    survey, recorded = rate(survey, rating, via="portal")
    if recorded and comment.strip():
        add_comment(survey, comment)
        survey.refresh_from_db()
    return survey, recorded


@dataclass(frozen=True)
class Result:
    """Answered surveys of one agent, team or organization (``key`` None: nobody/none)."""

    key: int | None
    name: str
    good: int
    bad: int

    @property
    def total(self) -> int:
        return self.good + self.bad

    @property
    def score(self) -> int:
        """Good answers in percent of all answers (rounded)."""
        return round(100 * self.good / self.total) if self.total else 0


_GROUPS: dict[str, tuple[str, str]] = {
    "agent": ("agent_id", "agent__username"),
    "team": ("team_id", "team__name"),
    "organization": ("organization_id", "organization__name"),
}


def results(user: Any, group_by: str) -> list[Result]:
    """Answered surveys of the tickets ``user`` may see, grouped, best score first (then
    most answers). Raises ValueError for a ``group_by`` other than agent/team/organization."""
    if group_by not in _GROUPS:
        raise ValueError(f"group_by must be agent, team or organization, not {group_by!r}")
    key, name = _GROUPS[group_by]
    qs = SatisfactionRating.objects.exclude(rating="")
    scope = ticket_scope_q(user, "ticket__")
    if scope is not None:
        qs = qs.filter(scope)
    rows = qs.values(key, name).annotate(
        good=Count("pk", filter=Q(rating=Rating.GOOD)), bad=Count("pk", filter=Q(rating=Rating.BAD))
    )
    found = [Result(r[key], r[name] or "—", r["good"], r["bad"]) for r in rows]
    return sorted(found, key=lambda r: (-r.score, -r.total, r.name))
