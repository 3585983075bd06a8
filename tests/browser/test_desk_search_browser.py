"""Full-text search in the desk, in a real browser: words in any order across the subject
and the organization's name, a prefix, within the view; a phrase from a message body."""

from __future__ import annotations

import pytest

from support.browser import shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _row_subjects(page) -> list[str]:
    return [
        t.split(" ", 1)[1]
        for t in page.locator(
            "#inbox-list tbody tr[data-ticket] td:nth-child(3) a"
        ).all_inner_texts()
    ]


def test_search_finds_words_in_any_order_and_a_phrase_from_a_message(page, live_server, demo):
    sign_in(page, live_server, "alice")
    # when alice searches the organization's name and a prefix of a subject word
    page.keyboard.press("/")
    page.keyboard.type("ota* acme")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=ota*")
    # then Acme's OTA ticket is found, and not FieldSense's
    found = _row_subjects(page)
    assert found == ["Fleet offline after OTA to 5.8.0"], found
    assert page.locator("#q").input_value() == "ota* acme"
    assert page.locator("[data-sorted]").inner_text().startswith("Best match first")
    shot(page, "search")
    # a phrase from an agent's reply finds the tickets with that reply, in the view
    page.fill("#q", '"looking into it"')
    page.keyboard.press("Enter")
    page.wait_for_url("**looking**")
    replied = _row_subjects(page)
    assert "Invoice shows wrong SIM count" in replied
    assert "Fleet offline after OTA to 5.8.0" not in replied
    # the words in another order are not the phrase
    page.fill("#q", '"it into looking"')
    page.keyboard.press("Enter")
    page.wait_for_url("**it+into**")
    assert _row_subjects(page) == []
