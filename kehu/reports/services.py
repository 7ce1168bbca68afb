"""Writes: submitting a form (its figures frozen as computed), correcting it (a new version; the old one kept),
and choosing which forms the company files."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.core.permissions import require_perm
from kehu.org.models import User
from kehu.reports.models import ReportSetting, ReportSubmission
from kehu.reports.selectors import (
    CORRECT_PERMISSION,
    SUBMIT_PERMISSION,
    ComputedReport,
    covers_whole_unit,
    current_submission,
    report_compute,
    report_definition,
)

MAX_REASON = 2000


class AlreadySubmitted(ServiceError):
    status_code = 409
    code = "already_submitted"


def _freeze(report: ComputedReport, *, actor: User, version: int, supersedes: ReportSubmission | None,
            reason: str, today: date | None) -> ReportSubmission:
    now = timezone.now()
    today = today or timezone.localdate(now)
    due = report.due[0].day if report.due else None
    submission = ReportSubmission(
        report_code=report.definition.code, period=report.period.key, unit=report.unit, version=version,
        is_current=True, data=report.result.to_json(), filters=report.filters, row_count=report.result.row_count,
        due_on=due, is_late=bool(due and today > due), submitted_by=actor, submitted_at=now,
        correction_reason=reason, supersedes=supersedes, pack_version=report.result.pack_version,
    )
    submission._history_user = actor
    submission._change_reason = reason or "提交"
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        # Another submission for the same form, period and unit won the race.
        raise AlreadySubmitted(
            f"《{report.definition.title}》{report.period.label}（{report.unit.name}）刚刚已由他人提交，请刷新后查看。",
            field="period") from None
    return submission


def _check_may_submit(actor: User, report: ComputedReport, permission: str) -> None:
    require_perm(actor, permission, "您没有提交定期报表的权限。" if permission == SUBMIT_PERMISSION
                 else "您没有更正已提交报表的权限。")
    if not covers_whole_unit(actor, report.unit):
        raise ForbiddenError(f"您的数据范围不包含{report.unit.name}的全部客户，不能代该单位提交报表。")


@transaction.atomic(durable=True)
def report_submit(*, actor: User, code: str, period: str, unit_id: int | None = None, filters: dict | None = None,
                  today: date | None = None) -> ReportSubmission:
    """Submit a form for an ended period: its figures are computed now and stored as submitted (frozen).
    A form already submitted for the period and unit is refused: a change is a correction."""
    require_perm(actor, SUBMIT_PERMISSION, "您没有提交定期报表的权限。")
    report = report_compute(actor=actor, code=code, period=period, unit_id=unit_id, filters=filters, today=today,
                            for_submission=True)
    _check_may_submit(actor, report, SUBMIT_PERMISSION)
    if report.result.source_missing:
        raise ServiceError(f"本表暂无数据来源，不能提交：{report.result.source_missing}", field="report")
    existing = current_submission(code=code, period=report.period.key, unit=report.unit)
    if existing is not None:
        raise AlreadySubmitted(
            f"《{report.definition.title}》{report.period.label}（{report.unit.name}）已于 "
            f"{timezone.localtime(existing.submitted_at):%Y-%m-%d %H:%M} 由 {existing.submitted_by} 提交"
            f"（第{existing.version}版）；如需修改，请提交更正。", field="period")
    return _freeze(report, actor=actor, version=1, supersedes=None, reason="", today=today)


@transaction.atomic(durable=True)
def report_correct(*, actor: User, submission_id: int, reason: str, today: date | None = None) -> ReportSubmission:
    """A correction of a submitted form: the figures are computed again and stored as the next version; the
    version corrected is kept unchanged, marked as superseded. The reason is required."""
    require_perm(actor, CORRECT_PERMISSION, "您没有更正已提交报表的权限。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写更正原因。", field="reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"更正原因不能超过 {MAX_REASON} 个字。", field="reason")
    from kehu.reports.selectors import submission_get

    visible = submission_get(actor=actor, pk=submission_id)
    # The row lock makes two corrections of the same version queue; the second sees it superseded.
    old = ReportSubmission.objects.select_for_update().get(pk=visible.pk)
    if not old.is_current:
        raise ServiceError(f"第{old.version}版已被更正，请在现行版本上更正。", field="submission", code="superseded")
    report_definition(old.report_code)
    report = report_compute(actor=actor, code=old.report_code, period=old.period, unit_id=old.unit_id,
                            filters=old.filters, today=today, for_submission=True)
    _check_may_submit(actor, report, CORRECT_PERMISSION)
    if report.result.source_missing:
        raise ServiceError(f"本表暂无数据来源，不能更正：{report.result.source_missing}", field="report")
    old.is_current = False
    old._history_user = actor
    old._change_reason = f"被第{old.version + 1}版更正：{reason}"[:100]
    old.save(update_fields=["is_current"])
    return _freeze(report, actor=actor, version=old.version + 1, supersedes=old, reason=reason, today=today)


@transaction.atomic
def report_setting_set(*, actor: User, code: str, enabled: bool) -> ReportSetting:
    """Whether the company files a form (administrators)."""
    require_perm(actor, "reports.manage_report_settings", "您没有设置定期报表的权限。")
    report_definition(code)
    row = ReportSetting.objects.filter(report_code=code).first() or ReportSetting(report_code=code)
    row.enabled = bool(enabled)
    row.changed_by = actor
    row._history_user = actor
    row.save()
    return row
