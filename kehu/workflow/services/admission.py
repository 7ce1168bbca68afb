"""Admission (客户开户审批表, 000 第七条): 销售部 reviews the materials, 财务部 the tax and invoicing data, 总经理
approves; only then does the prospect become an active customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.workflow.models import (
    AdmissionApplication,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    CustomerType,
)
from kehu.workflow.selectors import admission_material_checks, blocked_credit_code

# 000 第十条: admission conditions per customer type, confirmed by the account manager on the form.
TYPE_CONDITIONS: dict[str, tuple[tuple[str, str], ...]] = {
    CustomerType.DIRECT: (
        ("production_enterprise", "直接使用公司产品的生产型企业，具有一定生产规模"),
        ("sound_credit", "资金诚信良好"),
    ),
    CustomerType.EXCLUSIVE_AGENT: (
        ("sound_business", "在区域内经营理念稳健、诚信，资金实力较强，市场信誉和经营能力优良"),
        ("sole_products", "只经营本公司化工产品，不销售其他品牌同类产品"),
        ("monthly_plan", "承诺每月向公司提供下月销售计划（客户信息、销售数量、提货时间）"),
    ),
    CustomerType.DISTRIBUTOR: (
        ("sound_business", "在区域内经营理念稳健、诚信，资金实力较强，市场信誉和经营能力优良"),
    ),
}
APPLICATION_FIELDS = ("customer_type", "business_scope", "expected_products", "expected_monthly_quantity",
                      "quantity_unit", "conditions", "notes")


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise ServiceError(f"未知字段：{', '.join(sorted(unknown))}")
    if "customer_type" in fields and fields["customer_type"] not in CustomerType.values:
        raise ValidationError({"customer_type": "请选择客户类别：直销客户、独家代理商或经销商。"})
    qty = fields.get("expected_monthly_quantity")
    if qty is not None and Decimal(qty) < 0:
        raise ValidationError({"expected_monthly_quantity": "预计月需求量不能为负数。"})


def _set_fields(application: AdmissionApplication, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key == "conditions":
            value = {str(k): bool(v) for k, v in dict(value or {}).items()}
        setattr(application, key, value)


def admission_apply(*, actor: User, customer: Customer, customer_type: str, submit: bool = True,
                    **fields: Any) -> AdmissionApplication:
    """Fill in the 开户审批表 for a prospect in the actor's scope and (by default) submit it."""
    require_perm(actor, "workflow.add_admissionapplication", "您没有提交客户开户申请的权限。")
    fields["customer_type"] = customer_type
    _check_fields(fields)
    with transaction.atomic():
        customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
        if customer.status != CustomerStatus.PROSPECT:
            raise ServiceError(_status_refusal(customer), field="customer")
        if AdmissionApplication.objects.filter(customer=customer, approval__status=ApprovalStatus.PENDING).exists():
            raise ServiceError("该客户已有审批中的开户申请。", field="customer")
        application = AdmissionApplication(customer=customer, created_by=actor, uscc=customer.uscc or "")
        _set_fields(application, fields)
        application.full_clean(exclude=["approval", "override_by"])
        application.save()
        if submit:
            _submit(actor, application)
    return application


def _status_refusal(customer: Customer) -> str:
    if customer.status == CustomerStatus.DISQUALIFIED:
        return "该客户已被取消客户资格（000 第十七条），不能开户。"
    if customer.status == CustomerStatus.APPLYING:
        return "该客户的开户申请正在审批中。"
    if customer.status in (CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED):
        return "该客户已是公司客户，无需再次开户。"
    return f"只有潜在客户可以申请开户（当前状态：{customer.get_status_display()}）。"


def admission_update(*, actor: User, application: AdmissionApplication, **fields: Any) -> AdmissionApplication:
    """Correct an application that is not under review (draft, rejected, returned or withdrawn)."""
    _check_fields(fields)
    with transaction.atomic():
        application = AdmissionApplication.objects.select_for_update(of=("self",)).select_related("approval").get(
            pk=application.pk
        )
        customer_get_for_actor(actor=actor, pk=application.customer_id)
        if application.created_by_id != actor.pk:
            raise ServiceError("只有申请人可以修改开户申请。")
        if application.approval and application.approval.status in (ApprovalStatus.PENDING, ApprovalStatus.APPROVED):
            raise ServiceError(f"申请{application.approval.get_status_display()}，不能修改。")
        _set_fields(application, fields)
        application.full_clean(exclude=["approval", "override_by"])
        application.save()
    return application


def _submission_errors(application: AdmissionApplication) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    missing = [f"{c.label}：{c.detail}" for c in admission_material_checks(application) if not c.ok]
    if missing:
        errors["materials"] = ["资质材料不齐全或已过期（000 第七条）：" + "；".join(missing)]
    unmet = [label for code, label in TYPE_CONDITIONS.get(application.customer_type, ())
             if not application.conditions.get(code)]
    if unmet:
        label = application.get_customer_type_display()
        errors["conditions"] = [f"{label}准入条件未确认（000 第十条）：" + "；".join(unmet)]
    blocked = blocked_credit_code(application.customer.uscc)
    if blocked and not application.override_by_id:
        errors["uscc"] = [
            f"该统一社会信用代码的持有人“{blocked.customer_name}”已于 {blocked.created_at:%Y-%m-%d} 因"
            f"“{blocked.get_ground_display()}”被取消客户资格，不能重新开户；如确需准入，须由总经理填写例外说明。"
        ]
    return errors


def _submit(actor: User, application: AdmissionApplication) -> Approval:
    from kehu.workflow.services.approvals import approval_resubmit, approval_submit

    customer = application.customer
    errors = _submission_errors(application)
    if errors:
        raise ValidationError(errors)
    application.uscc = customer.uscc or ""
    application.save(update_fields=["uscc"])
    if application.approval_id:
        return approval_resubmit(actor=actor, approval=application.approval)
    approval = approval_submit(
        actor=actor, subject=application, kind=ApprovalKind.ADMISSION, customer=customer,
        title=f"客户开户审批表：{customer.name}（{application.get_customer_type_display()}）",
    )
    application.approval = approval
    application.save(update_fields=["approval"])
    return approval


def admission_submit(*, actor: User, application: AdmissionApplication) -> AdmissionApplication:
    """Submit (or, after a rejection or return, resubmit) an application."""
    require_perm(actor, "workflow.add_admissionapplication", "您没有提交客户开户申请的权限。")
    with transaction.atomic():
        application = AdmissionApplication.objects.select_for_update(of=("self",)).select_related(
            "approval", "customer"
        ).get(pk=application.pk)
        customer = customer_get_for_actor(actor=actor, pk=application.customer_id, for_update=True)
        application.customer = customer
        if application.created_by_id != actor.pk:
            raise ServiceError("只有申请人可以提交开户申请。")
        if customer.status != CustomerStatus.PROSPECT:
            raise ServiceError(_status_refusal(customer), field="customer")
        _submit(actor, application)
    return application


def admission_blocklist_override(*, actor: User, application: AdmissionApplication, reason: str
                                 ) -> AdmissionApplication:
    """The documented exception that lets a disqualified credit code apply again (000 第十七条)."""
    require_perm(actor, "workflow.override_blocklist", "只有总经理可以批准被取消资格的信用代码重新准入。")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"override_reason": "请详细写明准予重新准入的理由（至少10个字）。"})
    with transaction.atomic():
        application = AdmissionApplication.objects.select_for_update(of=("self",)).select_related("customer").get(
            pk=application.pk
        )
        application.override_reason = reason
        application.override_by = actor
        application.save(update_fields=["override_reason", "override_by"])
        from kehu.customers.services import archive_event_record

        archive_event_record(customer=application.customer, actor=actor, kind="admission_override",
                             summary="批准被取消资格的信用代码重新申请开户", reason=reason)
    return application


def on_admission_event(approval: Approval, event: str, actor: User | None) -> None:
    """Customer status follows the application: 审批中 while under review, 正式客户 once approved."""
    from kehu.customers.services import customer_status_set

    customer = approval.customer
    if customer is None:
        return
    if event == "submitted":
        customer_status_set(actor=actor, customer=customer, status=CustomerStatus.APPLYING,
                            reason="提交客户开户审批表（000 第七条）")
    elif event == ApprovalStatus.APPROVED:
        customer_status_set(actor=actor, customer=customer, status=CustomerStatus.ACTIVE,
                            reason="客户开户审批通过：销售部、财务部审核，总经理审批（000 第七条）")
    elif event in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED, "withdrawn"):
        labels = {ApprovalStatus.REJECTED: "驳回", ApprovalStatus.RETURNED: "退回修改", "withdrawn": "撤回"}
        customer_status_set(actor=actor, customer=customer, status=CustomerStatus.PROSPECT,
                            reason=f"开户申请被{labels[event]}")


def admission_url(approval: Approval) -> str:
    return reverse("workflow:admission_detail", args=[approval.object_id])
