"""Overdue approval steps: the daily job reminds the step's holders once its due moment has passed, and a
working day later escalates a notice to their managers. Each (step, kind) is notified once: the unique
StepOverdueNotice row makes a second run the same day — or any later day — send nothing again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kehu.org.models import OrgUnit, User
from kehu.workflow.calendar import step_due_at
from kehu.workflow.models import (
    ApprovalStatus,
    ApprovalStep,
    OverdueNoticeKind,
    StepOverdueNotice,
    StepStatus,
)
from kehu.workflow.selectors import step_holders
from kehu.workflow.services.notifications import notify

ESCALATE_AFTER_WORKING_DAYS = 1


@dataclass
class OverdueRunResult:
    overdue: int = 0
    reminded: int = 0
    escalated: int = 0
    skipped_non_working_day: bool = False


def _is_working_day(day) -> bool:
    """True on working days; a year the calendar does not know counts as working (a reminder is better sent)."""
    try:
        from kehu.workdays.calendar import is_working_day

        return is_working_day(day)
    except Exception:  # CalendarYearMissing or the calendar app missing: do not swallow reminders
        return True


def managers_of(users: list[User]) -> list[User]:
    """Each user's manager: `User.manager`, else the head of the nearest unit (own unit first, then up the tree)
    whose head is someone else. Two queries whatever the number of users."""
    found: dict[int, User] = {}
    missing: list[User] = []
    manager_ids = {u.manager_id for u in users if u.manager_id}
    managers = {m.pk: m for m in User.objects.filter(pk__in=manager_ids, is_active=True)}
    for u in users:
        m = managers.get(u.manager_id) if u.manager_id else None
        if m is not None and m.pk != u.pk:
            found.setdefault(m.pk, m)
        else:
            missing.append(u)
    if missing:
        paths = {u.pk: (u.unit.path if u.unit_id else "") for u in missing}
        unit_ids = {int(p) for path in paths.values() for p in path.split("/") if p}
        units = {
            unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=unit_ids, head__isnull=False,
                                                             head__is_active=True).select_related("head")
        }
        for u in missing:
            chain = [int(p) for p in paths[u.pk].split("/") if p]
            for unit_id in reversed(chain):  # nearest first
                unit = units.get(unit_id)
                if unit is not None and unit.head_id != u.pk:
                    found.setdefault(unit.head.pk, unit.head)
                    break
    return list(found.values())


def _days_label(step: ApprovalStep) -> str:
    return f"{step.due_working_days}个工作日" if step.due_working_days else ""


@transaction.atomic
def approval_overdue_run(*, now: datetime | None = None) -> OverdueRunResult:
    """The daily job. `now` is a parameter so that tests (and catch-up runs) can simulate the clock."""
    from kehu.workflow.services.approvals import approval_url

    now = now or timezone.now()
    today = timezone.localdate(now)
    result = OverdueRunResult()
    if not _is_working_day(today):
        result.skipped_non_working_day = True
        return result
    # Lock the overdue steps so that two runs at once queue up; the second then sees the first's notices.
    steps = list(
        ApprovalStep.objects.select_for_update(of=("self",))
        .filter(status=StepStatus.PENDING, approval__status=ApprovalStatus.PENDING, due_at__lt=now)
        .select_related("approval", "unit").order_by("due_at", "pk")
    )
    result.overdue = len(steps)
    if not steps:
        return result
    sent = set(StepOverdueNotice.objects.filter(step__in=steps).values_list("step_id", "kind"))
    notices: list[StepOverdueNotice] = []
    for step in steps:
        approval = step.approval
        due = timezone.localtime(step.due_at)
        escalate_at = step_due_at(step.due_at, ESCALATE_AFTER_WORKING_DAYS)
        need_reminder = (step.pk, OverdueNoticeKind.REMINDER) not in sent
        need_escalation = (escalate_at is not None and escalate_at <= now
                           and (step.pk, OverdueNoticeKind.ESCALATION) not in sent)
        if not (need_reminder or need_escalation):
            continue
        holders = [u for u in step_holders(step) if u.pk != approval.submitted_by_id]
        what = step.action or step.role_name
        url = approval_url(approval)
        if need_reminder:
            notify(holders, kind="approval_overdue", title=f"审批已逾期：{approval.title}",
                   body=f"{approval.get_kind_display()} · {what}，办理期限 {due:%Y-%m-%d %H:%M}"
                        f"（{_days_label(step)}）已过，请尽快办理。", url=url)
            notices.append(StepOverdueNotice(step=step, kind=OverdueNoticeKind.REMINDER, on_date=today,
                                             recipients=[u.pk for u in holders], created_at=now))
            result.reminded += 1
        if need_escalation:
            managers = [m for m in managers_of(holders) if m.pk != approval.submitted_by_id]
            names = "、".join(str(u) for u in holders) or step.role_name
            notify(managers, kind="approval_escalated", title=f"下属审批逾期超过1个工作日：{approval.title}",
                   body=f"{what}（审批人：{names}）的办理期限 {due:%Y-%m-%d %H:%M} 已过1个工作日仍未办理，"
                        f"请督促。", url=url)
            notices.append(StepOverdueNotice(step=step, kind=OverdueNoticeKind.ESCALATION, on_date=today,
                                             recipients=[u.pk for u in managers], created_at=now))
            result.escalated += 1
    StepOverdueNotice.objects.bulk_create(notices)
    return result
