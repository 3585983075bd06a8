"""Immutable snapshots of policy texts that tickets run under."""

from __future__ import annotations

from django.db import models

from sladesk.core.time import now

__all__ = ["PolicyVersion"]


class PolicyVersion(models.Model):
    """One exact text of a policy file, identified by its sha256 ``digest``.

    A ticket points at the version it was opened under (its snapshot) so that editing
    ``policies/*.yaml`` never rewrites an old ticket's deadlines; moving a ticket to a newer
    version is the explicit, logged ``retarget_policy`` service. Rows are never changed:
    a new text is a new row. (Stored once per text rather than on every ticket, so a
    million tickets do not carry a million copies of the same YAML.)
    """

    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, db_index=True)
    text = models.TextField()
    source = models.CharField(max_length=300, blank=True, default="")
    first_seen_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("name", "first_seen_at")

    def __str__(self) -> str:
        return f"{self.name}@{self.digest[:12]}"

    @property
    def policy(self):  # -> sladesk.sla.Policy
        """The parsed policy (cached process-wide by digest)."""
        from sladesk.core.policies import policy_from_text

        return policy_from_text(self.text, source=self.source or f"{self.name}.yaml")
