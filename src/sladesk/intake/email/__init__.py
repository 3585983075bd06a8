"""The framework-free email layer: parse raw mail, separate the new text, thread, stop loops.

Nothing here imports Django or touches a database; the intake adapter calls these functions
with the raw bytes it has already stored. See ``docs/email.md`` for the guarantees.
"""

from sladesk.intake.email.mime import Attachment
from sladesk.intake.email.parse import ParsedMessage, parse_message

__all__ = ["Attachment", "ParsedMessage", "parse_message"]
