"""Working faster in a real browser: a bulk action on three inbox rows, a macro previewed
and applied, keyboard shortcuts with partial page updates, and a satisfaction rating round
trip (survey mail captured by a loopback SMTP server, link clicked, shown on the desk)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from support.browser import shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _acme_tickets(n: int, prefix: str):
    from sladesk.accounts.models import Contact
    from sladesk.tickets import services

    contact = Contact.objects.get(user__username="acme")
    return [
        services.open_ticket(
            organization=contact.organization,
            requester=contact,
            subject=f"{prefix} {i}",
            description="Trackers offline.",
            priority="P3",
            actor=contact,
        )
        for i in range(n)
    ]


def test_bulk_tags_on_three_rows(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    # given three new Acme tickets
    tickets = _acme_tickets(3, "Bulk outage")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/?view=all&q=Bulk+outage")
    # when alice ticks the three rows and adds a tag to all of them
    for t in tickets:
        page.check(f"input[data-bulk-pick][value='{t.pk}']")
    assert page.locator("[data-bulk-count]").inner_text() == "3"
    page.select_option("#bulk-action", "tags")
    assert page.locator("label[data-for='assign']").first.is_hidden()
    page.fill("#bulk-form input[name=tags]", "outage-eu")
    shot(page, "bulk")
    page.get_by_role("button", name="Apply to ticked").click()
    # then the inbox says what happened per ticket and each ticket has the tag
    page.wait_for_selector("text=Add tags: 3 of 3 done.")
    for t in tickets:
        assert "outage-eu" in Ticket.objects.get(pk=t.pk).tags.values_list("name", flat=True)
        assert f"#{t.pk}: tags added: outage-eu" in page.locator(".flash").inner_text()


def test_a_macro_is_previewed_and_applied(page, live_server, demo):
    from sladesk.macros.models import Macro
    from sladesk.tickets.models import Message, Ticket

    (ticket,) = _acme_tickets(1, "Macro test")
    Macro.objects.create(
        name="Restart advice",
        body="Hello {{ requester.name }}, please restart the gateway. — {{ agent.first_name }}",
        tags="restart",
        assign_to_me=True,
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.select_option("#id_macro", label="Restart advice")
    page.click("[data-preview-macro]")
    # then the preview shows the rendered reply, in place (htmx)
    preview = page.locator("[data-macro-reply]")
    preview.wait_for()
    assert "please restart the gateway. — Alice" in preview.inner_text()
    assert page.url.endswith(f"/desk/tickets/{ticket.pk}/")
    shot(page, "macro")
    page.click("[data-apply-macro]")
    page.wait_for_selector("text=Macro “Restart advice” applied")
    assert Ticket.objects.get(pk=ticket.pk).assignee.username == "alice"
    assert Message.objects.filter(
        ticket=ticket, body_text__contains="please restart the gateway"
    ).exists()


def test_keys_assign_and_solve_without_a_full_reload(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    (ticket,) = _acme_tickets(1, "Keys test")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.evaluate("window.__sameDocument = true")
    # ? shows the help overlay, Escape hides it
    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#shortcut-help").is_hidden()
    # a assigns to me: swapped in place (the page's window survives)
    page.keyboard.press("a")
    page.wait_for_selector("text=is assigned to you")
    assert Ticket.objects.get(pk=ticket.pk).assignee.username == "alice"
    # r, type, s: the reply is sent and the ticket solved, still the same document
    page.keyboard.press("r")
    page.keyboard.type("Fixed: firmware 4.2 rolled out.")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    page.wait_for_selector("text=Reply sent; status: solved.")
    assert page.evaluate("window.__sameDocument") is True
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"


def test_satisfaction_round_trip(page, live_server, demo, settings):
    from aiosmtpd.controller import Controller

    from sladesk.notify.outbox import deliver_due
    from sladesk.satisfaction.models import SatisfactionRating

    # given a capturing SMTP server on loopback for the outbox
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
            received.append(envelope.original_content)
            return "250 OK"

    class Ephemeral(Controller):  # port 0: learn the port before aiosmtpd's self-check
        def _trigger_server(self) -> None:
            if not self.port and self.server is not None:
                self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    smtp = Ephemeral(Handler(), hostname="127.0.0.1", port=0)
    smtp.start()
    try:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        (ticket,) = _acme_tickets(1, "Survey test")
        # when alice solves the ticket from the desk
        sign_in(page, live_server, "alice")
        page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
        page.fill("#id_body", "All trackers are back.")
        page.click("[data-send-then=solved]")
        page.wait_for_selector("text=Reply sent; status: solved.")
        deliver_due()
    finally:
        smtp.stop()
    # then the requester got the survey mail with two links
    surveys = [message_from_bytes(raw, policy=policy.default) for raw in received]
    survey = next(
        m for m in surveys if str(m["Subject"]).startswith(f"[#{ticket.pk}] How did we do?")
    )
    body = survey.get_body(preferencelist=("plain",)).get_content()
    good = re.search(r"Good: (\S+)", body).group(1)
    path = "/" + good.split("/", 3)[3]
    # when the customer clicks "good" (signed out) and leaves a comment
    page.context.clear_cookies()
    page.goto(live_server.url + path)
    page.wait_for_selector("[data-rating=good]")
    page.fill("#id_comment", "Quick and clear, thanks!")
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_selector("[data-comment]")
    stored = SatisfactionRating.objects.get(ticket=ticket)
    assert (stored.rating, stored.comment) == ("good", "Quick and clear, thanks!")
    # and the desk's satisfaction page shows it
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/satisfaction/")
    latest = page.locator(f"[data-survey='{ticket.pk}']").inner_text()
    assert "Good" in latest and "Quick and clear, thanks!" in latest
    assert "alice" in page.locator("[data-group=agent]").inner_text()
