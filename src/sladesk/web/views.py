"""Sign-in (one page for agents and contacts), sign-out, password reset, and ``/``.

After sign-in everyone lands by role: agents and admins in the desk, contacts in the
portal (a ``?next=`` on the same site wins). Password reset is Django's own flow with
sladesk templates; the mail goes through ``EMAIL_BACKEND`` (console in development).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy

from sladesk.accounts.roles import role_of

from .signin import SignInView, landing_url

__all__ = [
    "SignInView",
    "home",
    "landing_url",
    "password_reset",
    "password_reset_complete",
    "password_reset_confirm",
    "password_reset_done",
    "sign_out",
]


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the viewer's landing page by role."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    if role_of(request.user) is None:
        return redirect("admin:index") if request.user.is_staff else redirect("web:login")
    return redirect(landing_url(request.user))


sign_out = auth_views.LogoutView.as_view(next_page=reverse_lazy("web:login"))
password_reset = auth_views.PasswordResetView.as_view(
    template_name="web/password_reset_form.html",
    email_template_name="web/password_reset_email.txt",
    subject_template_name="web/password_reset_subject.txt",
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password_reset_confirm.html",
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password_reset_complete.html"
)
