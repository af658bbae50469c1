"""REST endpoints for behaviour: categories, and incidents (and achievements) to list, record and read.

The same policy as the pages: a list holds only what the caller may see; one record the caller may not
see is 404, like one that does not exist. Families use the pages (a summary), not this API.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela.accounts.models import User
from tutela.behaviour import selectors, services
from tutela.behaviour.models import Kind, Location
from tutela.pupils.models import Pupil


@extend_schema_serializer(component_name="BehaviourCategory")
class CategorySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=Kind.choices)
    name = serializers.CharField()
    points = serializers.IntegerField()
    school = serializers.UUIDField(source="school.public_id")


class CategoryListApi(APIView):
    @extend_schema(responses=CategorySerializer(many=True), operation_id="behaviour_categories_list")
    def get(self, request: Request) -> Response:
        categories = selectors.category_list(actor=request.user)
        return Response(CategorySerializer(categories, many=True).data)


@extend_schema_serializer(component_name="BehaviourIncident")
class IncidentSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    occurrence = serializers.UUIDField()
    pupil = serializers.UUIDField(source="pupil.public_id")
    pupil_name = serializers.CharField(source="pupil.display_name")
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = serializers.CharField(source="category.name")
    points = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    status = serializers.CharField()
    shareable = serializers.BooleanField()
    reported_by = serializers.CharField(source="reported_by.display_name")


@extend_schema_serializer(component_name="BehaviourIncidentDetail")
class IncidentDetailSerializer(IncidentSummarySerializer):
    location = serializers.CharField()
    description = serializers.CharField()
    staff_involved = serializers.ListField(child=serializers.CharField(), source="staff_names")
    witnesses = serializers.ListField(
        child=serializers.UUIDField(), source="witness_ids", help_text="Only witnesses you may see as pupils."
    )


class IncidentListApi(APIView):
    pagination_class = LimitOffsetPagination

    @extend_schema_serializer(component_name="BehaviourIncidentCreate")
    class InputSerializer(serializers.Serializer):
        pupils = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=40)
        category = serializers.UUIDField()
        occurred_at = serializers.DateTimeField()
        location = serializers.ChoiceField(choices=Location.choices, required=False, allow_blank=True)
        description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
        witnesses = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=40)
        staff_involved = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=20)
        shareable = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        parameters=[
            OpenApiParameter("pupil", UUID, description="only this pupil's records"),
            OpenApiParameter("kind", str, enum=Kind.values),
        ],
        responses=IncidentSummarySerializer(many=True),
        operation_id="behaviour_incidents_list",
    )
    def get(self, request: Request) -> Response:
        pupil = None
        if pupil_id := request.query_params.get("pupil"):
            try:
                pupil = (
                    Pupil.objects.for_actor(request.user, "pupils.view")
                    .filter(public_id=UUID(pupil_id))
                    .first()
                )
            except ValueError:
                return Response({"pupil": ["Not a valid id."]}, status=400)
            if pupil is None:
                return Response({"detail": "No pupil matches the given query."}, status=404)
        records = selectors.incident_list(
            actor=request.user, pupil=pupil, kind=request.query_params.get("kind")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(IncidentSummarySerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: IncidentSummarySerializer(many=True)},
        operation_id="behaviour_incidents_create",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Pupils the caller may record for, witnesses they may see: anything else is "no such pupil".
        pupils = list(
            Pupil.objects.for_actor(request.user, "behaviour.record").filter(public_id__in=data["pupils"])
        )
        if len(pupils) != len(set(data["pupils"])):
            return Response({"pupils": ["No pupil you may record for has one of these ids."]}, status=400)
        witnesses = list(
            Pupil.objects.for_actor(request.user, "pupils.view").filter(
                public_id__in=data.get("witnesses", [])
            )
        )
        if len(witnesses) != len(set(data.get("witnesses", []))):
            return Response({"witnesses": ["No pupil you may see has one of these ids."]}, status=400)
        category = (
            selectors.category_list(actor=request.user)
            .filter(public_id=data["category"], school=pupils[0].school_id)
            .first()
        )
        if category is None:
            return Response(
                {"category": ["No active category of the pupils' school has this id."]}, status=400
            )
        staff = list(User.objects.filter(public_id__in=data.get("staff_involved", [])))
        if len(staff) != len(set(data.get("staff_involved", []))):
            return Response({"staff_involved": ["No member of staff has one of these ids."]}, status=400)
        try:
            records = services.incident_record(
                actor=request.user,
                pupils=pupils,
                category=category,
                occurred_at=data["occurred_at"],
                location=data.get("location", ""),
                description=data.get("description", ""),
                witnesses=witnesses,
                staff_involved=staff,
                shareable=data["shareable"],
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(IncidentSummarySerializer(records, many=True).data, status=status.HTTP_201_CREATED)


class IncidentDetailApi(APIView):
    @extend_schema(responses=IncidentDetailSerializer, operation_id="behaviour_incidents_retrieve")
    def get(self, request: Request, public_id: UUID) -> Response:
        incident = selectors.incident_get(actor=request.user, public_id=public_id)
        incident.staff_names = [u.display_name for u in selectors.incident_staff(incident=incident)]  # type: ignore[attr-defined]
        incident.witness_ids = [  # type: ignore[attr-defined]
            w.witness.public_id for w in selectors.incident_witnesses(actor=request.user, incident=incident)
        ]
        return Response(IncidentDetailSerializer(incident).data)
