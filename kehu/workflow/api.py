"""REST API for approvals: input serializer → one service or selector call → output serializer. Refusals come
from the services (ForbiddenError 403, StepStateError 409, ValidationError 400 with field messages)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from kehu.core.errors import ScopeError
from kehu.customers.models import Customer
from kehu.org.models import OrgUnit
from kehu.workflow import selectors, services
from kehu.workflow.models import (
    AgencyLicence,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApprovalStep,
    CustomerType,
    Decision,
    DisqualificationGround,
    DisqualificationRequest,
    LevelTransferRequest,
    Notification,
    StepStatus,
)
from kehu.workflow.services.licences import LICENCE_CONDITIONS

TAG = "审批 approvals"


def _enum(choices, enum_id: str, **kwargs) -> serializers.ChoiceField:
    """A choice field whose OpenAPI enum carries its own id (one per component and field): names like `status`
    recur across serializers and apps with other choice sets, and drf-spectacular then names each enum after its
    component (StepOutputStatusEnum …) instead of warning about a collision."""

    values = [*choices.values, ""] if kwargs.get("allow_blank") else list(choices.values)

    @extend_schema_field({"type": "string", "enum": values, "x-spec-enum-id": f"kehu-wf-{enum_id}",
                          "description": "；".join(f"{v} = {label}" for v, label in choices.choices)})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices.choices, **kwargs)


class StepOutputSerializer(serializers.ModelSerializer):
    status = _enum(StepStatus, "step-status", read_only=True)
    # A step not yet decided has no decision ("") and nobody who decided it (null).
    decision = _enum(Decision, "step-decision", read_only=True, allow_blank=True)
    decided_by = serializers.StringRelatedField(allow_null=True)
    decided_for = serializers.StringRelatedField(allow_null=True)
    delegated_to = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = ("id", "round", "order", "role_code", "role_name", "action", "status", "decision", "comment",
                  "decided_by", "decided_for", "decided_at", "due_at", "delegated_to")


class ApprovalOutputSerializer(serializers.ModelSerializer):
    kind = _enum(ApprovalKind, "approval-kind", read_only=True)
    status = _enum(ApprovalStatus, "approval-status", read_only=True)
    submitted_by = serializers.StringRelatedField()
    steps = StepOutputSerializer(many=True, read_only=True)
    subject_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = Approval
        fields = ("id", "kind", "title", "status", "round", "customer", "subject_type", "object_id",
                  "submitted_by", "submitted_at", "finished_at", "chain_code", "article", "pack_name",
                  "pack_version", "steps")


class WaitingStepOutputSerializer(StepOutputSerializer):
    status = _enum(StepStatus, "waiting-step-status", read_only=True)
    decision = _enum(Decision, "waiting-step-decision", read_only=True)
    approval = serializers.PrimaryKeyRelatedField(read_only=True)
    title = serializers.CharField(source="approval.title")

    class Meta(StepOutputSerializer.Meta):
        fields = (*StepOutputSerializer.Meta.fields, "approval", "title")


class DecideInputSerializer(serializers.Serializer):
    decision = _enum(Decision, "decide-decision")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AdmissionInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    customer_type = _enum(CustomerType, "admission-customer-type")
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

    @extend_schema(tags=[TAG], summary="待我审批 / waiting for me (?overdue=1 for overdue only)",
                   operation_id="approvals_waiting_list", responses=WaitingStepOutputSerializer(many=True),
                   parameters=[OpenApiParameter("overdue", str, required=False, description="1 = 只看逾期")])
    def get(self, request):
        qs = selectors.steps_overdue_for(request.user) if request.query_params.get("overdue") else \
            selectors.steps_waiting_for(request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WaitingStepOutputSerializer(page, many=True).data)


class SubmittedApi(GenericAPIView):
    serializer_class = ApprovalOutputSerializer

    @extend_schema(tags=[TAG], summary="我提交的 / submitted by me", operation_id="approvals_submitted_list",
                   responses=ApprovalOutputSerializer(many=True))
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

    @extend_schema(tags=[TAG], summary="我的通知 / my notifications", operation_id="notifications_list",
                   responses=NotificationOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(Notification.objects.filter(user=request.user).order_by("-created_at", "-id"))
        return self.get_paginated_response(NotificationOutputSerializer(page, many=True).data)


# ----- disqualification (000 第十七条) --------------------------------------------------------------------------


def _approval_data(approval_id: int | None) -> dict | None:
    return _approval_out(approval_id) if approval_id else None


class DisqualificationInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    ground = _enum(DisqualificationGround, "disqualification-ground")
    facts = serializers.CharField(max_length=5000)


class DisqualificationOutputSerializer(serializers.ModelSerializer):
    ground = _enum(DisqualificationGround, "disqualification-ground", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    ground_label = serializers.CharField(source="get_ground_display", read_only=True)
    requested_by = serializers.StringRelatedField()
    approval_status = serializers.CharField(source="approval.status", read_only=True, allow_null=True,
                                            default=None)

    class Meta:
        model = DisqualificationRequest
        fields = ("id", "customer", "customer_name", "ground", "ground_label", "facts", "requested_by",
                  "created_at", "approval", "approval_status")


class DisqualificationDetailSerializer(DisqualificationOutputSerializer):
    approval = serializers.SerializerMethodField()

    class Meta(DisqualificationOutputSerializer.Meta):
        pass

    @extend_schema_field(ApprovalOutputSerializer(allow_null=True))
    def get_approval(self, obj) -> dict | None:
        return _approval_data(obj.approval_id)


class DisqualificationListApi(GenericAPIView):
    serializer_class = DisqualificationOutputSerializer

    @extend_schema(tags=[TAG], summary="取消客户资格申请 / disqualification requests (000 第十七条)",
                   operation_id="disqualifications_list", responses=DisqualificationOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.disqualification_requests_for(request.user))
        return self.get_paginated_response(DisqualificationOutputSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], summary="申请取消客户资格 / request a disqualification (000 第十七条)",
                   request=DisqualificationInputSerializer, responses={201: DisqualificationDetailSerializer})
    def post(self, request):
        data = DisqualificationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.disqualification_request_submit(actor=request.user, **data.validated_data)
        return Response(DisqualificationDetailSerializer(req).data, status=status.HTTP_201_CREATED)


class DisqualificationDetailApi(GenericAPIView):
    serializer_class = DisqualificationDetailSerializer

    @extend_schema(tags=[TAG], summary="取消客户资格申请详情 / disqualification request with its approval")
    def get(self, request, pk: int):
        req = selectors.disqualification_requests_for(request.user).filter(pk=pk).first()
        if req is None:
            raise ScopeError("申请不存在，或您无权查看。")
        return Response(DisqualificationDetailSerializer(req).data)


# ----- exclusive agency licences (000 第十条) -------------------------------------------------------------------


class LicenceConditionsSerializer(serializers.Serializer):
    """The three conditions of 000 第十条, each confirmed true before a licence is issued."""

    sole_products = serializers.BooleanField(default=False, help_text=LICENCE_CONDITIONS[0][1])
    sound_business = serializers.BooleanField(default=False, help_text=LICENCE_CONDITIONS[1][1])
    monthly_plans = serializers.BooleanField(default=False, help_text=LICENCE_CONDITIONS[2][1])


class LicenceInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    region = serializers.CharField(max_length=100)
    conditions = LicenceConditionsSerializer()
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)


class LicenceRevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class LicenceOutputSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    issued_by = serializers.StringRelatedField()
    is_valid = serializers.SerializerMethodField()

    class Meta:
        model = AgencyLicence
        fields = ("id", "customer", "customer_name", "year", "number", "region", "issued_on", "expires_on",
                  "conditions", "issued_by", "revoked_at", "revoke_reason", "is_valid")

    def get_is_valid(self, obj) -> bool:
        from django.utils import timezone

        return obj.revoked_at is None and obj.expires_on >= timezone.localdate()


def _licence(request, pk: int) -> AgencyLicence:
    lic = selectors.agency_licences(actor=request.user).filter(pk=pk).first()
    if lic is None:
        raise ScopeError("许可证不存在，或您无权查看。")
    return lic


class LicenceListApi(GenericAPIView):
    serializer_class = LicenceOutputSerializer

    @extend_schema(tags=[TAG], summary="独家代理许可证 / exclusive agency licences (000 第十条)",
                   operation_id="agency_licences_list", responses=LicenceOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.agency_licences(actor=request.user))
        return self.get_paginated_response(LicenceOutputSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], summary="颁发独家代理许可证 / issue a licence (000 第十条)",
                   request=LicenceInputSerializer, responses={201: LicenceOutputSerializer})
    def post(self, request):
        data = LicenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lic = services.agency_licence_issue(actor=request.user, **data.validated_data)
        return Response(LicenceOutputSerializer(lic).data, status=status.HTTP_201_CREATED)


class LicenceDetailApi(GenericAPIView):
    serializer_class = LicenceOutputSerializer

    @extend_schema(tags=[TAG], summary="许可证详情 / licence")
    def get(self, request, pk: int):
        return Response(LicenceOutputSerializer(_licence(request, pk)).data)


class LicenceRevokeApi(GenericAPIView):
    serializer_class = LicenceRevokeInputSerializer

    @extend_schema(tags=[TAG], summary="吊销许可证 / revoke a licence", responses=LicenceOutputSerializer)
    def post(self, request, pk: int):
        data = LicenceRevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lic = services.agency_licence_revoke(actor=request.user, licence=_licence(request, pk),
                                             reason=data.validated_data["reason"])
        return Response(LicenceOutputSerializer(lic).data)


# ----- transfer between management levels (002 6.1.1) ----------------------------------------------------------


class LevelTransferInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    to_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    reason = serializers.CharField(max_length=2000)


class LevelTransferOutputSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    requested_by = serializers.StringRelatedField()
    approval_status = serializers.CharField(source="approval.status", read_only=True, allow_null=True,
                                            default=None)

    class Meta:
        model = LevelTransferRequest
        fields = ("id", "customer", "customer_name", "from_unit", "from_unit_name", "to_unit", "to_unit_name",
                  "reason", "requested_by", "created_at", "applied_at", "approval", "approval_status")


class LevelTransferDetailSerializer(LevelTransferOutputSerializer):
    approval = serializers.SerializerMethodField()

    class Meta(LevelTransferOutputSerializer.Meta):
        pass

    @extend_schema_field(ApprovalOutputSerializer(allow_null=True))
    def get_approval(self, obj) -> dict | None:
        return _approval_data(obj.approval_id)


class LevelTransferListApi(GenericAPIView):
    serializer_class = LevelTransferOutputSerializer

    @extend_schema(tags=[TAG], summary="管理层级转移申请 / level transfers (002 6.1.1)",
                   operation_id="level_transfers_list", responses=LevelTransferOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.level_transfers_for(request.user))
        return self.get_paginated_response(LevelTransferOutputSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], summary="申请转移客户管理层级 / request a level transfer (002 6.1.1)",
                   request=LevelTransferInputSerializer, responses={201: LevelTransferDetailSerializer})
    def post(self, request):
        data = LevelTransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.level_transfer_request_submit(actor=request.user, **data.validated_data)
        return Response(LevelTransferDetailSerializer(req).data, status=status.HTTP_201_CREATED)


class LevelTransferDetailApi(GenericAPIView):
    serializer_class = LevelTransferDetailSerializer

    @extend_schema(tags=[TAG], summary="管理层级转移申请详情 / level transfer with its approval")
    def get(self, request, pk: int):
        req = selectors.level_transfers_for(request.user).filter(pk=pk).first()
        if req is None:
            raise ScopeError("申请不存在，或您无权查看。")
        return Response(LevelTransferDetailSerializer(req).data)
