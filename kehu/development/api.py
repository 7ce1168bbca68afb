"""REST API of customer development: prospects and their conversion, plans and their completion, the shared pool.
Thin views: an input serializer, one service or selector, an output serializer."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import ID_MAX
from kehu.core.errors import ForbiddenError
from kehu.development import selectors, services
from kehu.development.models import (
    DevelopmentPlan,
    FuelType,
    Potential,
    Prospect,
    ProspectCategory,
    ProspectKind,
    TargetCategory,
)
from kehu.development.rules import month_start
from kehu.development.services.plans import plan_get_for_actor
from kehu.development.services.prospects import prospect_get_for_actor
from kehu.org.models import OrgUnit, User
from kehu.workflow.models import CustomerType


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise ForbiddenError(f"您没有执行此操作的权限（{perm}）。")


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


# ----- prospects -------------------------------------------------------------------------------------------------


class ProspectOut(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    survey_label = serializers.SerializerMethodField()

    class Meta:
        model = Prospect
        fields = ["id", "code", "pack_name", "survey", "survey_label", "unit", "unit_name", "owner", "owner_name",
                  "name", "category", "kind", "area", "address", "uscc", "contact_name", "contact_title",
                  "contact_phone", "decision_maker", "decision_maker_notes", "fuel_type", "gasoline_month_t",
                  "diesel_month_t", "card_year_amount", "demand_cycle", "current_supplier", "retention_means",
                  "competitor_policy", "potential", "plan_text", "status", "status_display", "drop_reason",
                  "customer", "converted_at", "created_at"]

    def get_survey_label(self, obj) -> str:
        return str(obj.survey) if obj.survey_id else ""


class ProspectIn(serializers.Serializer):
    """《潜在客户调查表》 (002 附录2). The service names every missing required column."""

    unit = _id(required=False, allow_null=True, help_text="责任单位 id（默认为本人所在单位）")
    name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    category = serializers.ChoiceField(choices=ProspectCategory.choices, required=False, allow_blank=True,
                                       default="")
    kind = serializers.ChoiceField(choices=ProspectKind.choices, required=False, allow_blank=True, default="")
    area = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    address = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    uscc = serializers.CharField(max_length=18, allow_blank=True, required=False, default="")
    contact_name = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    contact_title = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    contact_phone = serializers.CharField(max_length=30, allow_blank=True, required=False, default="")
    decision_maker = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    decision_maker_notes = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    fuel_type = serializers.ChoiceField(choices=FuelType.choices, required=False, allow_blank=True, default="")
    gasoline_month_t = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0, required=False,
                                                allow_null=True, default=None)
    diesel_month_t = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0, required=False,
                                              allow_null=True, default=None)
    card_year_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                                allow_null=True, default=None)
    demand_cycle = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    current_supplier = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    retention_means = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    competitor_policy = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    potential = serializers.ChoiceField(choices=Potential.choices, default=Potential.MEDIUM)
    plan_text = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ProspectListCreateApi(generics.ListAPIView):
    serializer_class = ProspectOut

    def get_queryset(self):
        _need(self.request, "development.view_prospect")
        return selectors.prospect_list(actor=self.request.user)

    @extend_schema(operation_id="development_prospects_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="development_prospects_create", request=ProspectIn, responses={201: ProspectOut})
    def post(self, request):
        _need(request, "development.add_prospect")
        data = ProspectIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        unit_id = d.pop("unit", None)
        unit = None
        if unit_id is not None:
            unit = OrgUnit.objects.filter(pk=unit_id).first()
            if unit is None:
                raise ValidationError({"unit": ["单位不存在。"]})
        prospect = services.prospect_create(actor=request.user, unit=unit, **d)
        return Response(ProspectOut(prospect).data, status=status.HTTP_201_CREATED)


class ProspectDetailApi(APIView):
    @extend_schema(operation_id="development_prospects_retrieve", responses=ProspectOut)
    def get(self, request, pk: int):
        _need(request, "development.view_prospect")
        return Response(ProspectOut(prospect_get_for_actor(actor=request.user, pk=pk)).data)


class ConvertIn(serializers.Serializer):
    customer_type = serializers.ChoiceField(choices=CustomerType.choices)
    business_scope = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    expected_products = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    expected_monthly_quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0,
                                                         required=False, allow_null=True, default=None)


class ConvertOut(serializers.Serializer):
    application = serializers.IntegerField(help_text="开户审批表 id（草稿）")
    customer = serializers.IntegerField(help_text="新建的客户档案 id（状态：潜在客户）")
    customer_code = serializers.CharField()


class ProspectConvertApi(APIView):
    """潜在客户转开户申请：建立客户档案与《客户开户审批表》草稿（000 第七条）。"""

    @extend_schema(operation_id="development_prospects_convert", request=ConvertIn, responses={201: ConvertOut})
    def post(self, request, pk: int):
        _need(request, "development.convert_prospect")
        data = ConvertIn(data=request.data)
        data.is_valid(raise_exception=True)
        prospect = prospect_get_for_actor(actor=request.user, pk=pk)
        application = services.prospect_convert(actor=request.user, prospect=prospect, **data.validated_data)
        return Response({"application": application.pk, "customer": application.customer_id,
                         "customer_code": application.customer.code}, status=status.HTTP_201_CREATED)


# ----- plans -----------------------------------------------------------------------------------------------------


class CompletionOut(serializers.Serializer):
    plan = serializers.IntegerField(source="plan_id")
    plan_unit = serializers.IntegerField(source="plan_unit_id")
    plan_unit_name = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    category = serializers.ChoiceField(choices=TargetCategory.choices)
    category_name = serializers.CharField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    unit_name = serializers.CharField()
    unit_kind = serializers.CharField()
    county_name = serializers.CharField()
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    assignee_name = serializers.CharField()
    target = serializers.IntegerField()
    admitted = serializers.IntegerField(help_text="期间内审批通过的开户申请数（系统统计）")
    rate = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True, help_text="完成率（%）")
    deadline = serializers.DateField(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class PlanOut(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = DevelopmentPlan
        fields = ["id", "pack_name", "unit", "unit_name", "period", "period_start", "period_end", "due_on", "status",
                  "status_display", "note", "approval", "submitted_at", "version", "lines"]

    @extend_schema_field(CompletionOut(many=True))
    def get_lines(self, obj) -> list[dict]:
        return CompletionOut(selectors.plan_rows(obj), many=True).data


class LineIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=TargetCategory.choices)
    target = serializers.IntegerField(min_value=0, max_value=100000)
    unit = _id(required=False, allow_null=True, default=None, help_text="区县或加油站 id（002 按单位分解）")
    assignee = _id(required=False, allow_null=True, default=None, help_text="客户经理 id（000 按客户经理分解）")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True,
                                      default=None)
    prospects = serializers.ListField(child=_id(), required=False, default=list, max_length=200)
    note = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class PlanIn(serializers.Serializer):
    unit = _id(help_text="编制单位 id")
    period_start = serializers.DateField(help_text="计划期间第一天（月度计划为月初，季度计划为季初）")
    lines = LineIn(many=True)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")

    def validate_lines(self, value):
        if len(value) > 500:
            raise serializers.ValidationError("一份计划最多 500 行。")
        return value


def _line_inputs(lines: list[dict], unit: OrgUnit) -> list[services.LineInput]:
    unit_ids = {ln["unit"] for ln in lines if ln["unit"]}
    user_ids = {ln["assignee"] for ln in lines if ln["assignee"]}
    units = OrgUnit.objects.in_bulk(unit_ids)
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids).select_related("unit")}
    errors = []
    for n, ln in enumerate(lines, start=1):
        if ln["unit"] and ln["unit"] not in units:
            errors.append(f"第{n}行：单位 {ln['unit']} 不存在。")
        if ln["assignee"] and ln["assignee"] not in users:
            errors.append(f"第{n}行：客户经理 {ln['assignee']} 不存在。")
    if errors:
        raise ValidationError({"lines": errors})
    return [services.LineInput(category=ln["category"], target=ln["target"], unit=units.get(ln["unit"]),
                               assignee=users.get(ln["assignee"]), deadline=ln["deadline"], budget=ln["budget"],
                               prospect_ids=tuple(ln["prospects"]), note=ln["note"]) for ln in lines]


class PlanListCreateApi(generics.ListAPIView):
    serializer_class = PlanOut

    def get_queryset(self):
        _need(self.request, "development.view_developmentplan")
        return selectors.plan_queryset_for_actor(self.request.user).order_by("-period_start", "unit__path", "pk")

    @extend_schema(operation_id="development_plans_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="development_plans_create", request=PlanIn, responses={201: PlanOut})
    def post(self, request):
        _need(request, "development.add_developmentplan")
        data = PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        unit = OrgUnit.objects.filter(pk=d["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": ["单位不存在。"]})
        plan = services.development_plan_save(actor=request.user, unit=unit, period_start=d["period_start"],
                                              lines=_line_inputs(d["lines"], unit), note=d["note"])
        return Response(PlanOut(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(operation_id="development_plans_retrieve", responses=PlanOut)
    def get(self, request, pk: int):
        _need(request, "development.view_developmentplan")
        return Response(PlanOut(plan_get_for_actor(actor=request.user, pk=pk)).data)


class PlanSubmitApi(APIView):
    """报送（002：加管处审核）或下达（000：直接下达客户经理）。"""

    @extend_schema(operation_id="development_plans_submit", request=None, responses=PlanOut)
    def post(self, request, pk: int):
        _need(request, "development.add_developmentplan")
        plan = services.development_plan_submit(actor=request.user, plan=plan_get_for_actor(actor=request.user,
                                                                                           pk=pk))
        return Response(PlanOut(plan).data)


class CompletionQuery(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM，默认本月")
    unit = _id(required=False, help_text="只看该单位及其下级")


class CompletionApi(APIView):
    """《零售客户开发计划完成统计表》(002 附录7) 的数据：每个区县、加油站或客户经理的计划、已开户与完成率。"""

    @extend_schema(operation_id="development_completion", parameters=[
        OpenApiParameter("month", str, description="YYYY-MM，默认本月"),
        OpenApiParameter("unit", int, description="只看该单位及其下级")], responses=CompletionOut(many=True))
    def get(self, request):
        _need(request, "development.view_developmentplan")
        query = CompletionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data.get("month")
        period = date.fromisoformat(month + "-01") if month else month_start(date.today())
        unit = None
        if "unit" in query.validated_data:
            unit = OrgUnit.objects.filter(pk=query.validated_data["unit"]).first()
            if unit is None:
                raise ValidationError({"unit": ["单位不存在。"]})
        rows = selectors.plan_completion(actor=request.user, period=period, unit=unit)
        return Response(CompletionOut(rows, many=True).data)


# ----- shared pool -----------------------------------------------------------------------------------------------


class PoolCustomerOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    unit_name = serializers.CharField(source="unit.name", default="", allow_null=True)
    entered_at = serializers.DateTimeField(source="pool_entered_at", allow_null=True)
    reason = serializers.CharField(source="pool_reason", allow_null=True)
    previous_owner = serializers.CharField(source="pool_previous_owner", allow_null=True)
    last_follow_up = serializers.DateField(source="pool_last_follow_up", allow_null=True)


class PoolListApi(generics.ListAPIView):
    serializer_class = PoolCustomerOut

    def get_queryset(self):
        _need(self.request, "development.claim_pool_customer")
        return selectors.pool_customers(actor=self.request.user)

    @extend_schema(operation_id="development_pool_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClaimIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class OwnerOut(serializers.Serializer):
    customer = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)


class PoolClaimApi(APIView):
    """领取公海客户：超过每人上限、或在再次领取等待期内，返回 400 并说明；已被他人领取返回 409。"""

    @extend_schema(operation_id="development_pool_claim", request=ClaimIn, responses={200: OwnerOut, 409: None})
    def post(self, request, pk: int):
        data = ClaimIn(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.pool_claim(actor=request.user, customer_id=pk, reason=data.validated_data["reason"])
        return Response(OwnerOut(customer).data)


class ReleaseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="退回公海的原因")


class PoolReleaseApi(APIView):
    """把客户退回其所在单位的公海。"""

    @extend_schema(operation_id="development_pool_release", request=ReleaseIn, responses={200: OwnerOut, 409: None})
    def post(self, request, pk: int):
        data = ReleaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.pool_release(actor=request.user, customer_id=pk, reason=data.validated_data["reason"])
        return Response(OwnerOut(customer).data)

