"""Macros and saved views are edited in the desk, in a real browser: an agent adds, edits
and deletes a personal macro and sees no Edit on a shared one; an admin edits the shared
saved view's filters and the inbox shows the edited view; the edit pages pass axe."""

from __future__ import annotations

import re

import pytest

from support.browser import axe_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_adds_edits_and_deletes_a_personal_macro(page, live_server, demo):
    from sladesk.macros.models import Macro

    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/desk/macros/")
    # the demo's shared macros are usable but not editable by an agent
    shared = Macro.objects.get(name="Need logs")
    assert page.locator(f"[data-edit-macro='{shared.pk}']").count() == 0
    # when bob adds a personal macro
    form = page.locator("[data-macro-form]")
    form.locator("#id_name").fill("Reboot")
    form.locator("#id_body").fill("Hi {{ requester.name }}, please reboot.")
    form.locator("#id_tags").fill("reboot")
    form.get_by_role("button", name="Save macro").click()
    page.wait_for_selector("text=Macro “Reboot” saved (personal).")
    mine = Macro.objects.get(name="Reboot")
    assert mine.owner.username == "bob"
    # and edits it: a status change, the tag replaced
    page.get_by_role("link", name="Edit macro Reboot").click()
    page.wait_for_url(f"**/desk/macros/{mine.pk}/")
    assert page.locator("#id_body").input_value() == "Hi {{ requester.name }}, please reboot."
    assert axe_violations(page) == []
    page.fill("#id_tags", "reboot, waiting")
    page.select_option("#id_macro_status", "pending")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("text=Macro “Reboot” saved (personal).")
    mine.refresh_from_db()
    assert (mine.tags, mine.status) == ("reboot, waiting", "pending")
    row = page.locator(f"tr[data-macro='{mine.pk}']").inner_text()
    assert "tags reboot, waiting" in row and "status pending" in row
    # an unknown placeholder is refused on the edit page, nothing changes
    page.get_by_role("link", name="Edit macro Reboot").click()
    page.fill("#id_body", "{{ ticket.secret }}")
    page.get_by_role("button", name="Save changes").click()
    assert "unknown placeholder ticket.secret" in page.locator("[role=alert]").inner_text()
    mine.refresh_from_db()
    assert mine.body == "Hi {{ requester.name }}, please reboot."
    # and deletes it
    page.goto(f"{live_server.url}/desk/macros/")
    page.get_by_role("button", name="Delete macro Reboot").click()
    page.wait_for_selector("text=Macro “Reboot” deleted.")
    assert not Macro.objects.filter(pk=mine.pk).exists()


def test_an_admin_edits_the_shared_view_and_agents_only_use_it(page, live_server, demo):
    from sladesk.desk.models import SavedView

    shared = SavedView.objects.get(name="P1 newest")
    # an agent uses the shared view but has no edit link for it
    sign_in(page, live_server, "alice")
    assert page.locator(f"[data-saved-view='{shared.pk}']").count() == 1
    assert page.locator(f"[data-edit-view='{shared.pk}']").count() == 0
    # an admin edits it: P2 instead of P1, Acme only, sorted by next due
    page.context.clear_cookies()
    sign_in(page, live_server, "admin", "admin")
    page.goto(f"{live_server.url}/desk/")
    page.get_by_role("link", name="Edit view P1 newest").click()
    page.wait_for_url(f"**/desk/views/{shared.pk}/edit/")
    assert axe_violations(page) == []
    assert page.locator("#id_shared").is_checked()
    page.fill("#id_name", "Acme P2")
    page.select_option("#id_priority", "P2")
    page.select_option("#id_organization", label="Acme Robotics")
    page.select_option("#id_sort", "due")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_selector("text=View “Acme P2” saved (shared).")
    # then the inbox shows the edited view: Acme's P2 tickets only
    link = page.locator(f"[data-saved-view='{shared.pk}']")
    assert link.get_attribute("aria-current") == "page"
    assert re.search(r"Acme P2\s+\(shared\)", link.inner_text())
    orgs = page.locator("#inbox-list tbody tr[data-ticket] td:nth-child(5)").all_inner_texts()
    prios = page.locator("#inbox-list tbody tr[data-ticket] td.prio").all_inner_texts()
    assert orgs and all(o.startswith("Acme Robotics") for o in orgs)
    assert set(prios) == {"P2"}
    shared.refresh_from_db()
    assert shared.owner_id is None
