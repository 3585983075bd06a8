"""Sign-in invitations: a mail with a one-time link to set a password, Django's password-reset
token (single use: it stops working once the password is set; it expires after
``PASSWORD_RESET_TIMEOUT``). Sent through ``EMAIL_BACKEND``, as the password-reset mail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

__all__ = ["send_invitation"]


def send_invitation(request: HttpRequest, user: Any, *, organization_name: str) -> str:
    """Mail ``user`` the link to set their password and sign in; returns the link."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(
        reverse("web:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    )
    context = {"user": user, "link": link, "organization": organization_name}
    body = render_to_string("web/invitation_email.txt", context)
    send_mail(f"Your {organization_name} support sign-in", body, None, [user.email])
    return link
