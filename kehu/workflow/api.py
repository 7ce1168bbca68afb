"""REST API for approvals: input serializer → one service or selector call → output serializer. Refusals come
from the services (ForbiddenError 403, StepStateError 409, ValidationError 400 with field messages)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from kehu.core.errors import ScopeError
from kehu.customers.models import Customer
from kehu.workflow import selectors, services
from kehu.workflow.models import (
    Approval,
    ApprovalStep,
    CustomerType,
    Decision,
    Notification,
)

TAG = "审批 approvals"


class StepOutputSerializer(serializers.ModelSerializer):
    decided_by = serializers.StringRelatedField()
    decided_for = serializers.StringRelatedField()
    delegated_to = serializers.StringRelatedField()

    class Meta:
        model = ApprovalStep
        fields = ("id", "round", "order", "role_code", "role_name", "action", "status", "decision", "comment",
                  "decided_by", "decided_for", "decided_at", "due_at", "delegated_to")


class ApprovalOutputSerializer(serializers.ModelSerializer):
    submitted_by = serializers.StringRelatedField()
    steps = StepOutputSerializer(many=True, read_only=True)
    subject_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = Approval
        fields = ("id", "kind", "title", "status", "round", "customer", "subject_type", "object_id",
                  "submitted_by", "submitted_at", "finished_at", "chain_code", "article", "pack_name",
                  "pack_version", "steps")


class WaitingStepOutputSerializer(StepOutputSerializer):
    approval = serializers.PrimaryKeyRelatedField(read_only=True)
    title = serializers.CharField(source="approval.title")

    class Meta(StepOutputSerializer.Meta):
        fields = (*StepOutputSerializer.Meta.fields, "approval", "title")


class DecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AdmissionInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    customer_type = serializers.ChoiceField(choices=CustomerType.choices)
    business_scope = serializers.CharField(required=False, allow_blank=True, default="")
    expected_products = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    expected_monthly_quantity = serializers.DecimalField(max_digits=12, decimal_places=3, required=False,
                                                         allow_null=True, default=None)
    quantity_unit = serializers.CharField(required=False, max_length=10, default="吨")
    conditions = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=True)


class AccessRequestInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    reason = serializers.CharField()
    days = serializers.IntegerField(min_value=1, max_value=30, default=7)


class NotificationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "url", "created_at", "read_at")


def _approval(request, pk) -> Approval:
    return selectors.approval_get_for_actor(actor=request.user, pk=pk)


def _approval_out(pk: int) -> dict:
    obj = selectors.approvals_with_steps(Approval.objects.filter(pk=pk)).select_related("content_type").get()
    return ApprovalOutputSerializer(obj).data


class InboxApi(GenericAPIView):
    serializer_class = WaitingStepOutputSerializer

    @extend_schema(tags=[TAG], summary="待我审批 / waiting for me (?overdue=1 for overdue only)")
    def get(self, request):
        qs = selectors.steps_overdue_for(request.user) if request.query_params.get("overdue") else \
            selectors.steps_waiting_for(request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WaitingStepOutputSerializer(page, many=True).data)


class SubmittedApi(GenericAPIView):
    serializer_class = ApprovalOutputSerializer

    @extend_schema(tags=[TAG], summary="我提交的 / submitted by me")
    def get(self, request):
        page = self.paginate_queryset(selectors.approvals_submitted_by(request.user).select_related("content_type"))
        return self.get_paginated_response(ApprovalOutputSerializer(page, many=True).data)


class ApprovalDetailApi(GenericAPIView):
    serializer_class = ApprovalOutputSerializer

    @extend_schema(tags=[TAG], summary="审批详情 / approval with its steps")
    def get(self, request, pk: int):
        return Response(_approval_out(_approval(request, pk).pk))


class StepDecideApi(GenericAPIView):
    serializer_class = DecideInputSerializer

    @extend_schema(tags=[TAG], summary="审批一个步骤 / decide a step", responses=ApprovalOutputSerializer)
    def post(self, request, pk: int):
        step = ApprovalStep.objects.filter(pk=pk).first()
        if step is None:
            raise ScopeError("审批步骤不存在。")
        _approval(request, step.approval_id)
        data = DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approval_step_decide(actor=request.user, step=step, **data.validated_data)
        return Response(_approval_out(step.approval_id))


class ApprovalWithdrawApi(GenericAPIView):
    serializer_class = CommentInputSerializer

    @extend_schema(tags=[TAG], summary="撤回 / withdraw", responses=ApprovalOutputSerializer)
    def post(self, request, pk: int):
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approval_withdraw(actor=request.user, approval=_approval(request, pk),
                                   reason=data.validated_data["comment"])
        return Response(_approval_out(pk))


class ApprovalResubmitApi(GenericAPIView):
    serializer_class = CommentInputSerializer

    @extend_schema(tags=[TAG], summary="重新提交 / resubmit after rejection or return",
                   responses=ApprovalOutputSerializer)
    def post(self, request, pk: int):
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approval_resubmit(actor=request.user, approval=_approval(request, pk),
                                   comment=data.validated_data["comment"])
        return Response(_approval_out(pk))


class AdmissionCreateApi(GenericAPIView):
    serializer_class = AdmissionInputSerializer

    @extend_schema(tags=[TAG], summary="提交客户开户审批表 / submit an admission application (000 第七条)",
                   responses={201: ApprovalOutputSerializer})
    def post(self, request):
        data = AdmissionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        app = services.admission_apply(actor=request.user, **fields)
        body = _approval_out(app.approval_id) if app.approval_id else {"application": app.pk}
        return Response(body, status=status.HTTP_201_CREATED)


class AccessRequestCreateApi(GenericAPIView):
    serializer_class = AccessRequestInputSerializer

    @extend_schema(tags=[TAG], summary="申请查阅客户档案 / request archive access (001 第九条)",
                   responses={201: ApprovalOutputSerializer})
    def post(self, request):
        data = AccessRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.access_request_submit(actor=request.user, **data.validated_data)
        return Response(_approval_out(req.approval_id), status=status.HTTP_201_CREATED)


class NotificationListApi(GenericAPIView):
    serializer_class = NotificationOutputSerializer

    @extend_schema(tags=[TAG], summary="我的通知 / my notifications")
    def get(self, request):
        page = self.paginate_queryset(Notification.objects.filter(user=request.user).order_by("-created_at", "-id"))
        return self.get_paginated_response(NotificationOutputSerializer(page, many=True).data)
