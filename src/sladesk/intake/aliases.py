"""An organization's email aliases: its `InboundAddress` rows, the one source of truth.

The API's ``email_aliases`` on an organization, the admin's inline on the organization
page and the *Inbound addresses* admin all show and edit the same rows, and the SMTP server
accepts RCPT for the domain of every enabled one (`routing.accepts_domain`). So an
address the API lists is always one mail is accepted and routed for.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from sladesk.accounts.models import Organization

from .models import InboundAddress

__all__ = ["AliasConflict", "alias_conflicts", "organization_aliases", "set_aliases"]


class AliasConflict(ValueError):
    """An address is already routed elsewhere (the message names it and where)."""


def _normal(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))


def organization_aliases(org: Organization) -> list[str]:
    """The enabled addresses routed to ``org`` (uses a prefetched ``inbound_addresses``)."""
    return sorted(a.address for a in org.inbound_addresses.all() if a.enabled)


def alias_conflicts(org: Organization | None, addresses: Iterable[str]) -> list[str]:
    """Why some of ``addresses`` cannot be ``org``'s (routed to another organization, or a
    shared address of no organization), one sentence each."""
    wanted = _normal(addresses)
    rows = InboundAddress.objects.filter(address__in=wanted).select_related("organization", "team")
    problems = []
    for row in rows:
        if org is not None and row.organization_id == org.pk:
            continue
        where = (
            f"organization {row.organization.name}"
            if row.organization
            else "a shared address (no organization)"
        )
        problems.append(f"{row.address} is already routed to {where}")
    return problems


def set_aliases(org: Organization, addresses: Iterable[str]) -> list[str]:
    """Make ``addresses`` exactly ``org``'s routes: rows of ``org`` not listed are deleted,
    listed ones created (kind ``customer``) or re-enabled; a row's team and default
    priority are kept. Raises `AliasConflict` when one is routed elsewhere."""
    wanted = _normal(addresses)
    problems = alias_conflicts(org, wanted)
    if problems:
        raise AliasConflict("; ".join(problems))
    with transaction.atomic():
        InboundAddress.objects.filter(organization=org).exclude(address__in=wanted).delete()
        have = set(
            InboundAddress.objects.filter(organization=org).values_list("address", flat=True)
        )
        InboundAddress.objects.filter(organization=org, address__in=wanted, enabled=False).update(
            enabled=True
        )
        for address in wanted:
            if address not in have:
                InboundAddress.objects.create(address=address, organization=org, kind="customer")
    return wanted
