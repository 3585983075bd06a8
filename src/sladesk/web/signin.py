"""The sign-in page's protection: throttling, the one-time-code step, TOTP enrolment.

`SignInView` (``/accounts/login/``) refuses with 429 and ``Retry-After`` while the
username or the address is over its failure limit (`sladesk.signin.throttle`, shared by
all processes), the right password included. A correct password for an account with an
authenticator does not sign in yet: the user id waits in the session and
``/accounts/two-factor/`` asks for the code (throttled the same way). An account that
must enrol (`sladesk.signin.totp.must_enrol`, decided at sign-in) is signed in but
`EnrolmentMiddleware` keeps it on ``/accounts/two-factor/setup/`` until it has.
Single sign-on (OIDC) sign-ins skip both steps: the identity provider's own MFA applies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from sladesk.accounts.roles import Role, role_of
from sladesk.signin import throttle
from sladesk.signin.totp import (
    active_factor,
    confirm_enrolment,
    must_enrol,
    provisioning_uri,
    start_enrolment,
    verify_code,
)

__all__ = [
    "EnrolmentMiddleware",
    "SignInView",
    "enrol_two_factor",
    "landing_url",
    "two_factor_step",
]

_PENDING = "sladesk_signin_pending"
_ENROL = "sladesk_signin_enrol"


def landing_url(user: object) -> str:
    """Where ``user`` starts: the desk inbox, the portal, or the sign-in page."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.AGENT):
        return reverse("desk:inbox")
    if role == Role.CONTACT:
        return reverse("portal:tickets")
    if getattr(user, "is_staff", False):
        return reverse("admin:index")
    return reverse("web:login")


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, round(wait / 60))
    response = render(request, "web/too_many.html", {"wait": wait, "minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if getattr(settings, "OIDC_RP_CLIENT_ID", ""):  # SSO configured: offer it to agents
            context["sso_name"] = getattr(settings, "SLADESK_OIDC_PROVIDER_NAME", "single sign-on")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = throttle.refusal(request, request.POST.get("username", ""))
        if wait is not None:
            return _too_many(request, wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        throttle.failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        throttle.succeeded(self.request.POST.get("username", ""))
        if active_factor(user) is not None:
            self.request.session[_PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_redirect_url(),
            }
            return redirect("web:two_factor")
        response = super().form_valid(form)
        if must_enrol(user):
            self.request.session[_ENROL] = True
            return redirect("web:two_factor_setup")
        return response


def two_factor_step(request: HttpRequest) -> HttpResponse:
    """``/accounts/two-factor/``: the code after the password (see module docstring)."""
    pending = request.session.get(_PENDING)
    if not pending:
        return redirect("web:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("web:login")
    error = ""
    if request.method == "POST":
        wait = throttle.refusal(request, user.get_username())
        if wait is not None:
            return _too_many(request, wait)
        if verify_code(user, request.POST.get("code", "")):
            del request.session[_PENDING]
            login(request, user, backend=pending["backend"])
            target = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, request.is_secure()
            ):
                target = landing_url(user)
            return redirect(target)
        throttle.failed(request, user.get_username())
        error = "That code is wrong or was already used. Enter the current code from your app."
    return render(request, "web/two_factor.html", {"error": error})


@login_required
def enrol_two_factor(request: HttpRequest) -> HttpResponse:
    """``/accounts/two-factor/setup/``: add an authenticator app (secret, then one code)."""
    if active_factor(request.user) is not None:
        request.session.pop(_ENROL, None)
        return render(request, "web/two_factor_setup.html", {"done": True})
    factor = start_enrolment(request.user)
    error = ""
    if request.method == "POST":
        wait = throttle.refusal(request, request.user.get_username())
        if wait is not None:
            return _too_many(request, wait)
        if confirm_enrolment(request.user, request.POST.get("code", "")):
            request.session.pop(_ENROL, None)
            return redirect(landing_url(request.user))
        throttle.failed(request, request.user.get_username())
        error = "That code does not match. Check the app's time and enter the current code."
    context = {"secret": factor.secret, "uri": provisioning_uri(factor), "error": error,
               "required": bool(request.session.get(_ENROL))}  # fmt: skip
    return render(request, "web/two_factor_setup.html", context)


class EnrolmentMiddleware:
    """Keeps a signed-in user who must enrol on the set-up page (session flag, no query)."""

    _ALLOWED = ("/accounts/two-factor/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(_ENROL)
            and not request.path.startswith(self._ALLOWED)
        ):
            if request.path.startswith("/api/"):
                body = {
                    "error": {
                        "code": "two_factor_enrolment_required",
                        "fields": {},
                        "message": "Set up two-factor at /accounts/two-factor/setup/ first.",
                    }
                }
                return JsonResponse(body, status=403)
            return redirect("web:two_factor_setup")
        return self.get_response(request)
