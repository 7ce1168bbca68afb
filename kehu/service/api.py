"""REST API for complaints: thin views over the same services as the web UI."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.permissions import require_perm
from kehu.service import selectors, services
from kehu.service.models import Complaint, ComplaintChannel, ComplaintSeverity, Responsibility, Satisfaction


class ComplaintOut(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Complaint
        fields = ["id", "code", "customer", "customer_name", "channel", "complaint_type", "type_name", "severity",
                  "description", "received_at", "due_at", "deadline_days", "deadline_article", "deadline_error",
                  "paused_since", "status", "status_display", "responsibility", "solution", "resolved_at",
                  "resolved_on_time", "escalated", "escalation_reason", "reopen_count", "department", "assignee",
                  "onsite_check", "onsite_at", "extension_days", "extension_status", "reported_at", "reported_to"]


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


# ------------------------------------------------------------------ actions mirroring the complaint page's forms
ERRORS = {
    400: OpenApiResponse(description="字段错误或状态不允许：{字段: [消息]} 或 {detail, code}"),
    403: OpenApiResponse(description="没有权限"),
    404: OpenApiResponse(description="投诉不存在，或不在您的管理范围内"),
}


def _out(request, pk: int) -> Response:
    return Response(ComplaintOut(selectors.complaint_get(actor=request.user, pk=pk)).data)


class PauseIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="等待客户的事项")


class AssignIn(serializers.Serializer):
    department = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="责任部门 id")
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="处理人 id")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="上报理由")


class InvestigateIn(serializers.Serializer):
    onsite_check = serializers.CharField(required=False, allow_blank=True, default="", help_text="现场核实情况")
    onsite_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    responsibility = serializers.ChoiceField(choices=Responsibility.choices, default=Responsibility.UNKNOWN)


class ExtensionIn(serializers.Serializer):
    days = serializers.IntegerField(help_text="延长后的处理时限（工作日），不超过政策包规定的上限")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="特殊情况说明")


class ExtensionDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", help_text="驳回时必填")


class ComplaintPauseApi(APIView):
    """暂停计时：投诉等待客户（补充材料、寄送留样等），恢复后期限顺延。"""

    @extend_schema(request=PauseIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = PauseIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_pause(actor=request.user, complaint_id=pk, reason=data.validated_data["reason"])
        return _out(request, pk)


class ComplaintResumeApi(APIView):
    """恢复计时：期限顺延暂停期间的工作时间。"""

    @extend_schema(request=None, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        services.complaint_resume(actor=request.user, complaint_id=pk)
        return _out(request, pk)


class ComplaintAssignApi(APIView):
    """交办质检部或相关责任部门 (001 第十九条二)。"""

    @extend_schema(request=AssignIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = AssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.complaint_assign(actor=request.user, complaint_id=pk, department_id=d["department"],
                                  assignee_id=d["assignee"], note=d["note"])
        return _out(request, pk)


class ComplaintEscalateApi(APIView):
    """报请总经理召开专题会议 (000 第十二条(二); 001 第十九条四)。"""

    @extend_schema(request=EscalateIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = EscalateIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_escalate(actor=request.user, complaint_id=pk, reason=data.validated_data["reason"])
        return _out(request, pk)


class ComplaintInvestigateApi(APIView):
    """现场核实与责任认定。"""

    @extend_schema(request=InvestigateIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = InvestigateIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_investigate(actor=request.user, complaint_id=pk, **data.validated_data)
        return _out(request, pk)


class ComplaintExtensionApi(APIView):
    """申请延期：提交审批链 complaint_extension（000 第十二条(三)，最多 7 个工作日）。"""

    @extend_schema(request=ExtensionIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = ExtensionIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_extension_request(actor=request.user, complaint_id=pk, **data.validated_data)
        return _out(request, pk)


class ComplaintExtensionDecisionApi(APIView):
    """审批延期申请（与审批中心相同的审批步骤）。"""

    @extend_schema(request=ExtensionDecisionIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, pk: int):
        data = ExtensionDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_extension_decide(actor=request.user, complaint_id=pk, **data.validated_data)
        return _out(request, pk)
