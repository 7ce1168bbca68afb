"""API serializers of the commissioned-housing module. Output serializers mask ID numbers for users without the
right and hide unapproved prices (七、(三)6); input serializers only parse — the services decide."""

from __future__ import annotations

from rest_framework import serializers

from kehu.housing import selectors as sel
from kehu.housing.models import Project, Receipt, ReceiptKind, SelectionTicket, Voucher

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


def _actor(serializer):
    return serializer.context["request"].user


class ProjectOutSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(read_only=True, help_text="land / listing / construction（七、(二)(1)）")
    unit_count = serializers.IntegerField(read_only=True)
    taken_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = ("id", "code", "name", "address", "stage", "unit_count", "taken_count")


class ControlCellSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    building = serializers.CharField(source="unit.building.code")
    number = serializers.CharField(source="unit.number")
    floor = serializers.IntegerField(source="unit.floor")
    layout = serializers.CharField(source="unit.layout")
    area = serializers.DecimalField(source="unit.area", max_digits=9, decimal_places=2)
    status = serializers.CharField(source="unit.status", help_text="available / pending_release / released / "
                                                                   "relation / taken / retail_sold")
    holder = serializers.CharField()
    price = serializers.DecimalField(allow_null=True, help_text="单价（元/㎡）；未批复且无权查看时为 null", **PRICE)
    price_hidden = serializers.BooleanField()
    ticket_number = serializers.CharField(allow_blank=True)


class BuyerOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="buyer.pk")
    name = serializers.CharField(source="buyer.name")
    id_number = serializers.CharField(source="id_shown", help_text="无权限时脱敏")
    selection_order = serializers.IntegerField(source="buyer.selection_order", allow_null=True)
    status = serializers.CharField(source="buyer.status", help_text="pending / eligible / rejected")
    audit_checked = serializers.SerializerMethodField()
    finance_checked = serializers.SerializerMethodField()
    on_other_lists = serializers.IntegerField(source="elsewhere")

    def get_audit_checked(self, obj) -> bool:
        return obj.buyer.audit_checked_at is not None

    def get_finance_checked(self, obj) -> bool:
        return obj.buyer.finance_checked_at is not None


class BuyerRowSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    id_number = serializers.CharField(max_length=30)
    selection_order = serializers.IntegerField(min_value=1, max_value=100000, required=False, allow_null=True)
    employee_proof = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BuyersInSerializer(serializers.Serializer):
    rows = BuyerRowSerializer(many=True, allow_empty=False, max_length=5000)


class BuyerCheckInSerializer(serializers.Serializer):
    department = serializers.ChoiceField(choices=[("audit", "审计法务部"), ("finance", "财务部")])
    passed = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TicketOutSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="normal = 蓝字, red = 红字冲红")
    status = serializers.CharField(read_only=True, help_text="active / collected / reversed")
    unit_label = serializers.CharField(source="unit.label", read_only=True)
    buyer_id_number = serializers.SerializerMethodField()
    replaces_number = serializers.CharField(source="replaces.number", read_only=True, default=None, allow_null=True)
    reverses_number = serializers.CharField(source="reverses.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = SelectionTicket
        fields = ("id", "number", "kind", "status", "commissioning_unit", "relation_request", "buyer_name",
                  "buyer_id_number", "unit", "unit_label", "area", "unit_price", "total_price",
                  "payment_ratio_percent", "full_payment", "sealing_fee", "amount_due", "replaces_number",
                  "reverses_number", "issued_at")

    def get_buyer_id_number(self, obj) -> str:
        return sel.shown_id(_actor(self), obj.buyer_id_number)


class TicketInSerializer(serializers.Serializer):
    commissioning_unit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    relation_request = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    unit = serializers.IntegerField(min_value=1)
    buyer_name = serializers.CharField(max_length=60)
    buyer_id_number = serializers.CharField(max_length=30)
    unit_price = serializers.DecimalField(**PRICE)
    area = serializers.DecimalField(max_digits=9, decimal_places=2)
    total_price = serializers.DecimalField(**MONEY)
    payment_ratio_percent = serializers.DecimalField(**PERCENT)
    full_payment = serializers.BooleanField(default=False)
    sealing_fee = serializers.DecimalField(default=0, **MONEY)
    discount_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    customer_signed = serializers.BooleanField()
    reviewer = serializers.IntegerField(min_value=1, help_text="独立第三人（复核人）的用户 id")


class ReverseInSerializer(TicketInSerializer):
    reason = serializers.CharField(max_length=200)


class ReceiptInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReceiptKind.choices)
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField()
    payer_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ReceiptOutSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)

    class Meta:
        model = Receipt
        fields = ("id", "number", "ticket", "ticket_number", "kind", "amount", "received_on", "payer_name",
                  "issued_at")


class VoucherInSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(min_value=1)


class VoucherOutSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Voucher
        fields = ("id", "number", "kind", "status", "ticket", "amount_due", "amount_collected", "issued_at")


class PriceLineInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(**PRICE)


class PriceInSerializer(serializers.Serializer):
    average_price = serializers.DecimalField(**PRICE)
    payment_ratio_percent = serializers.DecimalField(**PERCENT)
    unit_cost = serializers.DecimalField(**PRICE)
    retail_reference_price = serializers.DecimalField(**PRICE)
    analysis = serializers.CharField(max_length=5000)
    cost_uncertainties = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    exchange_assessed_value = serializers.DecimalField(default=0, min_value=0, **MONEY)
    exchange_concession = serializers.DecimalField(default=0, min_value=0, **MONEY)
    exchange_future = serializers.BooleanField(default=False)
    lines = PriceLineInSerializer(many=True, allow_empty=False, max_length=5000)


class PriceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pa.pk")
    status = serializers.CharField(source="pa.status", help_text="draft / pending / approved / rejected")
    visible = serializers.BooleanField(help_text="false：批复前无权查看价格（七、(三)6）")
    average_price = serializers.SerializerMethodField()
    payment_ratio_percent = serializers.DecimalField(source="pa.payment_ratio_percent", **PERCENT)
    unit_count = serializers.IntegerField()

    def get_average_price(self, obj) -> str | None:
        return f"{obj['pa'].average_price:.2f}" if obj["visible"] else None
