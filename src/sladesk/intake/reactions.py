"""What the e-mail channel does when the ticket layer announces something
(`sladesk.tickets.announce`); subscribed in `IntakeConfig.ready`.

All run inside the service's transaction (``IN_TRANSACTION``): the outbox rows and the
Message-IDs commit with the change, or not at all.

==============  ==============================================================================
event           reaction
==============  ==============================================================================
AgentReplied    the public reply is mailed to whoever wrote the ticket by e-mail
                (`outbound.agent_replied`)
TicketMerged    the merged ticket's mail threads belong to the ticket it was merged into
                (`outbound.merge_threads`)
TicketSplit     the moved messages' mail threads follow them to the new ticket
                (`outbound.split_threads`)
==============  ==============================================================================
"""

from __future__ import annotations

from sladesk.tickets.announce import (
    IN_TRANSACTION,
    AgentReplied,
    TicketMerged,
    TicketSplit,
    subscribe,
)

from .outbound import agent_replied, merge_threads, split_threads

__all__ = ["mail_agent_reply", "move_merged_threads", "move_split_threads", "subscribe_all"]


def mail_agent_reply(event: AgentReplied) -> None:
    agent_replied(event.message)


def move_merged_threads(event: TicketMerged) -> None:
    merge_threads(event.source, event.target)


def move_split_threads(event: TicketSplit) -> None:
    split_threads(event.message_ids, event.new)


def subscribe_all() -> None:
    """Subscribe the reactions above (idempotent)."""
    subscribe(AgentReplied, mail_agent_reply, phase=IN_TRANSACTION)
    subscribe(TicketMerged, move_merged_threads, phase=IN_TRANSACTION)
    subscribe(TicketSplit, move_split_threads, phase=IN_TRANSACTION)
