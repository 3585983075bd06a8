"""``/accounts/``: sign-in, sign-out and password reset (shared by the desk and the portal)."""

from __future__ import annotations

from django.urls import path

from . import signin, views

app_name = "web"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("two-factor/", signin.two_factor_step, name="two_factor"),
    path("two-factor/setup/", signin.enrol_two_factor, name="two_factor_setup"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
