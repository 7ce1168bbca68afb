from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import KehuAutoSchema
from kehu.workdays import selectors
from kehu.workdays.calendar import COUNTINGS

# Before 1901 Asia/Shanghai has a local-mean-time offset (+08:05:43) that ISO 8601 / RFC 3339 cannot write,
# and no working-day calendar reaches that far anyway; 2100 is far beyond any notice ever published.
START_MIN_YEAR = 1901
START_MAX_YEAR = 2100


class DeadlineInput(serializers.Serializer):
    start = serializers.DateTimeField(help_text=_("起算时间（1901–2100 年）"))
    amount = serializers.IntegerField(min_value=0, max_value=365)
    counting = serializers.ChoiceField(choices=COUNTINGS, default="whole_days")

    def validate_start(self, value):
        if not START_MIN_YEAR <= value.year <= START_MAX_YEAR:
            raise serializers.ValidationError(
                _("起算时间须在 %(lo)s 至 %(hi)s 年之间。") % {"lo": START_MIN_YEAR, "hi": START_MAX_YEAR}
            )
        return value


class DeadlineOutput(serializers.Serializer):
    deadline = serializers.DateTimeField()


CALENDAR_YEAR_MISSING = OpenApiResponse(
    inline_serializer("CalendarYearMissing", {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "year": serializers.IntegerField(),
    }),
    description=_("该年的节假日安排尚未录入，无法计算工作日"),
)


class DeadlineApi(APIView):
    """The deadline `amount` working days after `start` (China's holidays and make-up days)."""

    schema = KehuAutoSchema()

    @extend_schema(parameters=[DeadlineInput], responses={200: DeadlineOutput, 409: CALENDAR_YEAR_MISSING})
    def get(self, request):
        data = DeadlineInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        try:
            deadline = selectors.working_deadline(**data.validated_data)
        except selectors.CalendarYearMissing as exc:
            return Response({"detail": str(exc), "code": "calendar_year_missing", "year": exc.year}, status=409)
        return Response(DeadlineOutput({"deadline": deadline}).data)


class MissingYearsApi(APIView):
    schema = KehuAutoSchema()

    @extend_schema(responses={200: inline_serializer("MissingYears", {
        "missing_years": serializers.ListField(child=serializers.IntegerField()),
    })})
    def get(self, request):
        return Response({"missing_years": selectors.years_missing()})
