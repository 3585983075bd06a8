"""SMS and calls through a Twilio-compatible API, against a real loopback receiver."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from notify_receivers import HttpReply, LoopbackHttpReceiver

from sladesk.notify import Notification, Outcome, TwilioConfig, deliver
from sladesk.notify.channels.twilio import render_twilio

MakeNotification = Callable[..., Notification]


def _config(receiver: LoopbackHttpReceiver, mode: str = "sms") -> TwilioConfig:
    return TwilioConfig(account_sid="AC123", auth_token="s3cret-token", from_number="+15550000",
                        to_number="+4915550001", mode=mode, base_url=receiver.url(""))  # type: ignore[arg-type]


def test_an_sms_is_posted_with_basic_auth_and_the_links(make_notification: MakeNotification, http_receiver) -> None:
    receiver = http_receiver(HttpReply(201, '{"sid": "SM1"}'))
    notification = make_notification(channel="sms", extra={"ack_url": "https://desk.example.com/notify/ack/t/"})
    result = deliver(notification, _config(receiver))
    assert result.outcome is Outcome.DELIVERED
    [request] = receiver.requests
    form = parse_qs(request.body.decode())
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert form["To"] == ["+4915550001"] and form["From"] == ["+15550000"]
    assert "https://desk.example.com/tickets/1042" in form["Body"][0] and "Ack: https://" in form["Body"][0]
    assert request.headers["authorization"].startswith("Basic ")


def test_a_call_says_the_summary_escaped(make_notification: MakeNotification) -> None:
    notification = make_notification(channel="voice", summary="P1 <ticket> & more")
    path, fields = render_twilio(notification, TwilioConfig("AC1", "t", "+1", "+2", mode="call"))
    assert path.endswith("/Calls.json")
    assert "<Say>P1 &lt;ticket&gt; &amp; more</Say>" in fields["Twiml"]


def test_acknowledge_sends_nothing_and_errors_are_classified(make_notification: MakeNotification, http_receiver) -> None:
    receiver = http_receiver(HttpReply(400, '{"message": "The To number +4915550001 is not valid"}'),
                             HttpReply(503, "busy"))
    quiet = deliver(make_notification(channel="sms", action="acknowledge"), _config(receiver))
    assert quiet.outcome is Outcome.DELIVERED and receiver.requests == []
    bad = deliver(make_notification(channel="sms"), _config(receiver))
    busy = deliver(make_notification(channel="sms"), _config(receiver))
    assert (bad.outcome, busy.outcome) == (Outcome.FAILED, Outcome.RETRY)
    # the auth token and the phone number never appear in the detail
    assert "s3cret" not in bad.detail and "+4915550001" not in bad.detail
