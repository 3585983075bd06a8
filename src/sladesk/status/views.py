"""The public status page: HTML, Statuspage-shaped JSON, Atom; subscribe, confirm,
unsubscribe; the heartbeat URL.

Public documents come from `sladesk.status.cache` (rebuilt per page revision, at most a
second behind a change); every answer carries ``Cache-Control: public, max-age=2`` and
an ``ETag``, and a conditional GET whose ``If-None-Match`` matches gets ``304``. The pages
need no JavaScript. The forms are plain POSTs without a CSRF token (the cached page is
the same for everyone): subscribing only creates an unconfirmed subscription (double
opt-in), and confirm/unsubscribe are authorised by the secret token in their link.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csrf import csrf_exempt

from sladesk.core import time as core_time

from . import cache, history, services
from .feeds import snapshot
from .models import Component, ComponentStatus, Incident, StatusPage

__all__ = [
    "CACHE_CONTROL",
    "JSON_KINDS",
    "atom",
    "confirm",
    "document",
    "heartbeat",
    "incident",
    "public_json",
    "public_page",
    "subscribe",
    "unsubscribe",
]

CACHE_CONTROL = "public, max-age=2"
JSON = "application/json"

#: Statuspage's public endpoints (``/api/v2/<kind>.json``) and what each holds.
JSON_KINDS = {
    "summary": ("page", "components", "incidents", "scheduled_maintenances", "status"),
    "status": ("page", "status"),
    "components": ("page", "components"),
    "incidents": ("page", "incidents"),
    "incidents/unresolved": ("page", "incidents"),
    "scheduled-maintenances": ("page", "scheduled_maintenances"),
    "scheduled-maintenances/upcoming": ("page", "scheduled_maintenances"),
    "scheduled-maintenances/active": ("page", "scheduled_maintenances"),
}


def _pages(slug: str | None) -> Any:
    if slug is None:
        return StatusPage.objects.order_by("-is_default", "name", "id")
    return StatusPage.objects.filter(slug=slug)


def _revision(slug: str | None) -> int | None:
    return _pages(slug).values_list("revision", flat=True).first()


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


_BAR_CLASS = {
    ComponentStatus.OPERATIONAL: "ok",
    ComponentStatus.DEGRADED: "degraded",
    ComponentStatus.PARTIAL: "partial",
    ComponentStatus.MAJOR: "major",
    ComponentStatus.MAINTENANCE: "maintenance",
}


def _build(slug: str | None) -> dict[str, tuple[bytes, str]]:
    page = _pages(slug).select_related("organization").first()
    if page is None:
        return {}
    snap = snapshot(page)
    docs: dict[str, tuple[bytes, str]] = {}
    for kind, keys in JSON_KINDS.items():
        data = {k: snap[k] for k in keys}
        if kind == "incidents":
            data["incidents"] = snap["_all_incidents"]
        elif kind == "scheduled-maintenances":
            data["scheduled_maintenances"] = snap["_all_maintenances"]
        elif kind == "scheduled-maintenances/upcoming":
            data["scheduled_maintenances"] = [
                m for m in snap["_all_maintenances"] if m["status"] == "scheduled"
            ]
        elif kind == "scheduled-maintenances/active":
            data["scheduled_maintenances"] = [
                m for m in snap["_all_maintenances"] if m["status"] in ("in_progress", "verifying")
            ]
        docs[kind] = (_json(data), JSON)
    docs["html"] = (_render_html(page, snap).encode(), "text/html; charset=utf-8")
    docs["atom"] = (_render_atom(page, snap), "application/atom+xml; charset=utf-8")
    return docs


def _render_html(page: StatusPage, snap: dict[str, Any]) -> str:
    components = list(Component.objects.filter(page=page).select_related("group"))
    bars = history.daily_bars(page, [c for c in components if c.showcase])
    terms = history.terms_of(page)
    rows: list[dict[str, Any]] = []
    group_seen: set[int] = set()
    for c in components:
        if c.only_show_if_degraded and c.status == ComponentStatus.OPERATIONAL:
            continue
        if c.group_id and c.group_id not in group_seen:
            group_seen.add(c.group_id)
            rows.append({"heading": c.group.name if c.group else ""})
        days = bars.get(c.pk, [])
        counted = sum(u.counted for _, u in days)
        down = sum(u.downtime for _, u in days)
        rows.append(
            {
                "component": c,
                "status_label": ComponentStatus(c.status).label,
                "status_class": _BAR_CLASS.get(c.status, "ok"),
                "days": [
                    {
                        "date": d,
                        "class": _BAR_CLASS.get(u.worst, "ok")
                        if u.counted or u.seconds
                        else "none",
                        "percent": u.percent,
                    }
                    for d, u in days
                ],
                "uptime": None if not counted else 100.0 * (1 - down / counted),
            }
        )
    context = {
        "page": page,
        "snap": snap,
        "rows": rows,
        "target": terms.target if terms else None,
        "incidents": snap["incidents"],
        "maintenances": snap["scheduled_maintenances"],
        "past": [i for i in snap["_all_incidents"] if i["status"] in ("resolved", "postmortem")][
            :10
        ],
        "generated_at": core_time.now(),
    }
    return render_to_string("status/page.html", context)


def _render_atom(page: StatusPage, snap: dict[str, Any]) -> bytes:
    feed = Atom1Feed(
        title=f"{page.name} status - incident history",
        link=snap["page"]["url"],
        description=page.description or f"Incidents and maintenance of {page.name}",
        feed_url=snap["page"]["url"] + "history.atom",
    )
    for item in snap["_all_incidents"]:
        updates = item["incident_updates"]
        text = "\n\n".join(f"{u['status']}: {u['body']}" for u in updates)
        feed.add_item(
            title=item["name"],
            link=item["shortlink"],
            description=text,
            unique_id=f"tag:sladesk,status:incident:{item['id']}",
            updateddate=_parse(item["updated_at"]),
            pubdate=_parse(item["started_at"]),
        )
    return feed.writeString("utf-8").encode()


def _parse(value: str | None) -> Any:
    from datetime import datetime

    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def document(slug: str | None, kind: str) -> cache.Document | None:
    """The cached document ``kind`` of the page ``slug`` (None: the default page); None
    when there is no such page. Shared by the views and `sladesk.status.fastpath`."""
    return cache.lookup(slug or "", kind, lambda: _revision(slug), lambda: _build(slug))


def _serve(request: HttpRequest, slug: str | None, kind: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    doc = document(slug, kind)
    if doc is None:
        raise Http404("no such status page")
    if request.headers.get("If-None-Match") == doc.etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(doc.body, content_type=doc.content_type)
    response["ETag"] = doc.etag
    response["Cache-Control"] = CACHE_CONTROL
    if kind != "html":
        response["Access-Control-Allow-Origin"] = "*"  # widgets on other sites read it
    return response


def public_page(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    return _serve(request, slug, "html")


def public_json(request: HttpRequest, kind: str, slug: str | None = None) -> HttpResponse:
    if kind not in JSON_KINDS:
        raise Http404("unknown endpoint")
    return _serve(request, slug, kind)


def atom(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    return _serve(request, slug, "atom")


def incident(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    found = get_object_or_404(
        Incident.objects.select_related("page").prefetch_related("updates"),
        page__slug=slug,
        public_id=public_id,
    )
    return render(request, "status/incident.html", {"incident": found, "page": found.page})


@csrf_exempt
def subscribe(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """POST ``email`` (and optionally ``component`` ids): a confirmation mail is queued."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    page = _pages(slug).first()
    if page is None:
        raise Http404("no such status page")
    email = request.POST.get("email", "")
    try:
        services.subscribe_email(page, email, request.POST.getlist("component"))
    except services.ServiceError as exc:
        return render(
            request,
            "status/message.html",
            {"page": page, "title": "Not subscribed", "text": str(exc)},
            status=400,
        )
    text = (
        f"We sent a confirmation link to {email.strip().lower()}. "
        "Nothing more is sent until you open it."
    )
    return render(
        request, "status/message.html", {"page": page, "title": "Check your inbox", "text": text}
    )


def _token_action(request: HttpRequest, token: str, action: str) -> HttpResponse:
    from .models import Subscriber

    sub = Subscriber.objects.filter(token=token).select_related("page").first()
    if sub is None:
        raise Http404("unknown or expired link")
    if request.method == "GET":
        return render(
            request, "status/token.html", {"page": sub.page, "action": action, "subscriber": sub}
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if action == "confirm":
        services.confirm(token)
        text = f"You will be told about {sub.page.name} by e-mail."
        title = "Subscription confirmed"
    else:
        services.unsubscribe(token)
        text = "You will get no more status mail or webhooks from this subscription."
        title = "Unsubscribed"
    return render(request, "status/message.html", {"page": sub.page, "title": title, "text": text})


@csrf_exempt
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _token_action(request, token, "confirm")


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST (also RFC 8058 one-click from the mail client) unsubscribes."""
    return _token_action(request, token, "unsubscribe")


@csrf_exempt
def heartbeat(request: HttpRequest, token: str) -> HttpResponse:
    """The monitored service calls this (GET or POST) at least every N minutes."""
    if request.method not in ("GET", "POST", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST", "HEAD"])
    check = services.beat(token)
    if check is None:
        raise Http404("unknown heartbeat")
    return HttpResponse("ok\n", content_type="text/plain")
