"""REST API for complaints: thin views over the same services as the web UI."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.permissions import require_perm
from kehu.service import selectors, services
from kehu.service.models import Complaint, ComplaintChannel, ComplaintSeverity, Satisfaction


class ComplaintOut(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Complaint
        fields = ["id", "code", "customer", "customer_name", "channel", "complaint_type", "type_name", "severity",
                  "description", "received_at", "due_at", "deadline_days", "deadline_article", "deadline_error",
                  "paused_since", "status", "status_display", "responsibility", "solution", "resolved_at",
                  "resolved_on_time", "escalated", "reopen_count", "department"]


class ComplaintIn(serializers.Serializer):
    customer = serializers.IntegerField(required=False, allow_null=True)
    complaint_type = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=ComplaintSeverity.choices, default=ComplaintSeverity.GENERAL)
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices, default=ComplaintChannel.PHONE)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.IntegerField(required=False, allow_null=True)


class ComplaintListApi(APIView):
    @extend_schema(responses=ComplaintOut(many=True))
    def get(self, request):
        require_perm(request.user, "service.view_complaint")
        filters = selectors.ComplaintFilters(view=request.query_params.get("view", ""))
        qs = selectors.complaint_list(actor=request.user, filters=filters)[:200]
        return Response(ComplaintOut(qs, many=True).data)

    @extend_schema(request=ComplaintIn, responses={201: ComplaintOut})
    def post(self, request):
        data = ComplaintIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        complaint = services.complaint_register(
            actor=request.user, customer_id=d.get("customer"), complaint_type=d["complaint_type"],
            description=d["description"], severity=d["severity"], channel=d["channel"],
            received_at=d.get("received_at"), contact_name=d["contact_name"], contact_phone=d["contact_phone"],
            department_id=d.get("department"))
        return Response(ComplaintOut(complaint).data, status=201)


class ComplaintDetailApi(APIView):
    @extend_schema(responses=ComplaintOut)
    def get(self, request, pk: int):
        return Response(ComplaintOut(selectors.complaint_get(actor=request.user, pk=pk)).data)


class FollowUpIn(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comments = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveIn(serializers.Serializer):
    responsibility = serializers.CharField()
    solution = serializers.CharField(allow_blank=True)
    written_reply = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintResolveApi(APIView):
    @extend_schema(request=ResolveIn, responses=ComplaintOut)
    def post(self, request, pk: int):
        data = ResolveIn(data=request.data)
        data.is_valid(raise_exception=True)
        c = services.complaint_resolve(actor=request.user, complaint_id=pk, **data.validated_data)
        return Response(ComplaintOut(c).data)


class ComplaintFollowUpApi(APIView):
    @extend_schema(request=FollowUpIn, responses=ComplaintOut)
    def post(self, request, pk: int):
        data = FollowUpIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_follow_up(actor=request.user, complaint_id=pk, **data.validated_data)
        return Response(ComplaintOut(selectors.complaint_get(actor=request.user, pk=pk)).data)


class ComplaintCountsApi(APIView):
    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request):
        require_perm(request.user, "service.view_complaint")
        return Response(selectors.complaint_counts(actor=request.user))
