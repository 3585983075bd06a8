"""The policy registry: every ``policies/*.yaml`` loaded once, plus snapshot texts by digest.

Two ways to get a `sladesk.sla.Policy`:

- `get_policy(name)`: the *current* file whose ``name:`` is ``name`` in
  ``settings.SLADESK_POLICY_DIR``. The directory is scanned once; a file whose text changed
  (different sha256) is re-parsed on the next `reload()`. Used when a ticket is opened
  (its snapshot is taken from here) and by the explicit ``retarget_policy`` service.
- `policy_from_text(text)`: the policy a ticket was opened under, parsed from the ticket's
  snapshot text and cached by the text's sha256. Editing a file never changes these.
- `policy_for_digest(digest, text)`: the same policy found by the snapshot's digest
  (``PolicyVersion.digest``), so a reader that knows the digest never loads or hashes the
  text; ``text`` (a string, or a callable that loads it) is only used on a miss.
- `targets_for(policy, priority, plan, region)`: ``policy.targets(...)``, memoised per
  policy digest and key (a `Target` is frozen), for readers that show many tickets.

Every cache here is process-wide and only grows with the number of distinct policy texts
(and, for targets, priorities × plans × regions of each): policy versions are immutable.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from sladesk.sla import Policy, PolicyError

__all__ = [
    "PolicyFile",
    "available_policies",
    "get_policy",
    "policy_for_digest",
    "policy_from_text",
    "reload",
    "targets_for",
    "text_digest",
]

_lock = threading.RLock()  # re-entrant: _scan() parses files through policy_from_text()
_by_digest: dict[str, Any] = {}
_by_text: dict[str, Any] = {}  # the same policies, by their text (no hashing on a hit)
_targets: dict[tuple[str, str, str | None, str | None], dict[str, Any]] = {}
_MAX_TEXTS = 256  # bounds for a process that sees unusually many policy versions
_MAX_TARGETS = 4096
_files: dict[str, PolicyFile] | None = None


@dataclass(frozen=True)
class PolicyFile:
    """One loaded policy file: its path, its text, the text's sha256 and the parsed policy."""

    path: Path
    text: str
    digest: str
    policy: Policy


def text_digest(text: str) -> str:
    """sha256 hex digest of a policy text (UTF-8); the policy's version identity."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_from_text(text: str, *, source: str = "<snapshot>"):  # -> sladesk.sla.Policy
    """Parse ``text`` once per distinct text (cached by sha256, process-wide).

    A text seen before is found by the string itself (one dict lookup) before hashing it:
    tickets read from the database carry the same snapshot text over and over.
    """
    got = _by_text.get(text)
    if got is not None:
        return got
    digest = text_digest(text)
    got = _by_digest.get(digest)
    if got is None:
        from sladesk.sla import load_policy_text

        got = load_policy_text(text, source=source)
        with _lock:
            got = _by_digest.setdefault(digest, got)
    with _lock:
        if len(_by_text) < _MAX_TEXTS:
            _by_text[text] = got
    return got


def policy_for_digest(
    digest: str, text: str | Callable[[], str], *, source: str = "<snapshot>"
):  # -> sladesk.sla.Policy
    """The policy whose text has sha256 ``digest``; parses ``text`` (or ``text()``) on a miss.

    A snapshot's digest identifies its text exactly, so a hit needs neither the text nor a
    hash. On a miss the loaded text is parsed and checked against ``digest``
    (`PolicyError` if it differs: the caller passed another version's text).
    """
    got = _by_digest.get(digest)
    if got is not None:
        return got
    loaded = text() if callable(text) else text
    policy = policy_from_text(loaded, source=source)
    if policy.digest != digest:
        raise PolicyError(f"policy text of {source} has digest {policy.digest}, not {digest}")
    return policy


def targets_for(policy: Any, priority: str, plan: str | None, region: str | None) -> dict[str, Any]:
    """``policy.targets(priority, plan, region)`` (metric -> frozen `Target`), memoised.

    Do not mutate the returned dict: it is shared by every caller with the same key.
    """
    key = (policy.digest, priority, plan or None, region or None)
    got = _targets.get(key)
    if got is None:
        got = policy.targets(priority, plan=plan or None, region=region or None)
        with _lock:
            if len(_targets) < _MAX_TARGETS:
                _targets[key] = got
    return got


def _scan() -> dict[str, PolicyFile]:
    global _files
    if _files is not None:
        return _files
    with _lock:
        if _files is not None:
            return _files
        found: dict[str, PolicyFile] = {}
        directory = Path(settings.SLADESK_POLICY_DIR)
        for path in sorted(directory.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            policy = policy_from_text(text, source=path.name)
            name = policy.name
            if name in found:
                raise PolicyError(
                    f"two policy files are named {name!r}: {found[name].path.name} and {path.name}",
                    file=str(path),
                )
            found[name] = PolicyFile(path, text, text_digest(text), policy)
        _files = found
        return found


def available_policies() -> dict[str, PolicyFile]:
    """All policy files by policy name (loaded on first use)."""
    return dict(_scan())


def get_policy(name: str) -> PolicyFile:
    """The current policy file named ``name``; `PolicyError` names the known ones if absent."""
    files = _scan()
    try:
        return files[name]
    except KeyError:
        known = ", ".join(sorted(files)) or "none"
        raise PolicyError(
            f"no policy named {name!r} in {settings.SLADESK_POLICY_DIR} (known: {known})"
        ) from None


def reload() -> None:
    """Forget the scanned directory (snapshots parsed by digest stay cached: they are immutable)."""
    global _files
    with _lock:
        _files = None
