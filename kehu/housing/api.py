"""REST API of the commissioned-housing module: input serializer → one service or selector → output serializer.
Refusals come from the services: a field error is a 400 naming the field (a malformed ID number, a price differing
from the approved one, a payment ratio under 50 %, a buyer not on the list), a unit already taken is a 409 naming
`unit`, a missing right a 403; nothing is saved."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from kehu.core.errors import ScopeError
from kehu.housing import selectors as sel
from kehu.housing import serializers as s
from kehu.housing import services as hs
from kehu.housing.models import CommissioningUnit, EligibleBuyer, RelationRequest, SelectionTicket, Unit
from kehu.org.models import User

TAG = "委建房 housing"
UNIT_TAKEN = OpenApiResponse(
    inline_serializer("HousingUnitTaken", {"detail": serializers.CharField(), "code": serializers.CharField(),
                                           "unit": serializers.ListField(child=serializers.CharField())}),
    description="房源已被选定、未发放给该委建单位或已零售售出（避免一房多卖）")


def _get(model, pk, field: str, **filters):
    obj = model.objects.filter(pk=pk, **filters).first()
    if obj is None:
        raise ValidationError({field: ["不存在。"]})
    return obj


def _path_obj(model, pk):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ScopeError("不存在。")
    return obj


def _ticket_input(d) -> hs.TicketInput:
    cu = _get(CommissioningUnit, d["commissioning_unit"], "commissioning_unit") if d.get("commissioning_unit") \
        else None
    relation = _get(RelationRequest, d["relation_request"], "relation_request") if d.get("relation_request") \
        else None
    return hs.TicketInput(
        unit=_get(Unit, d["unit"], "unit"), buyer_name=d["buyer_name"], buyer_id_number=d["buyer_id_number"],
        unit_price=d["unit_price"], area=d["area"], total_price=d["total_price"],
        payment_ratio_percent=d["payment_ratio_percent"], reviewer=_get(User, d["reviewer"], "reviewer"),
        customer_signed=d["customer_signed"], full_payment=d["full_payment"], sealing_fee=d["sealing_fee"],
        discount_note=d["discount_note"], commissioning_unit=cu, relation_request=relation)


class _Base(GenericAPIView):
    def parse(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def viewable(self):
        sel._need_view(self.request.user)


class ProjectListApi(_Base):
    serializer_class = s.ProjectOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_projects_list", summary="楼盘项目 / projects",
                   responses=s.ProjectOutSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(sel.project_list(actor=request.user))
        return self.get_paginated_response(s.ProjectOutSerializer(page, many=True).data)


class ControlTableApi(_Base):
    serializer_class = s.ControlCellSerializer

    @extend_schema(tags=[TAG], operation_id="housing_control_table", summary="楼盘控制表 / unit control table "
                   "(二、(3))", responses=s.ControlCellSerializer(many=True))
    def get(self, request, pk: int):
        project = sel.project_get(actor=request.user, pk=pk)
        cells = [c for g in sel.control_table(actor=request.user, project=project) for _, row in g.floors for c in row]
        page = self.paginate_queryset(cells)
        return self.get_paginated_response(s.ControlCellSerializer(page, many=True).data)


class BuyersApi(_Base):
    serializer_class = s.BuyerOutSerializer

    def cu(self, pk):
        self.viewable()
        return _path_obj(CommissioningUnit, pk)

    @extend_schema(tags=[TAG], operation_id="housing_buyers_list", summary="购房资格名单 / eligible buyers "
                   "(ID numbers masked without the right)", responses=s.BuyerOutSerializer(many=True))
    def get(self, request, pk: int):
        page = self.paginate_queryset(sel.buyers_for(actor=request.user, cu=self.cu(pk)))
        return self.get_paginated_response(s.BuyerOutSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(tags=[TAG], operation_id="housing_buyers_add", summary="录入名单（整批录入，或逐行报错、不录入）",
                   request=s.BuyersInSerializer, responses={201: s.BuyerOutSerializer(many=True)})
    def post(self, request, pk: int):
        cu = self.cu(pk)
        d = self.parse(s.BuyersInSerializer)
        hs.buyers_add(actor=request.user, commissioning_unit=cu, rows=[hs.BuyerInput(**row) for row in d["rows"]])
        rows = sel.buyers_for(actor=request.user, cu=cu)
        return Response(s.BuyerOutSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class BuyerCheckApi(_Base):
    serializer_class = s.BuyerOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_buyer_check", summary="资格审查（审计法务部 / 财务部）",
                   request=s.BuyerCheckInSerializer, responses={200: s.BuyerOutSerializer})
    def post(self, request, pk: int):
        self.viewable()
        buyer = _path_obj(EligibleBuyer, pk)
        d = self.parse(s.BuyerCheckInSerializer)
        buyer = hs.buyer_check(actor=request.user, buyer=buyer, **d)
        row = sel.BuyerRow(buyer, sel.shown_id(request.user, buyer.id_number), 0)
        return Response(s.BuyerOutSerializer(row).data)


class PriceApi(_Base):
    serializer_class = s.PriceOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_price_submit", summary="委建房价格报批（七、(三)）",
                   request=s.PriceInSerializer, responses={201: s.PriceOutSerializer})
    def post(self, request, pk: int):
        self.viewable()
        cu = _path_obj(CommissioningUnit, pk)
        d = self.parse(s.PriceInSerializer)
        lines = [hs.PriceLineInput(_get(Unit, line["unit"], "lines"), line["unit_price"]) for line in d.pop("lines")]
        hs.price_submit(actor=request.user, commissioning_unit=cu, lines=lines, **d)
        return Response(s.PriceOutSerializer(sel.price_approval_view(actor=request.user, cu=cu)).data,
                        status=status.HTTP_201_CREATED)


class TicketListCreateApi(_Base):
    serializer_class = s.TicketOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_tickets_list", summary="选房工作票台账 / tickets of a project",
                   responses=s.TicketOutSerializer(many=True))
    def get(self, request, pk: int):
        project = sel.project_get(actor=request.user, pk=pk)
        page = self.paginate_queryset(sel.ticket_list(actor=request.user, project=project))
        return self.get_paginated_response(s.TicketOutSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(tags=[TAG], operation_id="housing_ticket_issue",
                   summary="开具选房工作票（九、(二)2(1) 的核对；房源在同一事务中标记为已选）",
                   request=s.TicketInSerializer, responses={201: s.TicketOutSerializer, 409: UNIT_TAKEN})
    def post(self, request, pk: int):
        sel.project_get(actor=request.user, pk=pk)
        data = _ticket_input(self.parse(s.TicketInSerializer))
        if data.unit.project_id != pk:
            raise ValidationError({"unit": ["房源不属于该项目。"]})
        ticket = hs.ticket_issue(actor=request.user, data=data)
        return Response(s.TicketOutSerializer(ticket, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class TicketReverseApi(_Base):
    serializer_class = s.TicketOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_ticket_reverse",
                   summary="红字冲红并重新开票（九、(二)2(1)⑦；原票保留并链接新票）",
                   request=s.ReverseInSerializer, responses={201: s.TicketOutSerializer, 409: UNIT_TAKEN})
    def post(self, request, pk: int):
        self.viewable()
        ticket = _path_obj(SelectionTicket, pk)
        d = self.parse(s.ReverseInSerializer)
        new = hs.ticket_reverse(actor=request.user, ticket=ticket, data=_ticket_input(d), reason=d["reason"])
        return Response(s.TicketOutSerializer(new, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ReceiptCreateApi(_Base):
    serializer_class = s.ReceiptOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_receipt_issue", summary="开具收据（一式三联）",
                   request=s.ReceiptInSerializer, responses={201: s.ReceiptOutSerializer})
    def post(self, request, pk: int):
        self.viewable()
        ticket = _path_obj(SelectionTicket, pk)
        receipt = hs.receipt_issue(actor=request.user, ticket=ticket, **self.parse(s.ReceiptInSerializer))
        return Response(s.ReceiptOutSerializer(receipt).data, status=status.HTTP_201_CREATED)


class VoucherCreateApi(_Base):
    serializer_class = s.VoucherOutSerializer

    @extend_schema(tags=[TAG], operation_id="housing_voucher_issue",
                   summary="开具选房凭证（实收等于房款应收后；他人复核）",
                   request=s.VoucherInSerializer, responses={201: s.VoucherOutSerializer})
    def post(self, request, pk: int):
        self.viewable()
        ticket = _path_obj(SelectionTicket, pk)
        d = self.parse(s.VoucherInSerializer)
        voucher = hs.voucher_issue(actor=request.user, ticket=ticket, reviewer=_get(User, d["reviewer"], "reviewer"))
        return Response(s.VoucherOutSerializer(voucher).data, status=status.HTTP_201_CREATED)


