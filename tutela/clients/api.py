"""The API a client uses about itself: which school, role and access its token carries, and until when."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela import policy
from tutela.clients.models import ApiClient


class ClientSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    school = serializers.UUIDField(source="school.public_id")
    role = serializers.CharField()
    access = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ClientMeApi(APIView):
    @extend_schema(responses=ClientSerializer, operation_id="clients_me")
    def get(self, request: Request) -> Response:
        # Only a request authenticated by a client token has a client; a signed-in person gets 404.
        if not isinstance(request.auth, ApiClient):
            raise policy.NotVisible("No API client made this request.")
        return Response(ClientSerializer(request.auth).data)
