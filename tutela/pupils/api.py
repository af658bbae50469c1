"""REST endpoints for pupils and classes. Same policy and audit as the pages; 404 for out of scope."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela import policy
from tutela.pupils import selectors, services
from tutela.pupils.models import Sex
from tutela.schools.models import FormGroup, YearGroup


class PupilSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    year_group = serializers.CharField(source="year_group.name")
    form_group = serializers.CharField(source="form_group.name", default=None)


class PupilDetailSerializer(PupilSummarySerializer):
    upn = serializers.CharField()
    legal_first_name = serializers.CharField()
    legal_last_name = serializers.CharField()
    preferred_first_name = serializers.CharField()
    preferred_last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    enrolled_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class PupilListApi(APIView):
    pagination_class = LimitOffsetPagination  # read by drf-spectacular too, so the schema shows the envelope

    @extend_schema(responses=PupilSummarySerializer(many=True), operation_id="pupils_list")
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        pupils = selectors.pupil_list(actor=request.user)
        page = paginator.paginate_queryset(pupils, request, view=self)
        return paginator.get_paginated_response(PupilSummarySerializer(page, many=True).data)


class PupilDetailApi(APIView):
    # Nested serializers share class names across views; each needs its own name in the OpenAPI schema.
    @extend_schema_serializer(component_name="PupilUpdate")
    class InputSerializer(serializers.Serializer):
        upn = serializers.CharField(max_length=13, required=False)
        legal_first_name = serializers.CharField(max_length=100, required=False)
        legal_last_name = serializers.CharField(max_length=100, required=False)
        preferred_first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        preferred_last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        date_of_birth = serializers.DateField(required=False)
        sex = serializers.ChoiceField(choices=Sex.choices, required=False)
        year_group = serializers.UUIDField(required=False)
        form_group = serializers.UUIDField(required=False, allow_null=True)
        enrolled_on = serializers.DateField(required=False)
        left_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(responses=PupilDetailSerializer, operation_id="pupils_retrieve")
    def get(self, request: Request, public_id: UUID) -> Response:
        pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
        return Response(PupilDetailSerializer(pupil).data)

    @extend_schema(
        request=InputSerializer, responses=PupilDetailSerializer, operation_id="pupils_partial_update"
    )
    def patch(self, request: Request, public_id: UUID) -> Response:
        pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
        policy.require(request.user, "pupils.edit", pupil)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "year_group" in changes:
            changes["year_group"] = YearGroup.objects.filter(
                school=pupil.school_id, public_id=changes["year_group"]
            ).first()
            if changes["year_group"] is None:
                return Response({"year_group": ["No such year group at this school."]}, status=400)
        if changes.get("form_group"):
            changes["form_group"] = FormGroup.objects.filter(
                school=pupil.school_id, public_id=changes["form_group"]
            ).first()
            if changes["form_group"] is None:
                return Response({"form_group": ["No such form at this school."]}, status=400)
        try:
            pupil = services.pupil_update(actor=request.user, pupil=pupil, changes=changes)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(PupilDetailSerializer(pupil).data)


class PupilSearchApi(APIView):
    @extend_schema_serializer(component_name="PupilSearchQuery")
    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=100)

    @extend_schema_serializer(component_name="PupilSearchResult")
    class OutputSerializer(serializers.Serializer):
        results = PupilSummarySerializer(many=True, source="pupils")
        more = serializers.BooleanField()
        too_short = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="pupils_search")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = selectors.pupil_search(actor=request.user, query=serializer.validated_data["q"])
        return Response(self.OutputSerializer(result).data)


class ClassSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    subject = serializers.CharField(source="subject.name")
    year_group = serializers.CharField(source="year_group.name")


class ClassListApi(APIView):
    @extend_schema(responses=ClassSerializer(many=True), operation_id="classes_list")
    def get(self, request: Request) -> Response:
        return Response(ClassSerializer(selectors.class_list(actor=request.user), many=True).data)


class ClassDetailApi(APIView):
    @extend_schema_serializer(component_name="ClassDetail")
    class OutputSerializer(ClassSerializer):
        pupils = PupilSummarySerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="classes_retrieve")
    def get(self, request: Request, public_id: UUID) -> Response:
        group = selectors.class_get(actor=request.user, public_id=public_id)
        group.pupils = selectors.class_pupils(actor=request.user, teaching_group=group)  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(group).data)
