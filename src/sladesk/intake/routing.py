"""Routing: recipient address → organization/team/priority, sender → contact.

Recipient, in order: the SMTP envelope recipients, then ``Delivered-To``/``X-Original-To``,
``To``, ``Cc`` (`ParsedMessage.recipients`). Each is tried without its ``+suffix``
(``support+t12.ab…@`` is still ``support@``) against the enabled `InboundAddress` rows
(an organization's email aliases are such rows, `sladesk.intake.aliases`). The first match
wins.

Sender: an existing contact of the organization (by address, case-insensitive). An
unknown sender of a *verified* mail becomes a contact when the organization has
``allow_unknown_senders`` and the sender's domain is one of *its domains* — the domains of
its existing contacts, never one of the desk's own (``SLADESK_EMAIL["domains"]`` and every
routed address's domain: ``acme@particle.io`` does not make ``particle.io`` Acme's);
otherwise the mail is quarantined for an agent to accept. On a shared address (no
organization on the route) the organization is
the sender's: the organization of the contact with that address, else the one whose
domains hold the sender's domain and that allows unknown senders.

Routes are edited in the admin and can be loaded from a YAML file (`load_routes`; the SMTP
server accepts the domains of these addresses besides ``SLADESK_EMAIL["domains"]``)::

    addresses:
      - {address: acme@support.example.com, organization: acme-robotics, kind: customer}
      - {address: hosting@freistilbox.example, team: devops, kind: hosting, default_priority: high}
    imap:
      - {name: billing, host: imap.example.com, port: 993, ssl: true, username: u,
         password: p, folder: INBOX, processed_folder: Processed,
         recipient: backoffice@freistilbox.example}
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save

from sladesk.accounts.models import Contact, Organization, Team

from .conf import conf
from .models import ImapMailbox, InboundAddress

__all__ = [
    "Route",
    "accepts_domain",
    "find_contact",
    "load_routes",
    "organization_domains",
    "own_addresses",
    "route_for",
    "routing_snapshot",
]


@dataclass(frozen=True)
class Route:
    """Where a message goes: the matched address and what it says (any part may be None)."""

    address: str
    inbound: InboundAddress | None
    organization: Organization | None
    team: Team | None
    default_priority: str


def _base(address: str) -> str:
    local, at, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


def accepts_domain(address: str) -> bool:
    """Whether the SMTP server takes RCPT for ``address`` (configured or routed domain)."""
    domain = address.strip().lower().rpartition("@")[2].rstrip(">")
    if not domain:
        return False
    if domain in conf().domain_set:
        return True
    return InboundAddress.objects.filter(enabled=True, address__endswith=f"@{domain}").exists()


class _Snapshot:
    """The routing tables read once for a batch of messages (see `routing_snapshot`)."""

    def __init__(self) -> None:
        self.generation = _generation
        self.routes: dict[str, InboundAddress] | None = None
        self.own: frozenset[str] | None = None


_local = threading.local()
_generation = 0


def _changed(**_: Any) -> None:
    """An address, organization or team was saved or deleted here: snapshots reload."""
    global _generation
    _generation += 1


for _model in (InboundAddress, Organization, Team):
    post_save.connect(
        _changed, sender=_model, dispatch_uid=f"sladesk.intake.routing.{_model.__name__}.save"
    )
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"sladesk.intake.routing.{_model.__name__}.delete"
    )


def _snapshot() -> _Snapshot | None:
    snap: _Snapshot | None = getattr(_local, "snapshot", None)
    if snap is not None and snap.generation != _generation:
        snap = _local.snapshot = _Snapshot()
    return snap


@contextmanager
def routing_snapshot() -> Iterator[None]:
    """Within the block (one thread), read the addresses once, not per message.

    The processing loop wraps each batch in it: the tables are at most one batch old, and
    a change saved in this process (admin, `load_routes`) is seen at the next message.
    Outside the block every call reads the database.
    """
    outer = getattr(_local, "snapshot", None)
    _local.snapshot = outer or _Snapshot()
    try:
        yield
    finally:
        _local.snapshot = outer


def own_addresses() -> frozenset[str]:
    """Every `InboundAddress` (enabled or not), lower-case: mail from them is a loop."""
    snap = _snapshot()
    if snap is not None and snap.own is not None:
        return snap.own
    own = frozenset(InboundAddress.objects.values_list("address", flat=True))
    if snap is not None:
        snap.own = own
    return own


def _routes(candidates: list[str]) -> dict[str, InboundAddress]:
    snap = _snapshot()
    if snap is None:
        query = InboundAddress.objects.filter(address__in=candidates, enabled=True)
        return {r.address: r for r in query.select_related("organization", "team")}
    if snap.routes is None:
        query = InboundAddress.objects.filter(enabled=True).select_related("organization", "team")
        snap.routes = {r.address: r for r in query}
    return snap.routes


def route_for(recipients: Iterable[str]) -> Route | None:
    """The route of the first recipient that is one of our addresses, or None."""
    candidates = list(dict.fromkeys(_base(r) for r in recipients if r and "@" in r))
    if not candidates:
        return None
    rows = _routes(candidates)
    for address in candidates:
        row = rows.get(address)
        if row is not None:
            return Route(address, row, row.organization, row.team, row.default_priority)
    return None


def organization_domains(org: Organization) -> set[str]:
    """The organization's own mail domains: its contacts', never the desk's own (the
    configured domains and every routed address's, its aliases included)."""
    own = conf().domain_set | {a.rpartition("@")[2] for a in own_addresses()}
    domains = {e.rpartition("@")[2].lower() for e in org.contacts.values_list("email", flat=True)}
    return {d for d in domains if d and d not in own}


def find_contact(
    sender: str,
    name: str,
    organization: Organization | None,
    *,
    create: bool = False,
    by_domain: bool = True,
) -> tuple[Contact | None, str]:
    """The contact writing from ``sender`` and why not when None (see module docstring).

    ``create=True`` (an agent accepted a quarantined mail) creates the contact in
    ``organization`` whatever its settings. ``by_domain=False`` (an unverified sender)
    never creates a contact from a domain match: only existing contacts are found.
    """
    sender = sender.strip().lower()
    if not sender or "@" not in sender:
        return None, "the message has no usable From address"
    domain = sender.rpartition("@")[2]
    if organization is not None:
        contact = Contact.objects.filter(organization=organization, email__iexact=sender).first()
        if contact is not None:
            return contact, "known contact"
        if not create:
            if not by_domain:
                return (
                    None,
                    f"{sender} is not a contact of {organization.name}, "
                    "and unverified mail never becomes one",
                )
            if not organization.allow_unknown_senders:
                return (
                    None,
                    f"{sender} is not a contact of {organization.name}, "
                    "which does not accept unknown senders",
                )
            if domain not in organization_domains(organization):
                return (
                    None,
                    f"{sender} is not a contact of {organization.name} "
                    f"and {domain} is not one of its domains",
                )
        return _create_contact(organization, sender, name), "contact created"
    contact = (
        Contact.objects.filter(email__iexact=sender)
        .select_related("organization")
        .order_by("id")
        .first()
    )
    if contact is not None:
        return contact, "known contact"
    if not by_domain:
        return (
            None,
            f"unknown sender {sender}: not a contact, "
            "and unverified mail never becomes one by its domain",
        )
    for org in Organization.objects.filter(allow_unknown_senders=True).order_by("id"):
        if domain in organization_domains(org):
            return _create_contact(org, sender, name), "contact created"
    return None, f"unknown sender {sender}: not a contact of any organization"


def _create_contact(org: Organization, email: str, name: str) -> Contact:
    try:
        with transaction.atomic():
            return Contact.objects.create(organization=org, email=email, name=name[:200])
    except IntegrityError:  # created meanwhile by another message
        return Contact.objects.get(organization=org, email=email)


def load_routes(path: str | Path) -> tuple[int, int]:
    """Create or update the addresses and IMAP mailboxes listed in a YAML file.

    Returns ``(addresses, mailboxes)`` written. Organizations and teams are named by slug;
    an unknown slug is an error (``ValueError`` naming it), nothing is half-loaded.
    """
    spec: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    with transaction.atomic():
        addresses = 0
        for item in spec.get("addresses", []) or []:
            org = _by_slug(Organization, item.get("organization"))
            team = _by_slug(Team, item.get("team"))
            InboundAddress.objects.update_or_create(
                address=str(item["address"]).strip().lower(),
                defaults={
                    "organization": org,
                    "team": team,
                    "default_priority": str(item.get("default_priority", "") or ""),
                    "kind": str(item.get("kind", "support")),
                    "enabled": bool(item.get("enabled", True)),
                },
            )
            addresses += 1
        mailboxes = 0
        for item in spec.get("imap", []) or []:
            values = {
                k: item[k]
                for k in (
                    "host",
                    "port",
                    "ssl",
                    "username",
                    "password",
                    "folder",
                    "processed_folder",
                    "recipient",
                    "enabled",
                )
                if k in item
            }
            ImapMailbox.objects.update_or_create(name=item["name"], defaults=values)
            mailboxes += 1
    return addresses, mailboxes


def _by_slug(model: Any, slug: str | None) -> Any:
    if not slug:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ValueError(f"routes file: no {model.__name__} with slug {slug!r}")
    return found
