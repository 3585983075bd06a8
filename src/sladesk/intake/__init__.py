"""Channels through which support requests arrive (email, web, chat, phone).

Each channel has a framework-free layer (parsing, classification) and, later, an adapter that
calls ``sladesk.tickets.services``.
"""

__all__: list[str] = []
