"""The only writers of ticket state. Each service runs in one transaction and logs events.

Conventions shared by every function here:

- ``actor`` is who acts: a ``User`` (agent, admin, or a contact's login), a `Contact`, or
  None for the system. It is written to every `TicketEvent` the call produces.
- The current instant is `sladesk.core.time.now()`, read once per call.
- An existing ticket is locked (``SELECT ... FOR UPDATE``; SQLite serialises writers with
  ``BEGIN IMMEDIATE``) and its clocks are refreshed first, so a breach that happened before
  this action is recorded at its real instant before the action changes anything.
- Log entries are built by `sladesk.tickets.events` (one constructor per kind) and written
  with one insert per call.
- What the apps above do about a change (timers, pages, escalation mail, customer mail)
  they do as reactions to the typed events a service announces inside its transaction
  (`sladesk.tickets.announce`); the services never import those apps.
- Every clock change is a ``clock`` event with ``{"metric", "from", "to", "due_at",
  "reason", "used_seconds", ...}`` (see `sladesk.tickets.clocks`).

Which clocks what moves (``next_update`` starts with the first public agent reply):

=====================  ===========================================================
first public agent     first_response met; next_update (re)starts
reply
later public agent     next_update restarts (the customer waits for the next one)
reply
customer reply         pending → open (clocks resume); on solved within
                       ``SLADESK_REOPEN_WINDOW`` → reopened; later, or on closed →
                       a follow-up ticket is opened and the message goes there
set_pending            clocks whose target ``pauses_when_pending`` pause
resume                 paused clocks resume, used time kept
assign (team/agent)    dispatch met; new → open
add_tags               no clock moves (tags added, e.g. by a policy action)
change_priority        open clocks re-targeted (same used time); a resolution
                       with ``met_by_downgrade_to`` is met by a downgrade that far
                       and restarts under the new priority's target
solve                  resolution met; other open clocks cancelled
reopen                 resolution counts again (used kept); next_update restarts
merge A into B         A's open clocks cancelled (timers too), A closed; B's kept
split                  the new ticket's clocks start at the first moved message
escalate               no clock moves (the ladder names people, not targets)
=====================  ===========================================================

Merge, split and link: `sladesk.tickets.services.relations`; files on messages:
`sladesk.tickets.services.attachments`; the escalation ladder:
`sladesk.tickets.services.escalation`.
"""

from __future__ import annotations

from .attachments import MAX_ATTACHMENT_BYTES, add_attachments, link_inline_images
from .base import TRANSITIONS, InvalidTransition, ServiceError, breach_due_clocks
from .conversation import add_note, opened_follow_up, reply
from .escalation import ESCALATION_FIELDS, check_custom_fields, escalate, escalation_level
from .fields import add_tags, assign, retarget_policy, update_fields
from .lifecycle import (
    change_priority,
    change_status,
    close,
    reopen,
    resume,
    set_on_hold,
    set_pending,
    solve,
)
from .opening import Opening, OpenRequest, open_ticket, open_tickets, refresh_clocks
from .relations import link, merge, merge_target, split, unlink

__all__ = [
    "ESCALATION_FIELDS",
    "MAX_ATTACHMENT_BYTES",
    "TRANSITIONS",
    "InvalidTransition",
    "OpenRequest",
    "Opening",
    "ServiceError",
    "add_attachments",
    "add_note",
    "add_tags",
    "assign",
    "breach_due_clocks",
    "change_priority",
    "change_status",
    "check_custom_fields",
    "close",
    "escalate",
    "escalation_level",
    "link",
    "link_inline_images",
    "merge",
    "merge_target",
    "open_ticket",
    "open_tickets",
    "opened_follow_up",
    "refresh_clocks",
    "reopen",
    "reply",
    "resume",
    "retarget_policy",
    "set_on_hold",
    "set_pending",
    "solve",
    "split",
    "unlink",
    "update_fields",
]
