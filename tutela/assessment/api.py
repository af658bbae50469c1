"""REST endpoints for grade scales, assessments (markbook columns) and results (marks, working-at grades).

Same rules, scope and audit as the pages: 404 for a class or cell out of scope, 403 for "may see, may not
change". Comments are returned only by the single-cell endpoint (where they are decrypted, one at a time).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tutela import audit, policy
from tutela.accounts.selectors import school_ids_of
from tutela.assessment import dashboards, selectors, services
from tutela.assessment.models import GradeScale


class GradeSerializer(serializers.Serializer):
    label = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class ScaleSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    minimum = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    maximum = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    decimals = serializers.IntegerField()
    grades = GradeSerializer(many=True, source="grade_list")


class ScaleListApi(APIView):
    pagination_class = None

    @extend_schema(responses=ScaleSerializer(many=True), operation_id="assessment_scales_list")
    def get(self, request: Request) -> Response:
        scales = GradeScale.objects.filter(school__in=school_ids_of(request.user)).order_by(
            "school_id", "name"
        )
        return Response(ScaleSerializer(scales, many=True).data)


class ColumnSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    max_mark = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    scale = serializers.UUIDField(source="scale.public_id", allow_null=True, default=None)
    point = serializers.CharField(source="point.name", allow_null=True, default=None)


class CellSerializer(serializers.Serializer):
    column = serializers.UUIDField(source="column.public_id")
    pupil = serializers.UUIDField(source="pupil.public_id")
    value = serializers.CharField(source="text")
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    track = serializers.CharField(source="status")
    track_text = serializers.CharField(source="status_text")


class MarkbookApi(APIView):
    @extend_schema_serializer(component_name="Markbook")
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField(source="group.public_id")
        name = serializers.CharField(source="group.name")
        can_edit = serializers.BooleanField()
        columns = ColumnSerializer(many=True)
        cells = CellSerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="assessment_markbook_retrieve")
    def get(self, request: Request, public_id: UUID) -> Response:
        group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
        book = selectors.markbook(actor=request.user, teaching_group=group)
        book.cells = [cell for row in book.rows for cell in row.cells if cell.points is not None]  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(book).data)


class MarkApi(APIView):
    @extend_schema_serializer(component_name="AssessmentMarkInput")
    class InputSerializer(serializers.Serializer):
        value = serializers.CharField(allow_blank=True, max_length=20)
        comment = serializers.CharField(allow_blank=True, max_length=2000, required=False)

    @extend_schema_serializer(component_name="AssessmentMark")
    class OutputSerializer(serializers.Serializer):
        column = serializers.UUIDField()
        pupil = serializers.UUIDField()
        value = serializers.CharField()
        comment = serializers.CharField()

    def _cell(self, request: Request, column_id: UUID, pupil_id: UUID):  # type: ignore[no-untyped-def]
        column = selectors.column_get(actor=request.user, public_id=column_id)
        pupil = selectors.roster_pupil(
            actor=request.user, teaching_group=column.teaching_group, public_id=pupil_id
        )
        return column, pupil

    def _out(self, column, pupil, mark) -> dict:  # type: ignore[no-untyped-def]
        return {
            "column": column.public_id,
            "pupil": pupil.public_id,
            "value": column.format(mark.points) if mark else "",
            "comment": mark.comment if mark else "",
        }

    @extend_schema(responses=OutputSerializer, operation_id="assessment_mark_retrieve")
    def get(self, request: Request, column_id: UUID, pupil_id: UUID) -> Response:
        column, pupil = self._cell(request, column_id, pupil_id)
        mark = selectors.mark_get(actor=request.user, column=column, pupil=pupil)
        return Response(self.OutputSerializer(self._out(column, pupil, mark)).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="assessment_mark_update")
    def put(self, request: Request, column_id: UUID, pupil_id: UUID) -> Response:
        column, pupil = self._cell(request, column_id, pupil_id)
        policy.require(request.user, "assessment.edit_markbook", column.teaching_group)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mark = services.mark_set(
                actor=request.user,
                column=column,
                pupil=pupil,
                value=data["value"],
                comment=data.get("comment"),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
            return Response(errors, status=400)
        return Response(self.OutputSerializer(self._out(column, pupil, mark)).data)


class ResultSerializer(serializers.Serializer):
    pupil = serializers.UUIDField()
    subject = serializers.UUIDField()
    working_at = serializers.CharField()
    expected = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    target = serializers.CharField()
    track = serializers.CharField()


class ResultListApi(APIView):
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("year", str, description="Year group id"),
            OpenApiParameter("point", str, description="Assessment point id"),
            OpenApiParameter("subject", str, description="Subject id"),
        ],
        responses=ResultSerializer(many=True),
        operation_id="assessment_results_list",
    )
    def get(self, request: Request) -> Response:
        """Working-at grades at a point, with each pupil's expected grade, target and track, in scope."""
        filters = dashboards.filters_from(request.user, request.query_params)
        rows = dashboards.pupil_progress(request.user, filters)
        pupils = dict(
            policy.scope(request.user, "assessment.view_results", dashboards.Result)
            .filter(pupil__in={r.pupil_id for r in rows})
            .values_list("pupil_id", "pupil__public_id")
            .distinct()
        )
        plans = {
            p.subject_id: p
            for p in dashboards.AssessmentPlan.objects.filter(year_group=filters.year).select_related(
                "scale", "subject"
            )
        }
        out = [
            {
                "pupil": pupils[r.pupil_id],
                "subject": plans[r.subject_id].subject.public_id,
                "working_at": plans[r.subject_id].scale.format(r.working_at),
                "expected": r.expected,
                "target": plans[r.subject_id].scale.format(r.target) if r.target is not None else "",
                "track": r.status,
            }
            for r in rows
            if r.subject_id in plans and r.pupil_id in pupils
        ]
        if out:
            audit.record_read(
                target_type="assessment.result", subjects=[o["pupil"] for o in out], categories=["attainment"]
            )
        return Response(ResultSerializer(out, many=True).data)
