"""The customer portal under ``/portal/``: a contact's organization's tickets, new ticket,
reply, escalate."""
