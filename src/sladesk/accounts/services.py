"""Writers of account rows that more than one screen creates (the desk's contact form, the API).

`create_contact` makes a contact in one step: the person, and — when they are to sign in
to the portal — their login, with no usable password until they set one through the
invitation link (`sladesk.web.invitations`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Contact, Organization
from .validation import zone_problem

__all__ = ["create_contact", "set_email_updates"]


def create_contact(
    organization: Organization,
    email: str,
    *,
    name: str = "",
    timezone: str = "",
    login: bool = False,
) -> Contact:
    """A new contact of ``organization``; with ``login`` also its portal user (username = the
    address, password unusable). Raises ``ValidationError`` naming the field when the address
    is already a contact of that organization, already someone's login, or the zone is bad."""
    email = email.strip()
    problems: dict[str, str] = {}
    if Contact.objects.filter(organization=organization, email__iexact=email).exists():
        problems["email"] = f"{email} is already a contact of {organization.name}"
    users = get_user_model().objects
    if login and users.filter(username__iexact=email).exists():
        problems["email"] = f"{email} already has a login; give the contact another address"
    if zone := zone_problem(timezone):
        problems["timezone"] = zone
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        user = None
        if login:
            user = users.create_user(username=email, email=email, first_name=name[:150])
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return Contact.objects.create(
            organization=organization, email=email, name=name[:200], timezone=timezone, user=user
        )


def set_email_updates(contact: Contact, wanted: bool) -> None:
    """Whether ``contact`` gets agents' replies and notices on portal / API tickets by mail."""
    if contact.email_updates != wanted:
        contact.email_updates = wanted
        contact.save(update_fields=["email_updates"])
