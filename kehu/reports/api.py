"""REST API for the periodic reports: the forms, a form computed for a period, submissions and corrections.

Thin views: an input serializer, one selector or service, an output serializer. Bad input answers 400 with the
field (period, unit, reason …); a form already submitted answers 409.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import ID_MAX
from kehu.core.permissions import require_perm
from kehu.reports import selectors as sel
from kehu.reports import services
from kehu.reports.models import ReportSubmission
from kehu.reports.periods import latest_ended_period
from kehu.reports.registry import CADENCES, report_definitions

PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$"
PERIOD_HELP = "期间：2026-11（月）、2026-Q3（季度）、2026-H1（半年）、2026（年），须与报表周期一致且不在未来"


def _codes() -> list[str]:
    return [d.code for d in report_definitions()]


class PeriodField(serializers.RegexField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(PERIOD_PATTERN, max_length=7, error_messages={
            "invalid": "期间格式不正确，应为 2026-11（月）、2026-Q3（季度）、2026-H1（半年）或 2026（年）。"}, **kwargs)


class ReportQuery(serializers.Serializer):
    period = PeriodField(required=False)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                    help_text="填报单位 id（默认本人单位）")
    product_group = serializers.CharField(required=False, max_length=40, help_text="产品组（支持的报表）")


class DueOut(serializers.Serializer):
    label = serializers.CharField()
    day = serializers.DateField(allow_null=True)
    text = serializers.CharField()
    article = serializers.CharField()


def _due_out(due) -> dict:
    return {"label": due.rule.label or "报送期限", "day": due.day, "text": due.text, "article": due.rule.article}


class DefinitionOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    form_ref = serializers.CharField()
    regulation = serializers.CharField()
    article = serializers.CharField()
    cadence = serializers.ChoiceField(choices=CADENCES)
    pack = serializers.CharField(allow_null=True)
    enabled = serializers.BooleanField()
    description = serializers.CharField()
    current_period = serializers.CharField(help_text="最近一个已结束的期间")
    due = DueOut()


class ColumnOut(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=["text", "int", "decimal", "percent", "date"])
    places = serializers.IntegerField()


class HeaderOut(serializers.Serializer):
    text = serializers.CharField()
    colspan = serializers.IntegerField()
    rowspan = serializers.IntegerField()


class TableOut(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnOut(many=True)
    header_rows = serializers.ListField(child=HeaderOut(many=True))
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()),
                                 help_text="按列顺序的值：数字与金额为字符串形式的十进制数，日期为 ISO 格式")
    totals = serializers.ListField(child=serializers.JSONField(), allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())


class SubmissionBriefOut(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by.__str__")
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = ReportSubmission
        fields = ["id", "report_code", "period", "unit", "unit_name", "version", "is_current", "row_count", "due_on",
                  "is_late", "submitted_by", "submitted_at", "correction_reason", "supersedes", "pack_version"]


class ReportOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    form_ref = serializers.CharField()
    period = serializers.CharField()
    period_label = serializers.CharField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    frozen = serializers.BooleanField(help_text="true：已提交版本中冻结的数据；false：按当前数据计算")
    due = DueOut(many=True)
    source_missing = serializers.CharField(help_text="非空时本表暂无数据来源，不能提交")
    notes = serializers.ListField(child=serializers.CharField())
    tables = TableOut(many=True)
    submission = SubmissionBriefOut(allow_null=True)


def _report_out(report, submission) -> dict:
    data = report.result.to_json()
    return {
        "code": report.definition.code, "title": report.definition.title, "form_ref": report.definition.form_ref,
        "period": report.period.key, "period_label": report.period.label, "unit": report.unit.pk,
        "unit_name": report.unit.name, "frozen": report.frozen, "due": [_due_out(d) for d in report.due],
        "source_missing": report.result.source_missing, "notes": list(report.result.notes),
        "tables": data["tables"],
        "submission": submission,
    }


class SubmissionOut(SubmissionBriefOut):
    report = serializers.SerializerMethodField()

    class Meta(SubmissionBriefOut.Meta):
        fields = [*SubmissionBriefOut.Meta.fields, "report"]

    @extend_schema_field(ReportOut)
    def get_report(self, obj) -> dict:
        return ReportOut(_report_out(sel.submission_report(obj), obj)).data


CODE_PARAM = OpenApiParameter("code", str, OpenApiParameter.PATH, description="报表编码", enum=_codes())


class ReportListApi(APIView):
    @extend_schema(operation_id="reports_list", responses=DefinitionOut(many=True))
    def get(self, request):
        require_perm(request.user, sel.VIEW_PERMISSION, "您没有查看定期报表的权限。")
        from django.utils import timezone

        today = timezone.localdate()
        enabled = sel.report_enabled_map()
        out = []
        for d in report_definitions():
            period = latest_ended_period(d, today)
            out.append({"code": d.code, "title": d.title, "form_ref": d.form_ref, "regulation": d.regulation,
                        "article": d.article, "cadence": d.cadence, "pack": d.pack, "enabled": bool(enabled[d.code]),
                        "description": d.description, "current_period": period.key,
                        "due": _due_out(sel.first_due(d, period))})
        return Response(DefinitionOut(out, many=True).data)


class ReportComputeApi(APIView):
    @extend_schema(operation_id="reports_compute", parameters=[CODE_PARAM, ReportQuery], responses=ReportOut)
    def get(self, request, code: str):
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        definition = sel.report_definition(code)
        from django.utils import timezone

        period = q.get("period") or latest_ended_period(definition, timezone.localdate()).key
        filters = {"product_group": q["product_group"]} if q.get("product_group") else {}
        report = sel.report_compute(actor=request.user, code=code, period=period, unit_id=q.get("unit"),
                                    filters=filters)
        current = sel.current_submission(code=code, period=report.period.key, unit=report.unit)
        return Response(ReportOut(_report_out(report, current)).data)


class SubmitIn(serializers.Serializer):
    period = PeriodField()
    unit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    product_group = serializers.CharField(required=False, allow_blank=True, max_length=40)


class CorrectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON, help_text="更正原因（必填）")


CONFLICT = OpenApiResponse(description="该报表本期已提交（请提交更正），或正在被他人提交")


class ReportSubmitApi(APIView):
    @extend_schema(operation_id="reports_submit", parameters=[CODE_PARAM], request=SubmitIn,
                   responses={201: SubmissionOut, 409: CONFLICT})
    def post(self, request, code: str):
        data = SubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        filters = {"product_group": d["product_group"]} if d.get("product_group") else {}
        submission = services.report_submit(actor=request.user, code=code, period=d["period"],
                                            unit_id=d.get("unit"), filters=filters)
        return Response(SubmissionOut(submission).data, status=status.HTTP_201_CREATED)


class SubmissionQuery(serializers.Serializer):
    report = serializers.CharField(required=False, max_length=60)
    period = PeriodField(required=False)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    current = serializers.BooleanField(required=False, help_text="只列现行版本")


class SubmissionListApi(generics.ListAPIView):
    serializer_class = SubmissionBriefOut

    @extend_schema(operation_id="reports_submissions_list", parameters=[SubmissionQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = SubmissionQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        return sel.submission_list(actor=self.request.user, code=q.get("report"), period=q.get("period"),
                                   unit_id=q.get("unit"), current_only=bool(q.get("current")))


class SubmissionDetailApi(APIView):
    @extend_schema(operation_id="reports_submission_get", responses=SubmissionOut)
    def get(self, request, pk: int):
        return Response(SubmissionOut(sel.submission_get(actor=request.user, pk=pk)).data)


class SubmissionCorrectApi(APIView):
    @extend_schema(operation_id="reports_submission_correct", request=CorrectIn,
                   responses={201: SubmissionOut, 409: CONFLICT})
    def post(self, request, pk: int):
        data = CorrectIn(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.report_correct(actor=request.user, submission_id=pk,
                                             reason=data.validated_data["reason"])
        return Response(SubmissionOut(submission).data, status=status.HTTP_201_CREATED)


class DueReportOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    period = serializers.CharField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    due = DueOut()
    overdue = serializers.BooleanField()
    days_left = serializers.IntegerField(allow_null=True)


class ReportsDueApi(APIView):
    @extend_schema(operation_id="reports_due", responses=DueReportOut(many=True))
    def get(self, request):
        require_perm(request.user, sel.VIEW_PERMISSION, "您没有查看定期报表的权限。")
        items = sel.reports_due(actor=request.user)
        return Response(DueReportOut([{
            "code": r.definition.code, "title": r.definition.title, "period": r.period.key, "unit": r.unit.pk,
            "unit_name": r.unit.name, "due": _due_out(r.due), "overdue": r.overdue, "days_left": r.days_left,
        } for r in items], many=True).data)

