"""REST API of orders, credit, inquiries and allocation: input serializer → one service or selector → output."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import body_reference
from kehu.core.permissions import require_perm
from kehu.orders import selectors
from kehu.orders.models import (
    Allocation,
    AllocationLine,
    CreditChangeKind,
    Inquiry,
    InquiryChannel,
    Order,
    OrderLine,
    OrderStatus,
    PriceList,
    PriceListItem,
)
from kehu.orders.services import allocation as allocation_services
from kehu.orders.services import credit as credit_services
from kehu.orders.services import inquiries as inquiry_services
from kehu.orders.services import orders as order_services
from kehu.orders.services.prices import price_list_create
from kehu.sales.models import Product, ProductGroup

TAG = "订单与信用"
ALLOCATION_TAG = "资源分配"
CONFLICT = OpenApiResponse(description="订单状态不允许此操作（如已确认的订单再次提交）")
EDIT_CONFLICT = OpenApiResponse(description="他人已修改此订单（version 不符，未覆盖），或订单已提交、不能修改")


# ----------------------------------------------------------------------------------------------------- serializers


class ClauseSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    article = serializers.CharField()
    quote = serializers.CharField(allow_blank=True)


class NeedSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="审批类型（ApprovalKind）")
    reason = serializers.CharField()
    article = serializers.CharField()
    pack = serializers.CharField()


class OrderLineOutSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)

    class Meta:
        model = OrderLine
        fields = ["line_no", "product_code", "quantity", "unit", "base_quantity", "list_price", "standard_price",
                  "floor_price", "unit_price", "discount_percent", "amount", "beyond_cap"]


class OrderOutSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    lines = OrderLineOutSerializer(many=True, read_only=True)
    explanation = ClauseSerializer(many=True, read_only=True)
    needs = NeedSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "customer", "customer_code", "customer_name", "status", "order_date", "grade",
                  "grade_priority", "grade_score", "credit_rating", "payment_terms_code", "payment_terms_name",
                  "prepayment_required", "lead_time_days", "promised_on", "is_rush", "special_requirements",
                  "from_stock", "total_amount", "needs", "explanation", "note", "created_at", "submitted_at",
                  "confirmed_at", "released_at", "released_on", "delivered_on", "closed_at", "cancelled_at", "version",
                  "lines"]


class OrderListSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "customer", "customer_code", "status", "order_date", "grade", "grade_priority",
                  "grade_score", "is_rush", "payment_terms_name", "promised_on", "total_amount", "confirmed_at"]


class OrderLineInSerializer(serializers.Serializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all(), help_text="产品编码")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    unit = serializers.CharField(max_length=4, required=False, allow_blank=True, default="",
                                 help_text="计量单位，空为产品计量单位")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                          default=None, help_text="成交单价，空为类别标准价")


class OrderFieldsSerializer(serializers.Serializer):
    lines = OrderLineInSerializer(many=True)
    order_date = serializers.DateField(required=False, allow_null=True, default=None)
    is_rush = serializers.BooleanField(default=False)
    special_requirements = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    from_stock = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def line_inputs(self):
        return [order_services.OrderLineInput(product=ln["product"], quantity=ln["quantity"], unit=ln["unit"],
                                              unit_price=ln["unit_price"]) for ln in self.validated_data["lines"]]


class OrderInSerializer(OrderFieldsSerializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class OrderUpdateSerializer(OrderFieldsSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="读取订单时的 version；他人已修改则 409，不覆盖")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                   help_text="修改原因（记入订单历史）")


class QuoteLineSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    product_code = serializers.CharField(source="product.code")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    unit = serializers.CharField()
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    standard_price = serializers.DecimalField(max_digits=20, decimal_places=4)
    floor_price = serializers.DecimalField(max_digits=20, decimal_places=4)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=10, decimal_places=4)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    beyond_cap = serializers.BooleanField()


class QuoteSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    grade = serializers.CharField(source="terms.facts.grade")
    grade_name = serializers.CharField(source="terms.grade_name")
    payment_terms = serializers.CharField(source="terms.payment_term.name")
    prepayment_required = serializers.BooleanField(source="terms.prepayment_required")
    order_date = serializers.DateField()
    promised_on = serializers.DateField(allow_null=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines = QuoteLineSerializer(many=True)
    clauses = ClauseSerializer(many=True, source="terms.clauses")
    needs = NeedSerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReleaseSerializer(serializers.Serializer):
    picked_on = serializers.DateField(required=False, allow_null=True, default=None)


class DeliverSerializer(serializers.Serializer):
    delivered_on = serializers.DateField(required=False, allow_null=True, default=None)


class CeilingSerializer(serializers.Serializer):
    """003 第6条 1.: the A-rated customer's ceiling (sales within the payment term) and how it was computed."""

    ceiling = serializers.DecimalField(max_digits=18, decimal_places=2)
    term = serializers.CharField()
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    explanation = serializers.CharField()
    article = serializers.CharField()


class CreditOutSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    credit_rating = serializers.CharField(source="facts.credit_rating", allow_null=True)
    rating_source = serializers.CharField(source="facts.rating_source")
    credit_limit = serializers.DecimalField(source="facts.credit_limit", max_digits=16, decimal_places=2)
    outstanding = serializers.DecimalField(source="facts.outstanding", max_digits=18, decimal_places=2)
    open_orders = serializers.DecimalField(source="facts.open_orders", max_digits=18, decimal_places=2)
    available = serializers.DecimalField(max_digits=18, decimal_places=2)
    late_payments_quarter = serializers.IntegerField(source="facts.late_payments_quarter")
    terms_steps_down = serializers.IntegerField(source="facts.terms_steps_down")
    payment_terms = serializers.SerializerMethodField()
    clauses = serializers.SerializerMethodField()
    terms_error = serializers.CharField(allow_blank=True)
    limit_ceiling = serializers.SerializerMethodField()

    @extend_schema_field(CeilingSerializer(allow_null=True))
    def get_limit_ceiling(self, obj):
        c = obj.ceiling
        if c is None:
            return None
        return {"ceiling": f"{c.ceiling:.2f}", "term": c.term_name,
                "window_start": c.window[0].isoformat() if c.window else None,
                "window_end": c.window[1].isoformat() if c.window else None,
                "explanation": c.explanation, "article": obj.ceiling_article}

    def get_payment_terms(self, obj) -> str | None:
        return obj.terms.payment_term.name if obj.terms else None

    @extend_schema_field(ClauseSerializer(many=True))
    def get_clauses(self, obj):
        return [c.as_dict() for c in obj.terms.clauses] if obj.terms else []


class CreditRequestInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CreditChangeKind.choices)
    new_rating = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    new_limit = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True,
                                         default=None)
    reason = serializers.CharField(max_length=2000)


class CreditRequestOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    new_rating = serializers.CharField(allow_blank=True)
    new_limit = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    reason = serializers.CharField()


class InquiryOutSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    answered_on_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Inquiry
        fields = ["id", "customer", "customer_code", "channel", "subject", "content", "received_at", "due_at",
                  "deadline_article", "answered_at", "answer", "answered_on_time"]


class InquiryInSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    channel = serializers.ChoiceField(choices=InquiryChannel.choices, default=InquiryChannel.PRICE)
    subject = serializers.CharField(max_length=200)
    content = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AnswerInSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class PriceItemSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PriceListItem
        fields = ["product", "unit_price"]


class PriceListOutSerializer(serializers.ModelSerializer):
    items = PriceItemSerializer(many=True, read_only=True)

    class Meta:
        model = PriceList
        fields = ["id", "name", "valid_from", "valid_to", "note", "items"]


class PriceItemInSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40, help_text="产品编码")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)


class PriceListInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    items = PriceItemInSerializer(many=True)


class AllocationOutSerializer(serializers.ModelSerializer):
    product_group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "month", "product_group", "available", "allocated", "demand", "customers", "pack_name",
                  "computed_at"]


class AllocationLineOutSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    reason = serializers.SerializerMethodField()

    class Meta:
        model = AllocationLine
        fields = ["id", "customer", "customer_code", "channel", "tier", "rank", "demand", "computed", "quantity",
                  "rule", "article", "adjusted", "reason"]

    def get_reason(self, obj) -> str:
        return allocation_services.line_reason(obj)


class AllocationRunInSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    product_group = serializers.SlugRelatedField(slug_field="code", queryset=ProductGroup.objects.all(),
                                                 required=False, allow_null=True, default=None)
    replace = serializers.BooleanField(default=False)


class AdjustInSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    reason = serializers.CharField(max_length=2000)


# ----------------------------------------------------------------------------------------------------- orders


class OrderListCreateApi(generics.ListAPIView):
    serializer_class = OrderListSerializer

    @extend_schema(tags=[TAG], operation_id="orders_list", parameters=[
        OpenApiParameter("status", str, enum=OrderStatus.values, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_perm(self.request.user, "orders.view_order")
        wanted = self.request.query_params.get("status", "")
        return selectors.order_list(actor=self.request.user,
                                    status=wanted if wanted in OrderStatus.values else "")

    @extend_schema(tags=[TAG], operation_id="orders_create", request=OrderInSerializer,
                   responses={201: OrderOutSerializer}, summary="录入订单（草稿），价格与条款按客户类别冻结")
    def post(self, request):
        data = OrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with body_reference("customer"):
            order = order_services.order_create(
                actor=request.user, customer_id=d["customer"], lines=data.line_inputs(), order_date=d["order_date"],
                is_rush=d["is_rush"], special_requirements=d["special_requirements"], from_stock=d["from_stock"],
                note=d["note"])
        return Response(OrderOutSerializer(selectors.order_get(actor=request.user, pk=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class OrderQuoteApi(APIView):
    @extend_schema(tags=[TAG], operation_id="orders_quote", request=OrderInSerializer,
                   responses={200: QuoteSerializer}, summary="试算：价格、付款方式、交期、所需审批及依据（不保存）")
    def post(self, request):
        data = OrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with body_reference("customer"):
            quote = order_services.order_quote(
                actor=request.user, customer_id=d["customer"], lines=data.line_inputs(), order_date=d["order_date"],
                is_rush=d["is_rush"], special_requirements=d["special_requirements"], from_stock=d["from_stock"])
        return Response(QuoteSerializer(quote).data)


class OrderDetailApi(APIView):
    @extend_schema(tags=[TAG], operation_id="orders_retrieve", responses={200: OrderOutSerializer})
    def get(self, request, pk: int):
        require_perm(request.user, "orders.view_order")
        return Response(OrderOutSerializer(selectors.order_get(actor=request.user, pk=pk)).data)

    @extend_schema(tags=[TAG], operation_id="orders_update", request=OrderUpdateSerializer,
                   responses={200: OrderOutSerializer, 409: EDIT_CONFLICT},
                   summary="修改未提交的草稿订单：重新按客户类别计算价格与条款（带读取时的 version）")
    def patch(self, request, pk: int):
        data = OrderUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        selectors.order_get(actor=request.user, pk=pk)
        order_services.order_update(
            actor=request.user, order_id=pk, version=d["version"], lines=data.line_inputs(),
            order_date=d["order_date"], is_rush=d["is_rush"], special_requirements=d["special_requirements"],
            from_stock=d["from_stock"], note=d["note"], reason=d["reason"])
        return Response(OrderOutSerializer(selectors.order_get(actor=request.user, pk=pk)).data)


def _order_action(name: str, serializer, call, summary: str):
    class _Action(APIView):
        @extend_schema(tags=[TAG], operation_id=f"orders_{name}", request=serializer,
                       responses={200: OrderOutSerializer, 409: CONFLICT}, summary=summary)
        def post(self, request, pk: int):
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            selectors.order_get(actor=request.user, pk=pk)
            call(request.user, pk, data.validated_data)
            return Response(OrderOutSerializer(selectors.order_get(actor=request.user, pk=pk)).data)

    _Action.__name__ = f"Order{name.title()}Api"
    return _Action


OrderSubmitApi = _order_action("submit", ReasonSerializer,
                               lambda u, pk, d: order_services.order_submit(actor=u, order_id=pk),
                               "提交确认：无须审批的直接确认，否则提交所需审批")
OrderReleaseApi = _order_action("release", ReleaseSerializer,
                                lambda u, pk, d: order_services.order_release(actor=u, order_id=pk,
                                                                              picked_on=d["picked_on"]),
                                "放行（发货）：写入提货记录；款到发货须全额到款")
OrderDeliverApi = _order_action("deliver", DeliverSerializer,
                                lambda u, pk, d: order_services.order_deliver(actor=u, order_id=pk,
                                                                              delivered_on=d["delivered_on"]),
                                "登记交货")
OrderCloseApi = _order_action("close", ReasonSerializer,
                              lambda u, pk, d: order_services.order_close(actor=u, order_id=pk, reason=d["reason"]),
                              "关闭订单")
OrderCancelApi = _order_action("cancel", ReasonSerializer,
                               lambda u, pk, d: order_services.order_cancel(actor=u, order_id=pk,
                                                                            reason=d["reason"]),
                               "取消订单（须填写原因）")


class OrderQueueApi(generics.ListAPIView):
    serializer_class = OrderListSerializer

    @extend_schema(tags=[TAG], operation_id="orders_queue", summary="排产队列：插单、类别优先级、积分、确认时间")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.order_queue(actor=self.request.user)


# ----------------------------------------------------------------------------------------------------- credit


class CreditDetailApi(APIView):
    @extend_schema(tags=[TAG], operation_id="credit_retrieve",
                   responses={200: CreditOutSerializer,
                              400: OpenApiResponse(description="没有启用规定订单条款的政策包")},
                   summary="客户信用：等级、额度、未结应收、本季度逾期次数、付款方式及依据")
    def get(self, request, customer_pk: int):
        require_perm(request.user, "orders.view_creditprofile")
        return Response(CreditOutSerializer(selectors.credit_view(actor=request.user, customer_id=customer_pk)).data)


class CreditRequestApi(APIView):
    @extend_schema(tags=[TAG], operation_id="credit_request_create", request=CreditRequestInSerializer,
                   responses={201: CreditRequestOutSerializer}, summary="财务部提出信用等级或授信额度调整（提交审批）")
    def post(self, request, customer_pk: int):
        data = CreditRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        change = credit_services.credit_change_request(actor=request.user, customer_id=customer_pk, kind=d["kind"],
                                                       new_rating=d["new_rating"], new_limit=d["new_limit"],
                                                       reason=d["reason"])
        return Response(CreditRequestOutSerializer(change).data, status=status.HTTP_201_CREATED)


# ----------------------------------------------------------------------------------------------------- prices


class PriceListApi(generics.ListAPIView):
    serializer_class = PriceListOutSerializer

    @extend_schema(tags=[TAG], operation_id="price_lists_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_perm(self.request.user, "orders.view_pricelist")
        return PriceList.objects.prefetch_related("items__product").order_by("-valid_from", "-id")

    @extend_schema(tags=[TAG], operation_id="price_lists_create", request=PriceListInSerializer,
                   responses={201: PriceListOutSerializer}, summary="制定内控价格表（期间内同一产品不得重复定价）")
    def post(self, request):
        data = PriceListInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        price_list = price_list_create(actor=request.user, name=d["name"], valid_from=d["valid_from"],
                                       valid_to=d["valid_to"], note=d["note"],
                                       items=[(i["product"], i["unit_price"]) for i in d["items"]])
        return Response(PriceListOutSerializer(price_list).data, status=status.HTTP_201_CREATED)


# ----------------------------------------------------------------------------------------------------- inquiries


class InquiryListCreateApi(generics.ListAPIView):
    serializer_class = InquiryOutSerializer

    @extend_schema(tags=[TAG], operation_id="inquiries_list", parameters=[
        OpenApiParameter("view", str, enum=["open", "overdue"], required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_perm(self.request.user, "orders.view_inquiry")
        view = self.request.query_params.get("view", "")
        return selectors.inquiry_list(actor=self.request.user, open_only=view == "open",
                                      overdue_only=view == "overdue")

    @extend_schema(tags=[TAG], operation_id="inquiries_create", request=InquiryInSerializer,
                   responses={201: InquiryOutSerializer}, summary="登记询价或函电（答复时限按政策包，003 一、6）")
    def post(self, request):
        data = InquiryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with body_reference("customer"):
            inquiry = inquiry_services.inquiry_register(
                actor=request.user, customer_id=d["customer"], subject=d["subject"], content=d["content"],
                channel=d["channel"], received_at=d["received_at"])
        return Response(InquiryOutSerializer(inquiry).data, status=status.HTTP_201_CREATED)


class InquiryAnswerApi(APIView):
    @extend_schema(tags=[TAG], operation_id="inquiries_answer", request=AnswerInSerializer,
                   responses={200: InquiryOutSerializer})
    def post(self, request, pk: int):
        data = AnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inquiry = inquiry_services.inquiry_answer(actor=request.user, inquiry_id=pk,
                                                  answer=data.validated_data["answer"])
        return Response(InquiryOutSerializer(inquiry).data)


# ----------------------------------------------------------------------------------------------------- allocation


class AllocationListApi(generics.ListAPIView):
    serializer_class = AllocationOutSerializer

    @extend_schema(tags=[ALLOCATION_TAG], operation_id="allocations_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.allocation_list(actor=self.request.user)


class AllocationRunApi(APIView):
    @extend_schema(tags=[ALLOCATION_TAG], operation_id="allocations_run", request=AllocationRunInSerializer,
                   responses={201: AllocationOutSerializer(many=True)},
                   summary="执行月度资源量分配（确保直销量 → 平衡独家代理量 → 补充经销量）")
    def post(self, request):
        data = AllocationRunInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        result = allocation_services.allocation_run(
            actor=request.user, month=allocation_services.parse_month(d["month"]), product_group=d["product_group"],
            replace=d["replace"])
        return Response(AllocationOutSerializer(result.allocations, many=True).data, status=status.HTTP_201_CREATED)


class AllocationLinesApi(generics.ListAPIView):
    serializer_class = AllocationLineOutSerializer

    @extend_schema(tags=[ALLOCATION_TAG], operation_id="allocations_lines", summary="分配明细及每行的分配依据")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        allocation = selectors.allocation_get(actor=self.request.user, pk=self.kwargs["pk"])
        return selectors.allocation_lines(actor=self.request.user, allocation=allocation)


class AllocationAdjustApi(APIView):
    @extend_schema(tags=[ALLOCATION_TAG], operation_id="allocation_lines_adjust", request=AdjustInSerializer,
                   responses={200: AllocationLineOutSerializer},
                   summary="手工调整分配量（须填写理由，合计不超过可供量）")
    def post(self, request, pk: int):
        data = AdjustInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = allocation_services.allocation_adjust(actor=request.user, line_id=pk,
                                                     quantity=data.validated_data["quantity"],
                                                     reason=data.validated_data["reason"])
        return Response(AllocationLineOutSerializer(line).data)

