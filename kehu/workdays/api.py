from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.workdays import selectors
from kehu.workdays.calendar import COUNTINGS


class DeadlineInput(serializers.Serializer):
    start = serializers.DateTimeField()
    amount = serializers.IntegerField(min_value=0, max_value=365)
    counting = serializers.ChoiceField(choices=COUNTINGS, default="whole_days")


class DeadlineOutput(serializers.Serializer):
    deadline = serializers.DateTimeField()


class DeadlineApi(APIView):
    """The deadline `amount` working days after `start` (China's holidays and make-up days)."""

    @extend_schema(parameters=[DeadlineInput], responses=DeadlineOutput)
    def get(self, request):
        data = DeadlineInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        try:
            deadline = selectors.working_deadline(**data.validated_data)
        except selectors.CalendarYearMissing as exc:
            return Response({"detail": str(exc), "code": "calendar_year_missing", "year": exc.year}, status=409)
        return Response(DeadlineOutput({"deadline": deadline}).data)


class MissingYearsApi(APIView):
    @extend_schema(responses={200: {"type": "object", "properties": {"missing_years": {"type": "array"}}}})
    def get(self, request):
        return Response({"missing_years": selectors.years_missing()})
