"""Cross-cutting helpers: the single clock (`now`), base models, the policy registry."""

from .clock import now

__all__ = ["now"]
