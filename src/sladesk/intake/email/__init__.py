"""The framework-free email layer: parse raw mail, separate the new text, thread, stop loops.

Nothing here imports Django or touches a database; the intake adapter calls these functions
with the raw bytes it has already stored. See ``docs/email.md`` for the guarantees.
"""

from sladesk.intake.email.loops import should_create_ticket
from sladesk.intake.email.mime import Attachment
from sladesk.intake.email.parse import ParsedMessage, parse_message
from sladesk.intake.email.reply import extract_reply
from sladesk.intake.email.sanitize import sanitize_html
from sladesk.intake.email.subject import find_ticket_ref, split_priority_tag, split_subject
from sladesk.intake.email.threading import (
    signed_reply_address,
    thread_keys,
    verify_reply_address,
)

__all__ = [
    "Attachment",
    "ParsedMessage",
    "extract_reply",
    "find_ticket_ref",
    "parse_message",
    "sanitize_html",
    "should_create_ticket",
    "signed_reply_address",
    "split_priority_tag",
    "split_subject",
    "thread_keys",
    "verify_reply_address",
]
