"""The email channel's periodic jobs (`sladesk.core.periodic`: each slot runs once across
all workers).

=====================  ===================  ===========================================
job                    every                what
=====================  ===================  ===========================================
``intake.imap``        ``imap_interval``    `imap.poll_all`: poll every enabled IMAP
                       (60 s)               mailbox, store new mail
``intake.process``     1 min                `pipeline.process_pending`: process stored
                                            mail (a safety net where no intake worker
                                            runs, e.g. ``sladesk worker`` alone)
=====================  ===================  ===========================================
"""

from __future__ import annotations

from datetime import timedelta

from sladesk.core.periodic import periodic

from .conf import conf
from .imap import poll_all
from .pipeline import process_pending

__all__ = ["poll_imap_mailboxes", "process_stored_mail"]


@periodic("intake.imap", every=timedelta(seconds=conf().imap_interval))
def poll_imap_mailboxes() -> None:
    poll_all()


@periodic("intake.process", every=timedelta(minutes=1))
def process_stored_mail() -> None:
    while process_pending() > 0:
        pass
