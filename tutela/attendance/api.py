"""REST endpoints for registers and marks. Same policy as the pages; 404 for out of scope, 403 for "may see
this register, may not take it"."""

from __future__ import annotations

import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela import policy
from tutela.attendance import codes, selectors, services
from tutela.attendance.models import Register
from tutela.core import clock


@extend_schema_serializer(component_name="AttendanceMark")
class MarkSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    pupil = serializers.UUIDField(source="pupil.public_id")
    code = serializers.CharField()
    sub_code = serializers.CharField()
    meaning = serializers.SerializerMethodField()
    category = serializers.CharField()
    possible = serializers.BooleanField()
    minutes_late = serializers.IntegerField(allow_null=True)
    left_at = serializers.CharField()
    left_reason = serializers.CharField()
    version = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()

    def get_meaning(self, mark: object) -> str:
        return codes.get(mark.code).meaning  # type: ignore[attr-defined]


class RegisterSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    date = serializers.DateField()
    session = serializers.CharField(source="period.session")
    period = serializers.CharField(source="period.name")
    group = serializers.CharField(source="group.name")
    kind = serializers.SerializerMethodField()
    closes_at = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField(allow_null=True)

    def get_kind(self, register: Register) -> str:
        return "form" if register.form_group_id else "class"

    def get_closes_at(self, register: Register) -> datetime.datetime:
        return services.register_closes_at(register)


class RegisterListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="default: today")],
        responses=RegisterSerializer(many=True),
        operation_id="attendance_registers_list",
    )
    def get(self, request: Request) -> Response:
        try:
            date = datetime.date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            date = clock.today()
        selectors.registers_of_day(actor=request.user, date=date)  # today's timetable, materialised
        registers = (
            policy.scope(request.user, "attendance.view_register", Register)
            .filter(date=date)
            .select_related("period", "form_group", "teaching_group")
            .order_by("period__starts_at", "pk")
        )
        return Response(RegisterSerializer(registers, many=True).data)


class RegisterDetailApi(APIView):
    @extend_schema_serializer(component_name="RegisterDetail")
    class OutputSerializer(RegisterSerializer):
        marks = MarkSerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="attendance_registers_retrieve")
    def get(self, request: Request, public_id: UUID) -> Response:
        register = selectors.register_get(actor=request.user, public_id=public_id)
        rows = selectors.register_rows(actor=request.user, register=register)
        register.marks = [row.mark for row in rows if row.mark]  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(register).data)


@extend_schema_serializer(component_name="MarkSubmission")
class MarkInputSerializer(serializers.Serializer):
    pupil = serializers.UUIDField()
    code = serializers.ChoiceField(choices=sorted(codes.CODES), required=False, default="/")
    sub_code = serializers.CharField(max_length=6, required=False, default="")
    version = serializers.IntegerField(
        min_value=0, default=0, help_text="the mark's version you last saw (0: no mark yet)"
    )
    minutes_late = serializers.IntegerField(min_value=0, max_value=1440, required=False, allow_null=True)


class RegisterSubmitApi(APIView):
    @extend_schema_serializer(component_name="RegisterSubmission")
    class InputSerializer(serializers.Serializer):
        marks = MarkInputSerializer(many=True, max_length=500)
        reason = serializers.CharField(
            max_length=500,
            required=False,
            default="",
            allow_blank=True,
            help_text="needed to change a mark after close",
        )

    @extend_schema_serializer(component_name="RegisterSubmissionResult")
    class OutputSerializer(serializers.Serializer):
        written = serializers.ListField(child=serializers.UUIDField())
        unchanged = serializers.ListField(child=serializers.UUIDField())
        conflicts = serializers.ListField(
            child=serializers.UUIDField(), help_text="kept as stored: reload the register and resubmit"
        )

    @extend_schema(
        request=InputSerializer, responses=OutputSerializer, operation_id="attendance_registers_submit"
    )
    def post(self, request: Request, public_id: UUID) -> Response:
        register = selectors.register_get(actor=request.user, public_id=public_id)
        policy.require(request.user, "attendance.take_register", register)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["marks"]
        rows = {
            row.pupil.public_id: row.pupil
            for row in selectors.register_rows(actor=request.user, register=register)
        }
        unknown = [str(i["pupil"]) for i in items if i["pupil"] not in rows]
        if unknown:
            return Response({"marks": [f"Not on this register: {', '.join(unknown)}"]}, status=400)
        marks = [
            services.MarkInput(
                pupil_id=rows[i["pupil"]].pk,
                code=i["code"],
                base_version=i["version"],
                minutes_late=i.get("minutes_late"),
                sub_code=i["sub_code"],
            )
            for i in items
        ]
        try:
            result = services.register_submit(
                actor=request.user, register=register, marks=marks, reason=body.validated_data["reason"]
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        by_pk = {p.pk: p.public_id for p in rows.values()}
        return Response(
            {
                "written": [by_pk[pk] for pk in result.written],
                "unchanged": [by_pk[pk] for pk in result.unchanged],
                "conflicts": [by_pk[pk] for pk in result.conflicts],
            }
        )


class PupilMarksApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="default: 1 September"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="default: today"),
        ],
        responses=MarkSerializer(many=True),
        operation_id="attendance_pupil_marks",
    )
    def get(self, request: Request, public_id: UUID) -> Response:
        pupil = selectors.attendance_pupil_get(actor=request.user, public_id=public_id)
        try:
            end = datetime.date.fromisoformat(request.query_params.get("end", ""))
        except ValueError:
            end = clock.today()
        try:
            start = datetime.date.fromisoformat(request.query_params.get("start", ""))
        except ValueError:
            start = selectors.academic_year_start(end)
        marks = selectors.pupil_marks(actor=request.user, pupil=pupil, start=start, end=end)
        return Response(MarkSerializer(marks, many=True).data)
