"""``POST /api/v1/auth/token/``: exchange a username and password for an API token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from sladesk.api.serializers import CredentialsSerializer, TokenSerializer

from .base import EnvelopeMixin, errors

__all__ = ["TokenView"]


class TokenView(EnvelopeMixin, ObtainAuthToken):
    """DRF's token view (one token per user, created on first login) with the error envelope."""

    authentication_classes = ()

    @extend_schema(
        summary="Get an API token",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **errors(400)},
        auth=[],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)
