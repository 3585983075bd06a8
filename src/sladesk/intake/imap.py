"""IMAP polling (imapclient) for teams that keep their mail in another mailbox.

`poll(mailbox)` fetches unprocessed mail without marking it read (``BODY.PEEK[]``),
stores each raw message (`store_raw`, committed) unless a stored message already has its
Message-ID, and only then marks the mail processed on the server: moved to
``processed_folder`` (created if missing; ``MOVE``, else copy + delete + expunge) or
flagged ``\\Seen`` (only ``UNSEEN`` mail is fetched then). A crash between the two steps
makes the next poll find the mail again and skip storing it: idempotent by Message-ID.

Run as the periodic job ``intake.imap`` (`sladesk.intake.jobs`, every ``imap_interval``
seconds, once per slot across workers) or by ``sladesk manage poll_imap``. Errors are kept
in ``ImapMailbox.last_error``.
"""

from __future__ import annotations

import logging

from imapclient import IMAPClient

from sladesk.core.time import now

from .models import ImapMailbox, InboundMessage
from .store import quick_message_id, store_raw

__all__ = ["poll", "poll_all"]

logger = logging.getLogger(__name__)

_BATCH = 50


def _mark(client: IMAPClient, uids: list[int], mailbox: ImapMailbox) -> None:
    if not uids:
        return
    target = mailbox.processed_folder
    if not target:
        client.add_flags(uids, [b"\\Seen"])
        return
    if client.has_capability("MOVE"):
        client.move(uids, target)
    else:
        client.copy(uids, target)
        client.delete_messages(uids)
        client.expunge()


def poll(mailbox: ImapMailbox) -> tuple[int, int]:
    """Poll one mailbox; returns ``(stored, skipped as already stored)``."""
    stored = skipped = 0
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.ssl, timeout=30) as client:
        client.login(mailbox.username, mailbox.password)
        if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        client.select_folder(mailbox.folder)
        uids = client.search(["ALL"] if mailbox.processed_folder else ["UNSEEN"])
        for start in range(0, len(uids), _BATCH):
            chunk = uids[start : start + _BATCH]
            done: list[int] = []
            for uid, data in client.fetch(chunk, ["BODY.PEEK[]"]).items():
                raw = data.get(b"BODY[]")
                if raw is None:
                    continue
                if InboundMessage.objects.filter(message_id=quick_message_id(raw)).exists():
                    skipped += 1
                else:
                    store_raw(
                        raw,
                        envelope_to=[mailbox.recipient] if mailbox.recipient else [],
                        source=f"imap:{mailbox.name}",
                    )
                    stored += 1
                done.append(uid)
            _mark(client, done, mailbox)
        client.logout()
    return stored, skipped


def poll_all() -> int:
    """Poll every enabled mailbox; errors are recorded per mailbox. Returns mail stored."""
    total = 0
    for mailbox in ImapMailbox.objects.filter(enabled=True):
        try:
            stored, _ = poll(mailbox)
            total += stored
            error = ""
        except Exception as exc:
            logger.warning("imap %s: poll failed: %s", mailbox.name, type(exc).__name__)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        ImapMailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now(), last_error=error)
    return total
