"""PagerDuty v3 webhooks: an incident acknowledged or resolved in PagerDuty stops the page.

``POST /oncall/pagerduty/webhook/``. PagerDuty signs each delivery with the subscription's
secret: ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256(secret, raw body)>`` (several
comma-separated signatures during a secret rotation). The signature is verified against
every configured secret (``SLADESK_ONCALL["pagerduty_webhook_secrets"]``) *before* the
body is parsed; a bad or missing signature is 401, no secret configured is 404.

The incident is matched to a page by its ``incident_key`` — the page key sladesk sent as
the Events API ``dedup_key``. ``incident.acknowledged`` acknowledges the page (``via =
pagerduty``), ``incident.resolved`` resolves it; both stop sladesk's escalation steps.
Other event types, and incidents that are not sladesk's, are answered 202 and ignored
(PagerDuty retries non-2xx answers).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sladesk.notify.models import Page
from sladesk.notify.pages import acknowledge_page, resolve_page

from .conf import oncall_settings

__all__ = ["signature", "verify", "webhook"]

MAX_BODY = 256 * 1024


def signature(secret: str, body: bytes) -> str:
    """The ``v1=`` signature PagerDuty puts on ``body`` with ``secret``."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secrets: list[str], header: str, body: bytes) -> bool:
    """True if one of the header's signatures matches one of ``secrets``."""
    given = [part.strip() for part in (header or "").split(",") if part.strip()]
    return any(hmac.compare_digest(signature(s, body), g) for s in secrets if s for g in given)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secrets = [s for s in oncall_settings().get("pagerduty_webhook_secrets", []) if s]
    if not secrets:
        return JsonResponse({"error": "no PagerDuty webhook is configured"}, status=404)
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "body too large"}, status=413)
    if not verify(secrets, request.headers.get("X-PagerDuty-Signature", ""), body):
        return JsonResponse({"error": "signature does not match"}, status=401)
    try:
        data: Any = json.loads(body)
        kind = data["event"]["event_type"]
        incident = data["event"].get("data") or {}
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "not a PagerDuty v3 webhook event"}, status=400)
    key = incident.get("incident_key") if isinstance(incident, dict) else None
    page = Page.objects.filter(key=key).first() if isinstance(key, str) and key else None
    if page is None or kind not in ("incident.acknowledged", "incident.resolved"):
        return JsonResponse({"outcome": "ignored"}, status=202)
    agent = data["event"].get("agent") or {}
    who = (
        f"pagerduty:{agent.get('summary') or 'PagerDuty'}"[:100]
        if isinstance(agent, dict)
        else "pagerduty"
    )
    if kind == "incident.acknowledged":
        page = acknowledge_page(page, who, via="pagerduty")
    else:
        page = resolve_page(page, who, via="pagerduty", reason="resolved in PagerDuty")
    return JsonResponse({"outcome": page.state, "page": page.pk}, status=200)
