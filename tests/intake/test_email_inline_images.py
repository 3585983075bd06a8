"""A mail's inline images (``<img src="cid:...">``) show in the desk and the portal from
their stored attachment files; remote images stay blocked."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest

from sladesk.intake.pipeline import process_pending
from sladesk.tickets.models import Attachment, Ticket
from support.mail import DOMAIN

pytestmark = pytest.mark.django_db(transaction=True)

_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _html_mail_with_inline_logo() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "Jane <jane@acme.example>",
        f"acme@{DOMAIN}",
        "Screenshot",
    )
    msg["Message-ID"] = make_msgid(domain="acme.example")
    msg.set_content("See the screenshot.")
    msg.add_alternative(
        '<p>See <img src="cid:shot1@acme.example" alt="shot">'
        '<img src="https://tracker.example/pixel.png"></p>',
        subtype="html",
    )
    msg.get_payload()[1].add_related(
        _PNG, maintype="image", subtype="png", cid="<shot1@acme.example>"
    )
    return msg.as_bytes(policy=SMTP)


def test_inline_image_shows_from_its_attachment_in_desk_and_portal(
    smtp_server, acme, agent, client, make_contact
):
    # given an HTML mail whose body shows an inline image by cid: (and a remote tracker)
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as smtp:
        smtp.sendmail("jane@acme.example", [f"acme@{DOMAIN}"], _html_mail_with_inline_logo())
    # when it is processed into a ticket
    process_pending()
    ticket = Ticket.objects.get()
    image = Attachment.objects.get(message__ticket=ticket, content_type="image/png")
    # then the agent's ticket page shows the image from the desk's attachment URL
    client.force_login(agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'<img src="/desk/attachments/{image.pk}/" alt="shot">' in page
    # and that URL serves the stored bytes; the remote image has no source
    assert b"".join(client.get(f"/desk/attachments/{image.pk}/").streaming_content) == _PNG
    assert "tracker.example" not in page
    # and the customer's portal page shows it from the portal's attachment URL
    client.logout()
    jane = ticket.requester
    from django.contrib.auth.models import User

    jane.user = User.objects.create_user("jane", jane.email, "pw")
    jane.save(update_fields=["user"])
    client.force_login(jane.user)
    portal = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert f'<img src="/portal/attachments/{image.pk}/" alt="shot">' in portal
