"""``/api/v1/auth/``: sign in for a named token; list, issue and revoke one's tokens.

``POST auth/token/`` is throttled per username and per client address
(`sladesk.signin.throttle`): past the limit it answers 429 with ``Retry-After``, the right
password included. Accounts with two-factor on must send ``otp_code`` too. Each call
issues a new token (several per user, each named, optionally expiring).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.serializers import (
    ApiTokenSerializer,
    CredentialsSerializer,
    ErrorSerializer,
    NewTokenSerializer,
    TokenSerializer,
)
from sladesk.core.time import now as clock_now
from sladesk.signin import throttle
from sladesk.signin.tokens import active_tokens, issue_token, revoke_token
from sladesk.signin.totp import active_factor, verify_code

from .base import EnvelopeMixin, errors

__all__ = ["TokenListView", "TokenRevokeView", "TokenView"]

_THROTTLED = {
    429: OpenApiResponse(ErrorSerializer, description="Too many failed sign-ins; see Retry-After.")
}


def _issued(user: object, data: dict[str, object], code: int = status.HTTP_201_CREATED) -> Response:
    days = data.get("expires_in_days")
    expires = clock_now() + timedelta(days=int(days)) if days else None  # type: ignore[call-overload]
    token, key = issue_token(user, str(data.get("name") or "api"), expires_at=expires)
    body = dict(TokenSerializer(token).data)
    body["token"] = key
    return Response(body, status=code)


class TokenView(EnvelopeMixin, APIView):
    """Username + password (+ one-time code) in, a new named token out."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        summary="Get an API token",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **errors(400), **_THROTTLED},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        username = username if isinstance(username, str) else ""
        wait = throttle.refusal(request, username)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail=f"Too many failed sign-ins; try again in {wait} seconds."
            )
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            throttle.failed(request, username)
            raise exceptions.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        if active_factor(user) is not None:
            if not data["otp_code"]:
                raise exceptions.ValidationError(
                    {"otp_code": ["Two-factor is on for this account: send the 6-digit code."]}
                )
            if not verify_code(user, data["otp_code"]):
                throttle.failed(request, username)
                raise exceptions.ValidationError({"otp_code": ["Wrong or already used code."]})
        throttle.succeeded(username)
        return _issued(user, data, status.HTTP_200_OK)  # 200 as before named tokens


class TokenListView(EnvelopeMixin, APIView):
    """The caller's tokens in force; a new one for the signed-in caller."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="List your API tokens", responses={200: ApiTokenSerializer(many=True), **errors()}
    )
    def get(self, request: Request) -> Response:
        return Response(ApiTokenSerializer(active_tokens(request.user), many=True).data)

    @extend_schema(
        summary="Issue another API token", request=NewTokenSerializer,
        responses={201: TokenSerializer, **errors(400)},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        serializer = NewTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _issued(request.user, serializer.validated_data)


class TokenRevokeView(EnvelopeMixin, APIView):
    """Revoke one of the caller's tokens (another user's token is 404)."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="Revoke an API token", responses={200: ApiTokenSerializer, **errors(404)}
    )
    def delete(self, request: Request, token_id: int) -> Response:
        return Response(ApiTokenSerializer(revoke_token(request.user, token_id)).data)
