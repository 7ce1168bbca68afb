"""Reads: which units a user reports for, a form computed for a period, its printable document, submissions, and
the forms due. Every read is scoped to the user (the data scope of kehu.org) and to the reporting unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from kehu.core.documents import FormDocument
from kehu.core.errors import ScopeError, ServiceError
from kehu.org.models import DataScope, OrgUnit, User
from kehu.org.selectors import scope_q, user_scope
from kehu.policy.periods import Period
from kehu.reports.models import ReportSetting, ReportSubmission
from kehu.reports.periods import DueDate, due_dates, first_due, latest_ended_period, report_period
from kehu.reports.registry import (
    ReportContext,
    ReportDefinition,
    ReportResult,
    report_definition_or_none,
    report_definitions,
)

VIEW_PERMISSION = "reports.view_reportsubmission"
SUBMIT_PERMISSION = "reports.submit_report"
CORRECT_PERMISSION = "reports.correct_report"


class ReportNotFound(ServiceError):
    status_code = 404
    code = "not_found"


def report_definition(code: str) -> ReportDefinition:
    definition = report_definition_or_none(code)
    if definition is None:
        raise ReportNotFound(f"报表“{code}”不存在。", field="report")
    return definition


# ----- applicability ----------------------------------------------------------------------------------------------


def report_enabled_map() -> dict[str, bool]:
    """{form code: filed by this company}: an administrator's setting, else the pack's activation; forms without
    a pack are off until enabled. Two queries."""
    from kehu.policy.selectors import active_pack_names

    active = set(active_pack_names())
    settings = dict(ReportSetting.objects.values_list("report_code", "enabled"))
    return {d.code: settings.get(d.code, d.pack is not None and d.pack in active) for d in report_definitions()}


def enabled_report_definitions() -> list[ReportDefinition]:
    enabled = report_enabled_map()
    return [d for d in report_definitions() if enabled.get(d.code)]


# ----- units and scope --------------------------------------------------------------------------------------------


def root_unit() -> OrgUnit | None:
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def report_units_for(actor: User) -> QuerySet[OrgUnit]:
    """The units a user may choose as 填报单位: every unit with an all-customers scope, the own subtree with a
    subtree scope, otherwise the own unit (whose form then shows only the user's own customers)."""
    scope = user_scope(actor)
    units = OrgUnit.objects.filter(is_active=True)
    if scope.kind == DataScope.ALL:
        return units.order_by("path")
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        return units.filter(path__startswith=scope.unit_path).order_by("path")
    if scope.unit_id:
        return units.filter(pk=scope.unit_id)
    return units.none()


def report_unit_default(actor: User) -> OrgUnit | None:
    if actor.unit_id:
        return OrgUnit.objects.filter(pk=actor.unit_id).first()
    return report_units_for(actor).first()


def report_unit_get(*, actor: User, unit_id: int | None) -> OrgUnit:
    """The reporting unit a request names (the user's own unit when none), or a field error on `unit`."""
    if unit_id is None:
        unit = report_unit_default(actor)
        if unit is None:
            unit = root_unit() if user_scope(actor).kind == DataScope.ALL else None
        if unit is None:
            raise ServiceError("您没有所属单位，请选择填报单位。", field="unit")
        return unit
    unit = report_units_for(actor).filter(pk=unit_id).first()
    if unit is None:
        raise ServiceError("填报单位不存在，或不在您的管理范围内。", field="unit")
    return unit


def covers_whole_unit(actor: User, unit: OrgUnit) -> bool:
    """Whether the user's data scope holds every customer of the unit (only then may the user submit its form)."""
    scope = user_scope(actor)
    if scope.kind == DataScope.ALL:
        return True
    if scope.kind == DataScope.SUBTREE and scope.unit_path:
        return unit.path.startswith(scope.unit_path)
    return scope.kind == DataScope.UNIT and scope.unit_id == unit.pk and not unit.children.exists()


def report_customer_q(*, actor: User, unit: OrgUnit, prefix: str = "") -> Q:
    """Customers of the unit's subtree that the user's scope covers; the company's root unit covers every customer,
    those without a unit too."""
    q = Q()
    own = scope_q(actor, owner_field=f"{prefix}owner", unit_field=f"{prefix}unit")
    if own:
        q &= own
    if unit.parent_id is not None:
        q &= Q(**{f"{prefix}unit__path__startswith": unit.path})
    return q


# ----- computing a form -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputedReport:
    definition: ReportDefinition
    period: Period
    unit: OrgUnit
    result: ReportResult
    due: list[DueDate]
    filters: dict
    computed_at: object
    submission: ReportSubmission | None = None  # set when the figures are a submitted (frozen) version

    @property
    def frozen(self) -> bool:
        return self.submission is not None


def report_filters_clean(definition: ReportDefinition, raw: dict | None) -> dict[str, str]:
    """The form's own filters from a request: known codes only, values among the offered choices."""
    clean: dict[str, str] = {}
    raw = raw or {}
    for f in definition.filters:
        value = str(raw.get(f.code) or "").strip()
        if not value:
            continue
        allowed = {code for code, _label in f.choices()}
        if value not in allowed:
            raise ServiceError(f"{f.label}“{value[:40]}”不在可选范围内。", field=f.code)
        clean[f.code] = value
    return clean


def report_compute(*, actor: User, code: str, period: str, unit_id: int | None = None, filters: dict | None = None,
                   today: date | None = None, for_submission: bool = False) -> ComputedReport:
    """A form computed now for the period and unit, scoped to the actor (bad input: ServiceError / ValidationError
    on the field)."""
    from kehu.core.permissions import require_perm

    require_perm(actor, VIEW_PERMISSION, "您没有查看定期报表的权限。")
    definition = report_definition(code)
    today = today or timezone.localdate()
    parsed = report_period(definition, period, today=today, for_submission=for_submission)
    unit = report_unit_get(actor=actor, unit_id=unit_id)
    clean = report_filters_clean(definition, filters)
    ctx = ReportContext(definition=definition, actor=actor, unit=unit, period=parsed, today=today, filters=clean)
    result = definition.build(ctx)
    return ComputedReport(definition, parsed, unit, result, due_dates(definition, parsed), clean, timezone.now())


def report_document(report: ComputedReport) -> FormDocument:
    """The form in the regulation's layout (title, 填报单位 and period, units, header rows, totals, notes, signature
    lines); every further table is a section (sheet / page) of the same document."""
    d = report.definition
    meta = [("填报单位", report.unit.name), ("报表期间", report.period.label)]
    if d.units_text:
        meta.append(("计量单位", d.units_text))
    for due in report.due:
        meta.append((due.rule.label or "报送期限", due.text))
    if report.submission is not None:
        s = report.submission
        when = timezone.localtime(s.submitted_at)
        meta.append(("版本", f"第{s.version}版（{when:%Y-%m-%d %H:%M} 由 {s.submitted_by} 提交）"))
    else:
        meta.append(("编制时间", f"{timezone.localtime(report.computed_at):%Y-%m-%d %H:%M}（未提交）"))
    meta.extend(report.result.meta)
    notes = []
    if report.result.source_missing:
        notes.append(f"本表暂无数据来源：{report.result.source_missing}")
    notes.extend(report.result.notes)
    notes.append(f"依据：{d.regulation} {d.article}" + (f"“{d.quote}”" if d.quote else ""))
    if report.submission is not None and report.submission.correction_reason:
        notes.append(f"更正原因：{report.submission.correction_reason}")
    sections = []
    tables = report.result.tables
    for n, table in enumerate(tables):
        sections.append(FormDocument(
            title=d.title if n == 0 else f"{d.title}——{table.title}",
            subtitle=f"（{d.form_ref}）" if n == 0 else "",
            columns=table.columns, rows=table.rows, header_rows=table.header_rows, totals=table.totals,
            meta=meta if n == 0 else [("填报单位", report.unit.name), ("报表期间", report.period.label)],
            notes=[*table.notes, *(notes if n == 0 else ())],
            signatures=d.signatures if n == 0 else (),
            landscape=d.landscape, sheet_name=table.title,
        ))
    first, rest = sections[0], sections[1:]
    return FormDocument(
        title=first.title, subtitle=first.subtitle, columns=first.columns, rows=first.rows, meta=first.meta,
        header_rows=first.header_rows, totals=first.totals, notes=first.notes, signatures=first.signatures,
        landscape=first.landscape, sheet_name=first.sheet_name, extra_sections=tuple(rest),
    )


# ----- submissions ------------------------------------------------------------------------------------------------


def _submission_scope(actor: User) -> Q:
    units = report_units_for(actor).values("pk")
    return Q(unit__in=units)


def submission_list(*, actor: User, code: str | None = None, period: str | None = None,
                    unit_id: int | None = None, current_only: bool = False) -> QuerySet[ReportSubmission]:
    from kehu.core.permissions import require_perm

    require_perm(actor, VIEW_PERMISSION, "您没有查看定期报表的权限。")
    qs = ReportSubmission.objects.filter(_submission_scope(actor))
    if code:
        qs = qs.filter(report_code=code)
    if period:
        qs = qs.filter(period=period)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.select_related("unit", "submitted_by").defer("data").order_by("-submitted_at", "-id")


def submission_get(*, actor: User, pk: int) -> ReportSubmission:
    from kehu.core.permissions import require_perm

    require_perm(actor, VIEW_PERMISSION, "您没有查看定期报表的权限。")
    submission = (ReportSubmission.objects.filter(_submission_scope(actor), pk=pk)
                  .select_related("unit", "submitted_by").first())
    if submission is None:
        raise ScopeError("报表不存在，或不在您的管理范围内。")
    return submission


def submission_report(submission: ReportSubmission) -> ComputedReport:
    """A submitted version as it was submitted (its stored figures, not today's)."""
    from kehu.policy.periods import parse_period

    definition = report_definition(submission.report_code)
    period = parse_period(submission.period)
    return ComputedReport(definition, period, submission.unit, ReportResult.from_json(submission.data),
                          due_dates(definition, period), dict(submission.filters), submission.submitted_at,
                          submission=submission)


def current_submission(*, code: str, period: str, unit: OrgUnit) -> ReportSubmission | None:
    return (ReportSubmission.objects.filter(report_code=code, period=period, unit=unit, is_current=True)
            .select_related("submitted_by").defer("data").first())


# ----- what is due ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReport:
    definition: ReportDefinition
    period: Period
    unit: OrgUnit
    due: DueDate
    submission: ReportSubmission | None

    @property
    def overdue(self) -> bool:
        return self.submission is None and self.due.day is not None and self.due.day < timezone.localdate()

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0

    @property
    def days_left(self) -> int | None:
        if self.due.day is None:
            return None
        return (self.due.day - timezone.localdate()).days


def reports_due(*, actor: User, today: date | None = None, include_submitted: bool = False) -> list[DueReport]:
    """For the user's own unit: each form the company files, for its latest ended period, with its due date and
    whether it was submitted. Empty without the permission to submit or a unit the user covers. Three queries."""
    if not actor.has_perm(SUBMIT_PERMISSION):
        return []
    today = today or timezone.localdate()
    unit = report_unit_default(actor) or (root_unit() if user_scope(actor).kind == DataScope.ALL else None)
    if unit is None or not covers_whole_unit(actor, unit):
        return []
    wanted = [(d, latest_ended_period(d, today)) for d in enabled_report_definitions()]
    if not wanted:
        return []
    q = Q()
    for d, p in wanted:
        q |= Q(report_code=d.code, period=p.key)
    submitted = {(s.report_code, s.period): s for s in
                 ReportSubmission.objects.filter(q, unit=unit, is_current=True).select_related("submitted_by")
                 .defer("data")}
    out = []
    for d, p in wanted:
        s = submitted.get((d.code, p.key))
        if s is None or include_submitted:
            out.append(DueReport(d, p, unit, first_due(d, p), s))
    return sorted(out, key=lambda r: (r.due.day or date.max, r.definition.order))
