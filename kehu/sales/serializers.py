from __future__ import annotations

from rest_framework import serializers

from kehu.sales.models import (
    DemandPlan,
    DemandPlanLine,
    ImportJob,
    ImportKind,
    ImportRowError,
    Payment,
    Pickup,
    Product,
    QuantityUnit,
    Receivable,
    Warehouse,
)


class ProductSerializer(serializers.ModelSerializer):
    group_code = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "group_code", "group_name", "base_unit", "density_kg_per_l", "bag_weight_kg",
                  "is_active"]


class PickupOutSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_group = serializers.CharField(source="product_group.code", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Pickup
        fields = ["id", "customer", "customer_code", "product_code", "product_group", "quantity", "unit",
                  "base_quantity", "amount", "picked_on", "warehouse_code", "source", "source_ref", "created_at"]


class PickupInSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    unit = serializers.ChoiceField(choices=QuantityUnit.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    picked_on = serializers.DateField()
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all(), required=False,
                                             allow_null=True)
    source = serializers.CharField(max_length=20, default="api")
    source_ref = serializers.CharField(max_length=64)
    enforce_prepayment = serializers.BooleanField(default=False, help_text="款到发货：预收款不足则拒绝")


class PaymentOutSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    invoice_no = serializers.CharField(source="receivable.invoice_no", read_only=True, default=None)

    class Meta:
        model = Payment
        fields = ["id", "customer", "customer_code", "invoice_no", "amount", "paid_on", "method", "reference"]


class PaymentInSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=64)
    invoice_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    method = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ReceivableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receivable
        fields = ["id", "customer", "invoice_no", "amount", "invoiced_on", "due_on", "paid_amount", "settled_on"]
        read_only_fields = ["paid_amount", "settled_on"]


class PlanLineSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())

    class Meta:
        model = DemandPlanLine
        fields = ["product", "quantity", "unit", "pickup_on"]


class DemandPlanSerializer(serializers.ModelSerializer):
    lines = PlanLineSerializer(many=True)

    class Meta:
        model = DemandPlan
        fields = ["id", "customer", "month", "submitted_at", "is_late", "note", "lines"]
        read_only_fields = ["submitted_at", "is_late"]
        validators: list = []


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.PICKUPS)
    source = serializers.CharField(max_length=20, default="erp")


class ImportRowErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["line", "column", "value", "reason"]


class ImportJobSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "source", "original_name", "status", "created_at", "started_at", "finished_at",
                  "heartbeat_at", "attempts", "total_rows", "inserted_rows", "skipped_rows", "error_count", "message",
                  "percent", "errors"]

    def get_percent(self, obj) -> int:
        return self.context.get("percent", 0)

    def get_errors(self, obj) -> list[dict]:
        return ImportRowErrorSerializer(obj.row_errors.all()[:1000], many=True).data
