from __future__ import annotations

from rest_framework import serializers

from kehu.policy.engine.model import BENEFIT_FIELDS
from kehu.policy.models import GradeAssignment, GradeOverride, RegradeRun


class RegradeInputSerializer(serializers.Serializer):
    pack = serializers.CharField(max_length=60)
    period = serializers.CharField(max_length=10, help_text="2026-10、2026-Q4、2026-H2 或 2026")


class RegradeRunOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegradeRun
        fields = ["id", "pack_name", "period", "status", "pack_version", "trigger", "schemes", "customers",
                  "evaluated", "written", "unchanged", "moved_up", "moved_down", "fetch_ms", "evaluate_ms",
                  "write_ms", "total_ms", "error", "started_at", "finished_at"]


class MetricLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()


class ThresholdLineSerializer(serializers.Serializer):
    grade = serializers.CharField()
    grade_name = serializers.CharField()
    phrase = serializers.CharField()
    article = serializers.CharField()
    quote = serializers.CharField()
    is_current = serializers.BooleanField()


class GradeExplanationSerializer(serializers.Serializer):
    pack_name = serializers.CharField()
    pack_title = serializers.CharField()
    scheme_code = serializers.CharField()
    scheme_name = serializers.CharField()
    period = serializers.CharField()
    grade = serializers.CharField(allow_null=True)
    grade_name = serializers.CharField()
    previous_grade = serializers.CharField(allow_null=True)
    direction = serializers.CharField()
    metrics = MetricLineSerializer(many=True)
    rule = serializers.CharField()
    article = serializers.CharField()
    quote = serializers.CharField()
    explanation = serializers.CharField()
    to_next = serializers.CharField()
    to_previous = serializers.CharField()
    thresholds = ThresholdLineSerializer(many=True)
    override = serializers.DictField(allow_null=True)
    pack_version = serializers.CharField()
    stale_pack = serializers.BooleanField()
    computed_at = serializers.DateTimeField()
    history = serializers.ListField(child=serializers.DictField())


class MoverOutputSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code")
    customer_name = serializers.CharField(source="customer.name")

    class Meta:
        model = GradeAssignment
        fields = ["customer_id", "customer_code", "customer_name", "pack_name", "scheme_code", "period", "grade",
                  "previous_grade", "direction", "rule", "article", "explanation"]


class OverrideInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    pack = serializers.CharField(max_length=60)
    scheme = serializers.CharField(max_length=80)
    grade = serializers.CharField(max_length=40)
    reason = serializers.CharField(allow_blank=True)
    approver = serializers.IntegerField()
    approved_on = serializers.DateField(required=False)


class OverrideOutputSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.__str__")

    class Meta:
        model = GradeOverride
        fields = ["id", "customer_id", "pack_name", "scheme_code", "grade", "reason", "approver_id", "approver_name",
                  "approved_on", "created_at", "revoked_at"]


class AdminValueInputSerializer(serializers.Serializer):
    pack = serializers.CharField(max_length=60)
    key = serializers.CharField(max_length=120)
    value = serializers.CharField(max_length=40)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ClassificationInputSerializer(serializers.Serializer):
    pack = serializers.CharField(max_length=60, required=False)
    dimension = serializers.CharField(max_length=80)
    value = serializers.JSONField(allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True)


# ----- output shapes of the pack, benefits, administrator-value and classification endpoints (documented in the
# OpenAPI schema; the views build the data with selectors and these describe it)


class SchemeSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField(help_text="thresholds / forced_distribution / manual")
    period = serializers.CharField(allow_null=True)
    grades = serializers.ListField(child=serializers.CharField(), help_text="由低到高")
    article = serializers.CharField()


class DimensionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())
    article = serializers.CharField()


class PackSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    active = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField(), help_text="校验错误：文件:行号: 问题")
    title = serializers.CharField(required=False)
    company = serializers.CharField(required=False, allow_null=True)
    version = serializers.CharField(required=False, help_text="sha256")
    schemes = SchemeSummarySerializer(many=True, required=False)
    dimensions = DimensionSummarySerializer(many=True, required=False)


class AdminSlotSerializer(serializers.Serializer):
    key = serializers.CharField()
    purpose = serializers.CharField()
    article = serializers.CharField()
    allowed_min = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, coerce_to_string=True)
    allowed_max = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, coerce_to_string=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, coerce_to_string=True)


class PackDetailSerializer(PackSummarySerializer):
    thresholds = serializers.DictField(child=ThresholdLineSerializer(many=True), required=False,
                                       help_text="方案编码 → 阈值与条件（由高到低）")
    admin_values = AdminSlotSerializer(many=True, required=False)


class TermSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="数值（文本形式的小数）、文字或布尔值")
    article = serializers.CharField()
    quote = serializers.CharField(allow_null=True)


# One term per engine benefit field (the same list CustomerBenefits.as_dict walks), so that a benefit added to the
# engine reaches the API instead of being dropped by the serializer.
CustomerBenefitsSerializer = type("CustomerBenefitsSerializer", (serializers.Serializer,), {
    "__module__": __name__,
    "__doc__": "A customer's current terms under a pack, each with its article.",
    "pack": serializers.CharField(),
    "grades": serializers.DictField(child=serializers.CharField(allow_null=True), help_text="方案编码 → 当前等级"),
    **{name: TermSerializer(allow_null=True) for name in BENEFIT_FIELDS},
    "extra": TermSerializer(many=True),
    "adjustments": serializers.ListField(child=serializers.CharField()),
})


class AdminValueOutputSerializer(serializers.Serializer):
    pack = serializers.CharField()
    key = serializers.CharField()
    value = serializers.CharField()


class ClassificationOutputSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    classifications = serializers.DictField(help_text="维度编码 → 取值")
