"""The generic application with deadlines, configured by a pack's `applications` section (engine/sections.py):
railway big clients (003 大客户运输服务管理办法 第五条至第十一条) and power 业扩报装 (电力大客户用电管理制度 第二节).

A program names the facts an applicant supplies, the eligibility conditions (checked when the application is
received: an ineligible one is refused with every unmet condition and its article), and the milestones: who does
each, what must come first, when it falls due (working days counted by kehu.workdays, a fixed day in December, an
amount chosen by a field), validity periods with their extension rule, repeatable inspections with a fee from the
second attempt, and the milestone that sends the application into the pack's approval chain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.workflow.application_models import (
    Application,
    ApplicationMilestone,
    ApplicationStatus,
    MilestoneOutcome,
    MilestoneStatus,
)

APPLICATION_KINDS = ("railway_application", "power_application")


def program_get(pack_name: str, program_code: str):
    from kehu.policy.selectors import PackNotFound, pack_get

    try:
        pack = pack_get(pack_name)
    except PackNotFound as exc:
        raise ValidationError({"pack": exc.message}) from None
    program = pack.applications.get(program_code)
    if program is None:
        raise ValidationError({"program": f"政策包 {pack_name} 没有申请类型 {program_code!r}"
                                          f"（可用：{'、'.join(pack.applications) or '无'}）。"})
    return pack, program


def programs() -> list[tuple[Any, Any]]:
    """(pack, program) for every pack file that defines applications (broken packs are skipped)."""
    from kehu.policy.engine import PackError
    from kehu.policy.selectors import pack_files, pack_get

    out = []
    for name in pack_files():
        try:
            pack = pack_get(name)
        except PackError:
            continue
        out.extend((pack, program) for program in pack.applications.values())
    return out


def _parse_facts(program, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(typed facts for the engine, JSON-safe facts to store); every bad field is reported at once."""
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    stored: dict[str, Any] = {}
    unknown = set(raw) - {f.code for f in program.fields}
    if unknown:
        errors["facts"] = f"未知的申请内容：{'、'.join(sorted(unknown))}"
    for spec in program.fields:
        value = raw.get(spec.code)
        if value is None or value == "":
            if spec.type == "boolean":
                typed[spec.code], stored[spec.code] = False, False
                continue
            if spec.required:
                errors[spec.code] = f"请填写“{spec.label}”。"
            continue
        try:
            if spec.type == "decimal":
                number = Decimal(str(value).replace(",", ""))
                if not number.is_finite() or number < 0:
                    raise InvalidOperation
                typed[spec.code], stored[spec.code] = number, str(number)
            elif spec.type == "integer":
                if isinstance(value, bool):
                    raise ValueError
                typed[spec.code] = stored[spec.code] = int(str(value))
            elif spec.type == "boolean":
                flag = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "on", "yes", "是")
                typed[spec.code] = stored[spec.code] = flag
            elif spec.type == "choice":
                if str(value) not in {c.code for c in spec.choices}:
                    raise ValueError
                typed[spec.code] = stored[spec.code] = str(value)
            elif spec.type == "date":
                day = value if isinstance(value, date) else date.fromisoformat(str(value))
                typed[spec.code], stored[spec.code] = day, day.isoformat()
            else:
                typed[spec.code] = stored[spec.code] = str(value).strip()[:500]
        except (ValueError, InvalidOperation, TypeError):
            hint = {"decimal": "一个非负数字", "integer": "整数", "choice": "、".join(c.name for c in spec.choices),
                    "date": "日期（YYYY-MM-DD）"}.get(spec.type, "")
            errors[spec.code] = f"“{spec.label}”应为{hint}。"
    if errors:
        raise ValidationError(errors)
    return typed, stored


def _typed(program, stored: Mapping[str, Any]) -> dict[str, Any]:
    typed = dict(stored)
    for spec in program.fields:
        if spec.type == "decimal" and stored.get(spec.code) not in (None, ""):
            typed[spec.code] = Decimal(stored[spec.code])
    return typed


def _holds_role(actor: User, role_code: str) -> bool:
    return actor.is_superuser or actor.roles.filter(code=role_code).exists()


def _system_role(pack, pack_role: str | None) -> str:
    from kehu.workflow.chains import system_role

    return system_role(pack, pack_role) if pack_role else ""


def _refresh(application: Application, program, *, today: date | None = None) -> None:
    """Statuses and due dates of the milestones from what is done; the application is completed when every
    milestone's last attempt is done (and passed). A calendar year the system lacks leaves the due date open with
    a note saying so, never a guess."""
    from kehu.policy.engine.sections import milestone_due
    from kehu.workdays.calendar import CalendarYearMissing, add_working_days, is_working_day

    rows = list(application.milestones.select_for_update().order_by("order", "attempt"))
    latest: dict[str, ApplicationMilestone] = {}
    for row in rows:
        latest[row.code] = row  # the last attempt
    done_on: dict[str, date] = {"received": application.received_on}
    for code, row in latest.items():
        if row.status == MilestoneStatus.DONE:
            done_on[code] = row.done_on
    typed = _typed(program, application.facts)
    changed = []
    for row in latest.values():
        spec = program.milestone(row.code)
        before = (row.status, row.due_on, row.note)
        if row.status not in (MilestoneStatus.DONE, MilestoneStatus.FAILED):
            ready = all(r in done_on for r in spec.requires)
            row.status = MilestoneStatus.OPEN if ready else MilestoneStatus.WAITING
            try:
                row.due_on = milestone_due(spec, facts=typed, done_on=done_on, add_working_days=add_working_days,
                                           is_working_day=is_working_day)
                if row.note.startswith("期限无法计算"):
                    row.note = ""
            except CalendarYearMissing as exc:
                row.due_on = None
                row.note = f"期限无法计算：{exc}"[:300]
        if (row.status, row.due_on, row.note) != before:
            changed.append(row)
    for row in changed:
        row.save(update_fields=["status", "due_on", "note"])
    if all(r.status == MilestoneStatus.DONE for r in latest.values()) and \
            application.status != ApplicationStatus.COMPLETED:
        application.status = ApplicationStatus.COMPLETED
        application.save(update_fields=["status"])


@transaction.atomic
def application_receive(*, actor: User, pack_name: str, program_code: str, customer: Customer,
                        received_on: date, facts: Mapping[str, Any]) -> Application:
    """Receive an application (受理): facts checked against the program's fields, the eligibility conditions checked
    (all must hold: an ineligible application is refused with each unmet condition and its article), milestones
    laid out with their due dates."""
    require_perm(actor, "workflow.manage_application", "您没有受理大客户申请的权限。")
    from kehu.core.errors import ScopeError
    from kehu.customers.selectors import customer_queryset_for_actor

    pack, program = program_get(pack_name, program_code)
    if not customer_queryset_for_actor(actor).filter(pk=customer.pk).exists():
        raise ScopeError("客户不存在或不在您的管理范围内。", field="customer")
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "受理日期不能晚于今天。"})
    typed, stored = _parse_facts(program, facts)
    results = program.check_eligibility(typed)
    unmet = [r for r in results if not r.met]
    if unmet:
        raise ValidationError({"facts": [f"不符合{r.article}：{r.label}" for r in unmet]})
    if program.requires_program and not Application.objects.filter(
            customer=customer, pack_name=pack.name, program_code=program.requires_program,
            status=ApplicationStatus.COMPLETED).exists():
        needed = pack.applications[program.requires_program].name
        raise ValidationError({"customer": f"{customer.name} 尚无已办结的“{needed}”，不能办理“{program.name}”。"})
    application = Application(
        pack_name=pack.name, pack_version=pack.version, program_code=program.code, program_name=program.name,
        article=f"{pack.name} {program.citation.article}", customer=customer, received_on=received_on,
        facts=stored, title=f"{program.name}：{customer.name}",
        eligibility=[{"code": r.code, "label": r.label, "met": r.met, "article": r.article} for r in results],
        created_by=actor)
    application._history_user = actor
    application.save()
    ApplicationMilestone.objects.bulk_create([
        ApplicationMilestone(application=application, code=m.code, name=m.name, order=i,
                             role_code=_system_role(pack, m.role), article=m.citation.article)
        for i, m in enumerate(program.milestones, start=1)])
    _refresh(application, program)
    return application


def _lock(milestone: ApplicationMilestone) -> tuple[ApplicationMilestone, Application]:
    application = Application.objects.select_for_update().get(pk=milestone.application_id)
    return ApplicationMilestone.objects.select_for_update().get(pk=milestone.pk), application


@transaction.atomic
def milestone_complete(*, actor: User, milestone: ApplicationMilestone, done_on: date, outcome: str = "",
                       note: str = "", records: Mapping[str, Any] | None = None) -> ApplicationMilestone:
    """One milestone done by the person whose role the pack names; records (a certificate number …) are stored in
    the facts. A failed inspection opens the next attempt (with the re-inspection fee from the pack's attempt on);
    the milestone that submits the application starts the approval chain."""
    from kehu.policy.engine.sections import validity_end
    from kehu.workflow.services.approvals import approval_submit

    milestone, application = _lock(milestone)
    pack, program = program_get(application.pack_name, application.program_code)
    spec = program.milestone(milestone.code)
    if spec.completed_by == "approval":
        raise ServiceError(f"“{milestone.name}”由审批结果完成，不能手工办理。", code="state")
    if not _holds_role(actor, milestone.role_code):
        raise ForbiddenError(f"“{milestone.name}”应由“{pack.roles[spec.role].name}”办理（{spec.citation.article}）。")
    if milestone.status != MilestoneStatus.OPEN:
        raise ServiceError(f"“{milestone.name}”当前为“{milestone.get_status_display()}”，"
                           f"须先完成：{'、'.join(program.milestone(r).name for r in spec.requires)}。", code="state")
    if application.status in (ApplicationStatus.REJECTED, ApplicationStatus.EXPIRED):
        raise ServiceError(f"该申请{application.get_status_display()}，不能继续办理。", code="state")
    errors: dict[str, str] = {}
    if done_on < application.received_on or done_on > timezone.localdate():
        errors["done_on"] = "完成日期应在受理日期与今天之间。"
    if spec.outcome == "pass_fail" and outcome not in (MilestoneOutcome.PASSED, MilestoneOutcome.FAILED):
        errors["outcome"] = "请填写结果：合格或不合格。"
    if spec.outcome != "pass_fail" and outcome:
        errors["outcome"] = "此里程碑没有合格/不合格结果。"
    records = dict(records or {})
    stored_records = {}
    if set(records) - set(spec.records):
        errors["records"] = f"此里程碑只登记：{'、'.join(program.field(r).label for r in spec.records) or '无'}。"
    else:
        for code in spec.records:
            if not str(records.get(code) or "").strip():
                errors[code] = f"请填写“{program.field(code).label}”。"
            else:
                stored_records[code] = str(records[code]).strip()[:200]
    for other in program.milestones:  # a validity this milestone ends (受电工程开工 ends the scheme's validity)
        if other.validity and other.validity.ends_with == milestone.code:
            row = application.milestones.filter(code=other.code, status=MilestoneStatus.DONE).first()
            if row and row.valid_until and done_on > row.valid_until:
                errors["done_on"] = (f"“{row.name}”已于 {row.valid_until} 失效（{other.validity.citation.article}），"
                                     f"须重新申请。")
    if errors:
        raise ValidationError(errors)
    milestone.done_on, milestone.done_by, milestone.note = done_on, actor, (note or "").strip()[:300]
    milestone.outcome = outcome if spec.outcome == "pass_fail" else ""
    milestone.status = MilestoneStatus.FAILED if outcome == MilestoneOutcome.FAILED else MilestoneStatus.DONE
    if spec.validity and milestone.status == MilestoneStatus.DONE:
        period = spec.validity.period_for(_typed(program, application.facts))
        milestone.valid_until = validity_end(done_on, period) if period else None
    milestone._history_user = actor
    milestone.save()
    if milestone.status == MilestoneStatus.FAILED:
        attempt = milestone.attempt + 1
        ApplicationMilestone.objects.create(
            application=application, code=milestone.code, name=milestone.name, order=milestone.order,
            attempt=attempt, role_code=milestone.role_code, article=milestone.article, status=MilestoneStatus.OPEN,
            fee_due=bool(spec.fee_from_attempt and attempt >= spec.fee_from_attempt))
    if stored_records:
        application.facts = {**application.facts, **stored_records}
        application.save(update_fields=["facts"])
    if spec.submits_approval:
        application.approval = approval_submit(actor=actor, subject=application, kind=program.approval_kind,
                                               title=application.title, customer=application.customer,
                                               pack_name=pack.name)
        application.status = ApplicationStatus.IN_APPROVAL
        application.save(update_fields=["approval", "status"])
    _refresh(application, program)
    return milestone


@transaction.atomic
def validity_extend(*, actor: User, milestone: ApplicationMilestone, requested_on: date,
                    until: date | None = None) -> ApplicationMilestone:
    """第二节4: asked at least `request_before_days` days before the validity ends, at most `max_extensions` times,
    by at most one validity period."""
    from kehu.policy.engine.sections import validity_end

    require_perm(actor, "workflow.manage_application", "您没有办理大客户申请的权限。")
    milestone, application = _lock(milestone)
    _pack, program = program_get(application.pack_name, application.program_code)
    spec = program.milestone(milestone.code)
    validity = spec.validity
    if validity is None or milestone.status != MilestoneStatus.DONE or milestone.valid_until is None:
        raise ServiceError("此里程碑没有可延长的有效期。", code="state")
    ended = validity.ends_with and application.milestones.filter(code=validity.ends_with,
                                                                  status=MilestoneStatus.DONE).exists()
    if ended:
        raise ServiceError("受电工程已开工，有效期已结束，无须延长。", code="state")
    errors = {}
    if milestone.extensions >= validity.max_extensions:
        errors["requested_on"] = (f"有效期只能延长{validity.max_extensions}次（{validity.citation.article}："
                                  f"延长时间不得超过一个有效期），已延长{milestone.extensions}次。")
    latest = (milestone.valid_until.toordinal() - (validity.request_before_days or 0))
    if requested_on.toordinal() > latest:
        errors["requested_on"] = (f"须在有效期到期（{milestone.valid_until}）前{validity.request_before_days}天提出，"
                                  f"即不晚于 {date.fromordinal(latest)}（{validity.citation.article}）。")
    period = validity.period_for(_typed(program, application.facts))
    longest = validity_end(milestone.valid_until, period)
    until = until or longest
    if until <= milestone.valid_until or until > longest:
        errors["until"] = f"延长至的日期应晚于 {milestone.valid_until}，且不超过一个有效期（至多 {longest}）。"
    if errors:
        raise ValidationError(errors)
    milestone.extensions += 1
    milestone.extension_requested_on = requested_on
    milestone.valid_until = until
    milestone._history_user = actor
    milestone._change_reason = f"延长有效期至 {until}（{requested_on} 申请）"
    milestone.save()
    return milestone


def on_application_approval_event(approval, event: str, actor) -> None:
    """The approval chain's outcome: approved completes the milestones the pack marks `completed_by: approval`."""
    application = Application.objects.select_for_update().filter(pk=approval.object_id).first()
    if application is None or event == "submitted":
        return
    _pack, program = program_get(application.pack_name, application.program_code)
    if event == "approved":
        today = timezone.localdate()
        for spec in program.milestones:
            if spec.completed_by == "approval":
                row = application.milestones.select_for_update().filter(code=spec.code).order_by("-attempt").first()
                if row and row.status != MilestoneStatus.DONE:
                    from kehu.policy.engine.sections import validity_end

                    row.status, row.done_on, row.done_by = MilestoneStatus.DONE, today, actor
                    if spec.validity:
                        period = spec.validity.period_for(_typed(program, application.facts))
                        row.valid_until = validity_end(today, period) if period else None
                    row.save()
        application.status = ApplicationStatus.OPEN
    elif event in ("rejected", "returned", "withdrawn"):
        application.status = ApplicationStatus.REJECTED if event == "rejected" else ApplicationStatus.OPEN
        if event != "rejected":  # returned / withdrawn: the submitting milestone is open again for a new round
            for spec in program.milestones:
                if spec.submits_approval:
                    for row in application.milestones.filter(code=spec.code):
                        row.status, row.done_on = MilestoneStatus.OPEN, None
                        row.save(update_fields=["status", "done_on"])
    application.save(update_fields=["status"])
    _refresh(application, program)


APPLICATION_WORK = ("workflow.view_application", "workflow.manage_application")


def register() -> None:
    """Approval kinds, the bodies the railway and power regulations name, navigation (AppConfig.ready)."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from kehu.core.navigation import NavItem, register_nav
    from kehu.org.models import DataScope
    from kehu.org.roles import RoleSpec, register_role, register_role_permissions
    from kehu.workflow.services.approvals import KindSpec, register_kind

    for code, name, description in (
        ("railway_bureau", "铁路局", "核实大客户申请表与年度运量表（大客户运输服务管理办法 第六条、第十条）"),
        ("railway_ministry", "铁道部", "审核大客户申请、核发证书、审定年度运量（第六条、第十一条）"),
        ("power_station_clerk", "供电所业扩员", "受理用电申请、初审、传递（电力大客户用电管理制度 第二节2、4）"),
        ("power_expansion_specialist", "客户服务中心业扩专责", "确定供电方案、组织验收（第二节3、9）"),
        ("power_metering", "计量所", "装表并回传装表工作票（第二节10、11）"),
    ):
        register_role(RoleSpec(code, name, DataScope.ALL, ("customers.view_customer", *APPLICATION_WORK),
                               description))
    register_role_permissions("marketing_head", APPLICATION_WORK)
    register_role_permissions("sysadmin", ("workflow.view_application",))
    from kehu.core.demo import DemoLoader, register_demo_loader
    from kehu.workflow.application_demo import load_demo

    register_demo_loader(DemoLoader("applications", 75, load_demo))
    register_nav(NavItem("applications", _("大客户申请"), "workflow:application_list", 66, "workflow.view_application"))
    for kind in APPLICATION_KINDS:
        register_kind(kind, KindSpec(on_event=on_application_approval_event, url=lambda a: reverse(
            "workflow:application_detail", args=[a.object_id])))
