"""Satisfaction pages of the portal: the one-click rating link from the survey mail (no
sign-in: the signed token is the proof), its comment form, and the rating on a solved
ticket's page for a signed-in requester.

The rules (first answer final, comment once, 30-day links) are
`sladesk.satisfaction.services`; these views only parse, check and call it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sladesk.satisfaction import services as satisfaction
from sladesk.satisfaction.models import Rating
from sladesk.tickets import selectors
from sladesk.web.access import contact_required

__all__ = ["rate_comment", "rate_link", "rate_ticket"]


def _page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    response = render(request, "portal/satisfaction.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    # the token stays out of other sites' logs; same-origin keeps the Origin header the CSRF
    # check needs
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def rate_link(request: HttpRequest, token: str, rating: str) -> HttpResponse:
    """One click from the mail: record ``rating`` (unless answered already) and offer the
    comment form."""
    if rating not in Rating.values:
        return _page(request, {"error": "This rating link is not valid."}, status=404)
    try:
        survey = satisfaction.survey_of_token(token)
    except satisfaction.BadLink as exc:
        return _page(request, {"error": str(exc)}, status=400)
    survey, recorded = satisfaction.rate(survey, rating, via="email")
    return _page(request, {"survey": survey, "recorded": recorded, "token": token})


@never_cache
@require_POST
def rate_comment(request: HttpRequest, token: str) -> HttpResponse:
    """The comment after the click (once; the signed token again is the proof)."""
    try:
        survey = satisfaction.survey_of_token(token)
    except satisfaction.BadLink as exc:
        return _page(request, {"error": str(exc)}, status=400)
    try:
        saved = satisfaction.add_comment(survey, request.POST.get("comment", ""))
    except ValueError:
        return _page(
            request,
            {"survey": survey, "token": token, "comment_error": "Write a comment first."},
            400,
        )
    survey.refresh_from_db()
    return _page(request, {"survey": survey, "token": token, "commented": saved})


@require_POST
@contact_required
def rate_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The requester rates a solved ticket on its portal page."""
    ticket = selectors.get_ticket(request.user, ticket_id, messages=False)
    try:
        _, recorded = satisfaction.rate_in_portal(
            ticket,
            request.user.contact,
            request.POST.get("rating", ""),
            request.POST.get("comment", ""),
        )
    except ValueError as exc:
        messages.error(request, f"Not rated: {exc}.")
    else:
        if recorded:
            messages.success(request, "Thank you for your rating.")
        else:
            messages.info(request, "This ticket was rated already; the first answer counts.")
    return redirect("portal:ticket", ticket_id=ticket.pk)
