"""Two-factor in a real browser: an agent turns it on from the header link, signs out,
and signs in again with password then code; the new pages have no serious a11y issues."""

from __future__ import annotations

import time

import pyotp
import pytest
from browser_support import axe_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_turns_on_two_factor_and_signs_in_with_a_code(page, live_server, demo):
    # given alice signed in, opening "Two-factor" from the header
    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Two-factor").click()
    found = {"setup": axe_violations(page)}
    app = pyotp.TOTP(page.locator("#totp-secret").inner_text().strip())
    # when she enters the code her app shows (the previous step's, so the next is fresh)
    page.fill("#id_code", app.at(time.time() - 30))
    page.get_by_role("button", name="Turn on two-factor").click()
    page.wait_for_url("**/desk/")
    # and signs out, then in again with her password
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "alice")
    # then she is asked for the code, and the current one opens the desk
    assert page.url.endswith("/accounts/two-factor/")
    found["code"] = axe_violations(page)
    page.fill("#id_code", app.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/desk/")
    assert found == {"setup": [], "code": []}
