"""Complaints (000 第十二条; 001 第十九条): intake, deadline in working days, pause, investigation,
escalation, resolution, follow-up call and reopening. Every step is logged on the complaint and on the
customer's archive timeline."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.selectors import customer_get_for_actor
from kehu.customers.validators import validate_document_file
from kehu.org.models import OrgUnit, User
from kehu.service.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintAttachment,
    ComplaintChannel,
    ComplaintFollowUp,
    ComplaintMeeting,
    ComplaintPause,
    ComplaintSeverity,
    ComplaintStatus,
    ComplaintStep,
    Responsibility,
    Satisfaction,
)
from kehu.service.pack import service_rules
from kehu.service.services.common import archive, moment, now
from kehu.workdays.calendar import CalendarYearMissing, add_working_time, working_deadline, working_time_between

logger = logging.getLogger(__name__)


def _log(complaint: Complaint, actor, kind: str, summary: str, detail: str = "", *, to_archive: bool = True) -> None:
    ComplaintStep.objects.create(complaint=complaint, actor=actor, kind=kind, summary=summary[:300], detail=detail)
    if to_archive:
        archive(complaint.customer, actor, f"complaint.{kind}", f"投诉 {complaint.code}：{summary}", detail,
                complaint_id=complaint.pk)


def _get(actor, complaint_id: int, *, for_update: bool = True) -> Complaint:
    from kehu.service.selectors import complaint_queryset_for_actor

    qs = complaint_queryset_for_actor(actor)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    complaint = qs.filter(pk=complaint_id).select_related("customer").first()
    if complaint is None:
        from kehu.core.errors import ScopeError

        raise ScopeError("投诉不存在，或不在您的管理范围内。")
    return complaint


_CODE_ATTEMPTS = 10


def _next_code(received: datetime) -> str:
    day = timezone.localtime(received).strftime("%Y%m%d")
    prefix = f"TS{day}-"
    # by length first: TS…-1000 sorts before TS…-999 as text
    last = (Complaint.objects.filter(code__startswith=prefix).order_by(Length("code").desc(), "-code")
            .values_list("code", flat=True).first())
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:03d}"


def _hours_for(complaint: Complaint):
    return service_rules(complaint.pack or None).hours


def _compute_due(complaint: Complaint, start: datetime, days: int) -> None:
    """Set due_at from `start`; a year without calendar data leaves due_at empty and says so (never a guess)."""
    try:
        complaint.due_at = working_deadline(start=start, amount=days, counting=complaint.counting,
                                            hours=_hours_for(complaint))
        complaint.deadline_error = ""
    except CalendarYearMissing as exc:
        complaint.due_at = None
        complaint.deadline_error = str(exc)[:300]
        logger.warning("complaint %s: %s", complaint.code, exc)


def _require_open(complaint: Complaint) -> None:
    if complaint.status not in OPEN_STATUSES:
        raise ServiceError(f"投诉已处于“{complaint.get_status_display()}”状态，不能执行此操作。", code="state")


@transaction.atomic
def complaint_register(
    *, actor: User, customer_id: int | None, complaint_type: str, description: str,
    severity: str = ComplaintSeverity.GENERAL, channel: str = ComplaintChannel.PHONE,
    received_at: datetime | None = None, contact_name: str = "", contact_phone: str = "",
    department_id: int | None = None, attachments=(), pack: str | None = None,
) -> Complaint:
    """登记投诉. The deadline counts from the moment it was received (Asia/Shanghai)."""
    require_perm(actor, "service.add_complaint", "您没有登记客户投诉的权限。")
    rules = service_rules(pack)
    errors: dict[str, list[str]] = {}
    if not customer_id:
        errors["customer"] = ["请选择投诉的客户。"]
    if not complaint_type:
        errors["complaint_type"] = ["请选择投诉类型。"]
    elif rules.type_name(complaint_type) is None:
        errors["complaint_type"] = [f"未知的投诉类型：{complaint_type}（政策包 {rules.pack} 中没有）。"]
    if not (description or "").strip():
        errors["description"] = ["请填写投诉内容。"]
    if severity not in ComplaintSeverity.values:
        errors["severity"] = ["请选择投诉性质。"]
    if channel not in ComplaintChannel.values:
        errors["channel"] = ["请选择受理渠道。"]
    try:
        received = moment(received_at, "received_at", label="受理时间")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        received = None
    if errors:
        raise ValidationError(errors)
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    department = OrgUnit.objects.filter(pk=department_id).first() if department_id else None
    spec = rules.deadlines[severity]
    complaint = Complaint(
        code=_next_code(received), customer=customer, channel=channel, complaint_type=complaint_type,
        type_name=rules.type_name(complaint_type), severity=severity, description=description.strip(),
        contact_name=contact_name.strip(), contact_phone=contact_phone.strip(), received_at=received,
        received_by=actor, department=department, pack=rules.pack, deadline_code=spec.code,
        deadline_days=spec.days, counting=spec.counting, deadline_article=spec.article,
    )
    _compute_due(complaint, received, spec.days)
    # The day's next number is read, then inserted: two registrations at once may draw the same one. The
    # unique code refuses the second, which takes the next number (seen under load: 500s without this).
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            if attempt == _CODE_ATTEMPTS - 1 or Complaint.objects.filter(code=complaint.code).first() is None:
                raise
            complaint.pk = None
            complaint.code = _next_code(received)
    for upload in attachments or ():
        _attach(complaint, actor, upload)
    _log(complaint, actor, "registered",
         f"受理{complaint.get_channel_display()}投诉（{complaint.type_name}，{complaint.get_severity_display()}）",
         f"处理时限 {spec.days} 个工作日（{spec.article}）" + (
             f"，期限 {timezone.localtime(complaint.due_at):%Y-%m-%d %H:%M}" if complaint.due_at else
             f"；{complaint.deadline_error}"))
    if rules.same_day_report:
        _report_same_day(complaint, actor, rules, department)
    return complaint


def same_day_recipients(department: OrgUnit | None) -> list[User]:
    """Who hears of a complaint the day it is logged (001 第十九条一): 市场营销部负责人 (role marketing_head),
    质检部负责人 (the head of each unit where QC staff sit; the QC staff themselves when no head is set) and the
    responsible department's head (its head; its department managers when no head is set). Three queries."""
    marketing = list(User.objects.filter(is_active=True, roles__code="marketing_head").distinct())
    qc_staff = list(User.objects.filter(is_active=True, roles__code="qc").select_related("unit__head").distinct())
    qc_heads = [u.unit.head for u in qc_staff if u.unit_id and u.unit.head_id]
    recipients = marketing + (qc_heads or qc_staff)
    if department is not None:
        if department.head_id:
            recipients.append(department.head)
        else:
            recipients += list(User.objects.filter(is_active=True, roles__code="dept_manager", unit=department)
                               .distinct())
    seen: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _report_same_day(complaint: Complaint, actor, rules, department: OrgUnit | None) -> None:
    """001 第十九条一: 当日上报市场营销部负责人、质检部负责人和相关责任部门. The notifications go out once the
    complaint is committed (transaction.on_commit), never for a registration that rolled back."""
    recipients = same_day_recipients(department)
    complaint.reported_at = now()
    names = "、".join(str(u) for u in recipients)
    complaint.reported_to = (rules.report_to + (f"、{department.name}" if department else "")
                             + (f"（{names}）" if names else "（未找到接收人，请维护角色与部门负责人）"))[:200]
    complaint.save(update_fields=["reported_at", "reported_to"])
    _log(complaint, actor, "reported", f"当日上报：{complaint.reported_to}", "001 第十九条一")
    if not recipients:
        logger.warning("complaint %s: nobody to report to the same day (001 第十九条一)", complaint.code)
        return
    from django.urls import reverse

    from kehu.workflow.services import notify

    received = timezone.localtime(complaint.received_at)
    title = f"投诉当日上报：{complaint.code} {complaint.customer.name}（{complaint.type_name}）"
    body = (f"{received:%Y-%m-%d %H:%M} 受理，{complaint.get_severity_display()}。{complaint.description[:200]}"
            + (f"\n处理期限：{timezone.localtime(complaint.due_at):%Y-%m-%d %H:%M}（{complaint.deadline_article}）"
               if complaint.due_at else ""))
    url = reverse("service:complaint_detail", args=[complaint.pk])
    transaction.on_commit(lambda: notify(recipients, kind="complaint_reported", title=title, body=body, url=url))


def _attach(complaint: Complaint, actor, upload) -> ComplaintAttachment:
    try:
        validate_document_file(upload, max_bytes=settings.KEHU_MAX_ATTACHMENT_BYTES)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    return ComplaintAttachment.objects.create(complaint=complaint, title=getattr(upload, "name", "附件")[:100],
                                              file=upload, size=upload.size, uploaded_by=actor)


@transaction.atomic
def complaint_attachment_add(*, actor: User, complaint_id: int, file) -> ComplaintAttachment:
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    if file is None:
        raise ValidationError({"file": "请选择要上传的文件。"})
    att = _attach(complaint, actor, file)
    _log(complaint, actor, "attachment", f"上传附件：{att.title}", to_archive=False)
    return att


@transaction.atomic
def complaint_assign(*, actor: User, complaint_id: int, department_id: int | None,
                     assignee_id: int | None = None, note: str = "") -> Complaint:
    """交质检部或相关责任部门处理 (001 第十九条二)."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    _require_open(complaint)
    if not department_id and not assignee_id:
        raise ValidationError({"department": "请选择责任部门或处理人。"})
    complaint.department = OrgUnit.objects.filter(pk=department_id).first() if department_id else None
    complaint.assignee = User.objects.filter(pk=assignee_id, is_active=True).first() if assignee_id else None
    if assignee_id and complaint.assignee is None:
        raise ValidationError({"assignee": "处理人不存在或已停用。"})
    if complaint.status == ComplaintStatus.REGISTERED:
        complaint.status = ComplaintStatus.INVESTIGATING
    complaint.save()
    who = "、".join(str(x) for x in (complaint.department, complaint.assignee) if x)
    _log(complaint, actor, "assigned", f"交办：{who}", note)
    return complaint


@transaction.atomic
def complaint_pause(*, actor: User, complaint_id: int, reason: str, at: datetime | None = None) -> Complaint:
    """Stop the clock while the complaint waits on the customer (samples, documents, access to the site)."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    _require_open(complaint)
    if complaint.is_paused:
        raise ServiceError("投诉已在暂停计时中。", code="state")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明等待客户的事项。"})
    started = moment(at, "at", label="暂停时间")
    ComplaintPause.objects.create(complaint=complaint, started_at=started, reason=reason.strip(), started_by=actor)
    complaint.paused_since = started
    complaint.status = ComplaintStatus.WAITING
    complaint.save(update_fields=["paused_since", "status", "updated_at"])
    _log(complaint, actor, "paused", f"暂停计时：等待客户（{reason.strip()}）")
    return complaint


@transaction.atomic
def complaint_resume(*, actor: User, complaint_id: int, at: datetime | None = None) -> Complaint:
    """Restart the clock; the deadline moves out by the working time the complaint spent waiting."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    if not complaint.is_paused:
        raise ServiceError("投诉没有处于暂停计时状态。", code="state")
    ended = moment(at, "at", label="恢复时间")
    if ended < complaint.paused_since:
        raise ValidationError({"at": "恢复时间不能早于暂停开始时间。"})
    pause = complaint.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    hours = _hours_for(complaint)
    try:
        paused = working_time_between(start=complaint.paused_since, end=ended, counting=complaint.counting,
                                      hours=hours)
        if complaint.due_at:
            complaint.due_at = add_working_time(start=complaint.due_at, delta=paused, counting=complaint.counting,
                                                hours=hours)
    except CalendarYearMissing as exc:
        paused = timedelta(0)
        complaint.deadline_error = str(exc)[:300]
    if pause:
        pause.ended_at = ended
        pause.working_seconds = int(paused.total_seconds())
        pause.save(update_fields=["ended_at", "working_seconds"])
    complaint.paused_since = None
    complaint.status = ComplaintStatus.INVESTIGATING
    complaint.save()
    hours_text = f"{paused.total_seconds() / 3600:.1f}"
    _log(complaint, actor, "resumed", f"恢复计时（暂停的工作时间 {hours_text} 小时，期限顺延）")
    return complaint


@transaction.atomic
def complaint_investigate(*, actor: User, complaint_id: int, onsite_check: str,
                          onsite_at: datetime | None = None, responsibility: str = Responsibility.UNKNOWN) -> Complaint:
    """现场核实 (001 第十九条二、三) and responsibility."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    _require_open(complaint)
    if not (onsite_check or "").strip():
        raise ValidationError({"onsite_check": "请填写核实情况。"})
    if responsibility not in Responsibility.values:
        raise ValidationError({"responsibility": "请选择责任认定。"})
    complaint.onsite_check = onsite_check.strip()
    complaint.onsite_at = moment(onsite_at, "onsite_at", label="核实时间")
    complaint.responsibility = responsibility
    if complaint.status == ComplaintStatus.REGISTERED:
        complaint.status = ComplaintStatus.INVESTIGATING
    complaint.save()
    _log(complaint, actor, "investigated", f"核实情况（{complaint.get_responsibility_display()}）",
         complaint.onsite_check)
    return complaint


@transaction.atomic
def complaint_resolve(*, actor: User, complaint_id: int, responsibility: str, solution: str,
                      written_reply: str = "", at: datetime | None = None) -> Complaint:
    """处理意见告知客户: the complaint waits for the follow-up call."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    _require_open(complaint)
    errors = {}
    if responsibility not in (Responsibility.OURS, Responsibility.NOT_OURS):
        errors["responsibility"] = ["请认定责任：属我方原因或非我方原因。"]
    if not (solution or "").strip():
        errors["solution"] = ["请填写处理意见或解决方案。"]
    if complaint.is_paused:
        errors["__all__"] = ["投诉处于暂停计时状态，请先恢复计时。"]
    if errors:
        raise ValidationError(errors)
    done = moment(at, "at", label="处理完成时间")
    complaint.responsibility = responsibility
    complaint.solution = solution.strip()
    complaint.written_reply = (written_reply or "").strip()
    complaint.resolved_at = done
    complaint.resolved_on_time = bool(complaint.due_at and done <= complaint.due_at) if complaint.due_at else None
    complaint.status = ComplaintStatus.RESOLVED
    complaint.save()
    late = "" if complaint.resolved_on_time or complaint.resolved_on_time is None else "（超期）"
    _log(complaint, actor, "resolved", f"处理完毕{late}，待电话回访（{complaint.get_responsibility_display()}）",
         complaint.solution)
    return complaint


@transaction.atomic
def complaint_escalate(*, actor: User, complaint_id: int, reason: str) -> Complaint:
    """情节严重的投诉报请总经理召开专题会议 (000 第十二条(二); 001 第十九条四)."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    if complaint.status == ComplaintStatus.CLOSED:
        raise ServiceError("投诉已关闭。", code="state")
    if complaint.escalated:
        raise ServiceError("该投诉已上报总经理专题会议。", code="state")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写上报理由。"})
    complaint.escalated = True
    complaint.escalation_reason = reason.strip()
    if complaint.severity == ComplaintSeverity.GENERAL:
        complaint.severity = ComplaintSeverity.SERIOUS
    complaint.save()
    _log(complaint, actor, "escalated", "报请总经理召开专题会议", reason.strip())
    return complaint


@transaction.atomic
def complaint_meeting_record(*, actor: User, complaint_id: int, held_at: datetime, chaired_by: str,
                             attendees: str, minutes: str, decisions: str = "") -> ComplaintMeeting:
    require_perm(actor, "service.record_complaint_meeting", "只有总经理办公室/市场营销部可以记录专题会议。")
    complaint = _get(actor, complaint_id)
    if not complaint.escalated:
        raise ServiceError("该投诉尚未上报总经理专题会议。", code="state")
    errors = {}
    for field, value, label in (("chaired_by", chaired_by, "主持人"), ("attendees", attendees, "参会人员"),
                                ("minutes", minutes, "会议纪要")):
        if not (value or "").strip():
            errors[field] = [f"请填写{label}。"]
    if errors:
        raise ValidationError(errors)
    meeting = ComplaintMeeting.objects.create(
        complaint=complaint, held_at=moment(held_at, "held_at", label="会议时间"), chaired_by=chaired_by.strip(),
        attendees=attendees.strip(), minutes=minutes.strip(), decisions=(decisions or "").strip(), recorded_by=actor,
    )
    _log(complaint, actor, "meeting", f"总经理专题会议（{chaired_by.strip()}主持）", minutes.strip())
    return meeting


EXTENSION_KIND = "complaint_extension"


def _extension_chain_pack(complaint: Complaint) -> str | None:
    """Which pack's `complaint_extension` chain to use: the complaint's own pack when it defines one, otherwise
    kehu.workflow's usual look-up (the default pack, then the other applied packs, then its built-in chains)."""
    from kehu.workflow.chains import chain_for

    try:
        chain_for(EXTENSION_KIND, pack_name=complaint.pack or None)
    except LookupError:
        pass
    else:
        return complaint.pack or None
    try:
        chain_for(EXTENSION_KIND)
    except LookupError as exc:
        raise ServiceError("政策包中没有“投诉处理延期”审批链（complaint_extension），无法提交延期申请，"
                           "请联系系统管理员。", code="no_chain") from exc
    return None


def extension_targets(complaint: Complaint):
    """Whose step it is: the requester's direct manager by name, and the department managers of the manager's
    unit (or the requester's parent unit) and its sub-units — 各级主管领导 (000 第十二条(三))."""
    from kehu.workflow.services import StepTarget

    requester = complaint.extension_requested_by
    if requester is None:
        return {}
    manager = requester.manager if requester.manager_id and requester.manager.is_active else None
    unit = None
    if manager is not None and manager.unit_id:
        unit = manager.unit
    elif requester.unit_id:
        unit = requester.unit.parent or requester.unit
    return {1: StepTarget(unit=unit, assignee=manager)}


@transaction.atomic
def complaint_extension_request(*, actor: User, complaint_id: int, days: int, reason: str) -> Complaint:
    """特殊情况经各级主管领导批准后最多不超过七个工作日 (000 第十二条(三)): the request goes through kehu.workflow's
    approval chain `complaint_extension`; the deadline moves only when it is approved."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    _require_open(complaint)
    spec = service_rules(complaint.pack or None).deadlines[complaint.severity]
    if spec.max_days is None:
        raise ServiceError(f"“{spec.name}”的时限不允许延期（{spec.article}）。", code="no_extension")
    if complaint.extension_status == "pending":
        raise ServiceError("已有延期申请在审批中，请等待审批结果。", code="state")
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["请说明特殊情况。"]
    if not isinstance(days, int) or isinstance(days, bool) or days <= complaint.deadline_days or days > spec.max_days:
        errors["days"] = [f"延长后的处理时限应大于 {complaint.deadline_days} 且不超过 {spec.max_days} 个工作日"
                          f"（{spec.article}）。"]
    if errors:
        raise ValidationError(errors)
    pack_name = _extension_chain_pack(complaint)
    complaint.extension_days = days
    complaint.extension_status = "pending"
    complaint.extension_reason = reason.strip()[:300]
    complaint.extension_requested_by = actor
    complaint.save(update_fields=["extension_days", "extension_status", "extension_reason",
                                  "extension_requested_by", "updated_at"])
    _log(complaint, actor, "extension_requested", f"申请延长处理时限至 {days} 个工作日，提交主管领导审批",
         reason.strip())
    from kehu.workflow.services import approval_submit

    approval_submit(actor=actor, subject=complaint, kind=EXTENSION_KIND, customer=complaint.customer,
                    title=f"投诉延期至 {days} 个工作日：{complaint.code} · {complaint.customer.name}",
                    pack_name=pack_name)
    complaint.refresh_from_db()
    return complaint


def _extend_due(complaint: Complaint) -> None:
    """Push the deadline out by the approved extra working days, keeping the pauses and a reopening already
    counted. Never more than the pack's maximum counted from receipt (validated again here)."""
    spec = service_rules(complaint.pack or None).deadlines[complaint.severity]
    days = min(complaint.extension_days or 0, spec.max_days or 0)
    extra = days - complaint.deadline_days
    if extra <= 0:
        return
    complaint.deadline_days = days
    if complaint.due_at is None:
        paused = timedelta(seconds=sum(p.working_seconds for p in complaint.pauses.all()))
        _compute_due(complaint, complaint.received_at, days)
        if complaint.due_at and paused:
            complaint.due_at = add_working_time(start=complaint.due_at, delta=paused, counting=complaint.counting,
                                                hours=_hours_for(complaint))
        return
    try:
        complaint.due_at = working_deadline(start=complaint.due_at, amount=extra, counting=complaint.counting,
                                            hours=_hours_for(complaint))
    except CalendarYearMissing as exc:
        complaint.due_at = None
        complaint.deadline_error = str(exc)[:300]


def on_extension_approval_event(approval, event: str, actor) -> None:
    """kehu.workflow calls this inside its transaction: approved → the deadline extends; rejected → it stays;
    returned or withdrawn → no request pending any more; resubmitted → pending again."""
    complaint = (Complaint.objects.select_for_update(of=("self",)).filter(pk=approval.object_id)
                 .select_related("customer").first())
    if complaint is None:
        return
    if event == "submitted":
        if complaint.extension_status != "pending":
            complaint.extension_status = "pending"
            complaint.save(update_fields=["extension_status", "updated_at"])
        return
    if complaint.extension_status != "pending":
        return
    comment = (approval.steps.filter(round=approval.round, decided_at__isnull=False).order_by("-decided_at")
               .values_list("comment", flat=True).first() or "")
    if event == "approved":
        if complaint.is_open:
            _extend_due(complaint)
            complaint.extension_status = "approved"
            complaint.save()
            _log(complaint, actor, "extension_decided",
                 f"主管领导批准延期：处理时限 {complaint.deadline_days} 个工作日" + (
                     f"，期限 {timezone.localtime(complaint.due_at):%Y-%m-%d %H:%M}" if complaint.due_at else ""),
                 comment)
        else:
            complaint.extension_status = "approved"
            complaint.save(update_fields=["extension_status", "updated_at"])
            _log(complaint, actor, "extension_decided", "主管领导批准延期（投诉已处理完毕，期限不再变化）", comment)
    elif event == "rejected":
        complaint.extension_status = "rejected"
        complaint.save(update_fields=["extension_status", "updated_at"])
        _log(complaint, actor, "extension_decided",
             f"主管领导驳回延期申请，处理时限仍为 {complaint.deadline_days} 个工作日", comment)
    elif event in ("returned", "withdrawn"):
        complaint.extension_status = ""
        complaint.save(update_fields=["extension_status", "updated_at"])
        label = "退回修改" if event == "returned" else "申请人撤回"
        _log(complaint, actor, "extension_decided", f"延期申请{label}", comment, to_archive=False)


def extension_approval(complaint: Complaint):
    """The complaint's latest extension approval (any status), or None."""
    from kehu.workflow.selectors import approvals_for_subject

    return approvals_for_subject(complaint).filter(kind=EXTENSION_KIND).order_by("-id").first()


@transaction.atomic
def complaint_extension_decide(*, actor: User, complaint_id: int, approve: bool, comment: str = "") -> Complaint:
    """Decide the pending step of the complaint's extension approval — the same kehu.workflow decision as in the
    approval inbox (who may decide is the chain's business: the step's role, unit and delegations)."""
    from kehu.workflow.models import ApprovalStatus, StepStatus
    from kehu.workflow.services import approval_step_decide

    complaint = _get(actor, complaint_id, for_update=False)
    approval = extension_approval(complaint)
    if complaint.extension_status != "pending" or approval is None or approval.status != ApprovalStatus.PENDING:
        raise ServiceError("没有待审批的延期申请。", code="state")
    step = approval.steps.filter(round=approval.round, status=StepStatus.PENDING).order_by("order").first()
    if step is None:
        raise ServiceError("没有待审批的延期申请。", code="state")
    approval_step_decide(actor=actor, step=step, decision="approve" if approve else "reject", comment=comment)
    complaint.refresh_from_db()
    return complaint


@transaction.atomic
def complaint_follow_up(*, actor: User, complaint_id: int, satisfaction: str, comments: str = "",
                        contact_name: str = "", called_at: datetime | None = None) -> ComplaintFollowUp:
    """《客户投诉回访记录》(001 附件3): a satisfied customer closes the complaint, an unsatisfied one reopens it
    (001 第十九条四: 如不满意，则根据实际情况再次进行客户投诉处理)."""
    require_perm(actor, "service.change_complaint", "您没有处理客户投诉的权限。")
    complaint = _get(actor, complaint_id)
    if complaint.status != ComplaintStatus.RESOLVED:
        raise ServiceError("投诉处理完毕后才能进行回访。", code="state")
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": "请选择客户的满意程度。"})
    at = moment(called_at, "called_at", label="回访时间")
    if complaint.resolved_at and at < complaint.resolved_at:
        raise ValidationError({"called_at": "回访时间不能早于处理完成时间。"})
    follow_up = ComplaintFollowUp.objects.create(
        complaint=complaint, called_at=at, caller=actor, contact_name=(contact_name or "").strip(),
        satisfaction=satisfaction, comments=(comments or "").strip(),
    )
    label = follow_up.get_satisfaction_display()
    if satisfaction == Satisfaction.UNSATISFIED:
        complaint.status = ComplaintStatus.INVESTIGATING
        complaint.reopen_count += 1
        complaint.resolved_at = None
        complaint.resolved_on_time = None
        _compute_due(complaint, at, complaint.deadline_days)
        complaint.save()
        _log(complaint, actor, "reopened", f"电话回访：客户{label}，重新处理（第 {complaint.reopen_count} 次）",
             follow_up.comments)
    else:
        complaint.status = ComplaintStatus.CLOSED
        complaint.closed_at = at
        complaint.save()
        _log(complaint, actor, "closed", f"电话回访：客户{label}，投诉关闭", follow_up.comments)
    return follow_up
