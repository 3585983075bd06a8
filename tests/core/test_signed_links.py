"""Page acknowledgement links carry the page id and issue time only; receivers get random keys."""

from __future__ import annotations

import base64
import json
import time
import zlib

import pytest

from sladesk.notify.links import sign_link
from sladesk.notify.models import Page
from sladesk.notify.pages import _SALT, ack_token, page_for_token
from sladesk.tickets import services

pytestmark = pytest.mark.django_db


def _claim(token: str) -> dict[str, object]:
    body = token.split(":")[0]
    raw = base64.urlsafe_b64decode(body.lstrip(".") + "=" * (-len(body.lstrip(".")) % 4))
    return dict(json.loads(zlib.decompress(raw) if body.startswith(".") else raw))


def _pages(desk, n: int) -> list[Page]:
    org = desk.make_org("particle-enterprise", region="na")
    contact = desk.make_contact(org)
    for i in range(n):
        services.open_ticket(organization=org, requester=contact, subject=f"Fleet down {i}",
                             description="All devices offline", priority="P1")  # fmt: skip
    return list(Page.objects.order_by("pk"))


def test_the_ack_link_names_the_page_and_no_part_of_its_key(desk, client):
    # given a P1 page and its acknowledgement link
    [page] = _pages(desk, 1)
    token = ack_token(page)
    # then the token carries the page id and its issue time, nothing of the page key
    assert set(_claim(token)) == {"page", "iat"}
    for n in range(8, len(page.key) + 1):
        assert page.key[-n:] not in token and page.key[:n] not in token
    # and it acknowledges that page
    assert page_for_token(token) == page
    assert client.post(f"/notify/ack/{token}/").status_code == 200


def test_an_ack_link_dated_in_the_future_is_refused(desk, client):
    # given a correctly signed link for a real page, dated in the year 2100
    [page] = _pages(desk, 1)
    token = sign_link({"page": page.pk}, salt=_SALT, now=4102444800)
    # then it names no page and the link page is 404
    assert page_for_token(token) is None
    assert client.post(f"/notify/ack/{token}/").status_code == 404
    page.refresh_from_db()
    assert page.state == "triggered"
    # and an expired one (8 days old; links last 7) is refused as well
    assert page_for_token(sign_link({"page": page.pk}, salt=_SALT, now=time.time() - 8 * 86400)) is None


def test_receivers_get_random_keys_unrelated_to_each_other_or_the_secret(desk, settings):
    # given two pages
    first, second = _pages(desk, 2)
    # then each key is a fresh random id (uuid4 hex), not derived from SECRET_KEY
    for page in (first, second):
        assert page.key.startswith("sladesk-page-") and len(page.key) == len("sladesk-page-") + 32
        assert settings.SECRET_KEY[:8] not in page.key
    assert first.key[-12:] != second.key[-12:]


def test_stored_secrets_and_reply_addresses_survive_key_rotation_with_a_fallback(settings):
    # given a stored secret encrypted and a reply address signed under the old key
    from sladesk.core.secrets import decrypt, encrypt
    from sladesk.intake.conf import conf as email_conf

    old, new = "o" * 20 + "ld-key-" + "x1y2z3" * 5, "n" * 20 + "ew-key-" + "a1b2c3" * 5
    settings.SLADESK_SECRET = ""
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old, []
    stored = encrypt("imap-password")
    [old_reply_secret] = email_conf().secrets
    # when the key is rotated, the old one kept as a fallback
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    # then both still verify, and new values use the new key first
    assert decrypt(stored) == "imap-password"
    assert email_conf().secrets[1] == old_reply_secret != email_conf().secrets[0]
    # and without the fallback the old value is unreadable (the test can fail)
    settings.SECRET_KEY_FALLBACKS = []
    assert decrypt(stored) == ""
