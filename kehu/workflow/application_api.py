"""REST API of the generic application with deadlines (railway and power big clients, 003): receive an application
under a pack's program, list and read them with their milestones, complete a milestone, extend a validity.
Refusals come from the services: an unmet eligibility condition or a bad field is a 400 naming the field."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.customers.models import Customer
from kehu.customers.selectors import customer_queryset_for_actor
from kehu.workflow.application_models import Application, ApplicationMilestone
from kehu.workflow.services import applications as svc

TAG = "大客户申请 applications"


class MilestoneOutSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="waiting / open / done / failed")
    outcome = serializers.CharField(read_only=True, help_text="'' / passed / failed")
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApplicationMilestone
        fields = ("id", "code", "name", "attempt", "role_code", "article", "status", "due_on", "done_on",
                  "outcome", "fee_due", "valid_until", "extensions", "is_overdue", "note")


class ApplicationOutSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open / in_approval / rejected / completed / expired")
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    facts = serializers.DictField(read_only=True)
    eligibility = serializers.ListField(child=serializers.DictField(), read_only=True)
    milestones = MilestoneOutSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ("id", "pack_name", "program_code", "program_name", "article", "customer", "customer_name", "title",
                  "received_on", "status", "facts", "eligibility", "approval", "milestones")


class ApplicationInSerializer(serializers.Serializer):
    pack = serializers.CharField(max_length=60, help_text="railway-big-client / power-big-client")
    program = serializers.CharField(max_length=60, help_text="railway_big_client / railway_annual_volume / "
                                                              "power_expansion")
    customer = serializers.IntegerField(min_value=1)
    received_on = serializers.DateField()
    facts = serializers.DictField(help_text="申请内容，字段由政策包的 applications.fields 决定")


class CompleteInSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=[("", "—"), ("passed", "合格"), ("failed", "不合格")], required=False,
                                      default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    records = serializers.DictField(child=serializers.CharField(max_length=200), required=False, default=dict)


class ExtendInSerializer(serializers.Serializer):
    requested_on = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True)


def _need_view(user) -> None:
    if not user.has_perm("workflow.view_application"):
        raise ForbiddenError("您没有查看大客户申请的权限。")


def _visible(user):
    return Application.objects.filter(customer__in=customer_queryset_for_actor(user))


def _detail(pk: int, user) -> Application:
    app = _visible(user).filter(pk=pk).select_related("customer").prefetch_related("milestones").first()
    if app is None:
        raise ScopeError("申请不存在或不在您的管理范围内。")
    return app


def _milestone(pk: int, user) -> ApplicationMilestone:
    _need_view(user)
    row = ApplicationMilestone.objects.filter(pk=pk, application__in=_visible(user)).first()
    if row is None:
        raise ScopeError("不存在或不在您的管理范围内。")
    return row


class ApplicationListCreateApi(GenericAPIView):
    serializer_class = ApplicationOutSerializer

    @extend_schema(tags=[TAG], operation_id="applications_list", summary="大客户申请（?overdue=1 只看有逾期事项的）",
                   responses=ApplicationOutSerializer(many=True),
                   parameters=[OpenApiParameter("overdue", str, required=False, description="1 = 只看逾期")])
    def get(self, request):
        _need_view(request.user)
        qs = _visible(request.user).select_related("customer").prefetch_related("milestones").order_by("-id")
        if request.query_params.get("overdue") == "1":
            from django.utils import timezone

            qs = qs.filter(milestones__due_on__lt=timezone.localdate(),
                           milestones__status__in=["open", "waiting"]).distinct()
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ApplicationOutSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="applications_receive",
                   summary="受理申请：核对条件（须同时符合）并按制度计算各事项期限",
                   request=ApplicationInSerializer, responses={201: ApplicationOutSerializer})
    def post(self, request):
        data = ApplicationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        customer = Customer.objects.filter(pk=d["customer"]).first()
        if customer is None:
            raise ValidationError({"customer": ["客户不存在或不在您的管理范围内。"]})
        try:
            app = svc.application_receive(actor=request.user, pack_name=d["pack"], program_code=d["program"],
                                          customer=customer, received_on=d["received_on"], facts=d["facts"])
        except ScopeError as exc:
            raise ValidationError({"customer": [exc.message]}) from None
        return Response(ApplicationOutSerializer(_detail(app.pk, request.user)).data, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(GenericAPIView):
    serializer_class = ApplicationOutSerializer

    @extend_schema(tags=[TAG], operation_id="applications_retrieve", summary="一件申请及其办理事项",
                   responses=ApplicationOutSerializer)
    def get(self, request, pk: int):
        _need_view(request.user)
        return Response(ApplicationOutSerializer(_detail(pk, request.user)).data)


class MilestoneCompleteApi(GenericAPIView):
    serializer_class = MilestoneOutSerializer

    @extend_schema(tags=[TAG], operation_id="applications_milestone_complete",
                   summary="办理一个事项（由制度规定的角色）", request=CompleteInSerializer,
                   responses={200: MilestoneOutSerializer})
    def post(self, request, pk: int):
        row = _milestone(pk, request.user)
        data = CompleteInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = svc.milestone_complete(actor=request.user, milestone=row, **data.validated_data)
        return Response(MilestoneOutSerializer(done).data)


class MilestoneExtendApi(GenericAPIView):
    serializer_class = MilestoneOutSerializer

    @extend_schema(tags=[TAG], operation_id="applications_validity_extend",
                   summary="延长有效期（到期前十天申请，至多一个有效期）", request=ExtendInSerializer,
                   responses={200: MilestoneOutSerializer})
    def post(self, request, pk: int):
        row = _milestone(pk, request.user)
        data = ExtendInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(MilestoneOutSerializer(svc.validity_extend(actor=request.user, milestone=row,
                                                                   **data.validated_data)).data)
