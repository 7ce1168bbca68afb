"""The content of the 客户开户审批表 (000 附件1), built once from the application and its approval record and
rendered by both the PDF (pdf.py) and the XLSX (xlsx.py), so the two always show the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from kehu.customers.models import InvoicingProfile
from kehu.workflow.models import AdmissionApplication, StepStatus
from kehu.workflow.selectors import admission_material_checks, approval_steps

TITLE = "客户开户审批表"
EMPTY = "—"
MATERIAL_HEADER = ("资质材料（第七条）", "是否齐备", "说明")
SIGN_HEADER = ("审批环节", "审批人（签字）", "意见", "批注", "时间")


def _text(value) -> str:
    return EMPTY if value in (None, "") else str(value)


@dataclass(frozen=True)
class SignRow:
    step: str
    signer: str
    decision: str
    comment: str
    time: str


@dataclass(frozen=True)
class AdmissionFormContent:
    title: str
    subtitle: str
    # (label, value, label, value); a row whose second label is "" spans its value over the right half.
    info: tuple[tuple[str, str, str, str], ...]
    materials: tuple[tuple[str, str, str], ...]
    signatures: tuple[SignRow, ...]
    footer: str


def admission_form_content(application: AdmissionApplication) -> AdmissionFormContent:
    customer = application.customer
    invoicing = InvoicingProfile.objects.filter(customer=customer).first()
    qty = (f"{application.expected_monthly_quantity.normalize():f} {application.quantity_unit}"
           if application.expected_monthly_quantity is not None else "")

    def inv(field: str) -> str:
        return _text(getattr(invoicing, field) if invoicing else "")

    info = (
        ("客户全称", _text(customer.name), "客户编码", _text(customer.code)),
        ("统一社会信用代码", _text(customer.uscc), "客户类别", _text(application.get_customer_type_display())),
        ("客户经理", _text(customer.owner), "拟购产品", _text(application.expected_products)),
        ("预计月需求量", _text(qty), "申请日期", _text(timezone.localtime(application.created_at).date())),
        ("经营范围与规模", _text(application.business_scope), "", ""),
        ("开户行", inv("bank_name"), "账号", inv("bank_account")),
        ("通讯地址", inv("address"), "电话", inv("phone")),
        ("纳税人识别号", inv("tax_number"), "", ""),
    )
    materials = tuple((c.label, "齐备" if c.ok else "缺失", _text(c.detail))
                      for c in admission_material_checks(application))
    approval = application.approval
    steps = [st for st in approval_steps(approval) if st.round == approval.round] if approval else []
    signatures = []
    for st in steps:
        who = ""
        if st.decided_by:
            who = str(st.decided_by) + (f"（代 {st.decided_for}）" if st.decided_for else "")
        decision = st.get_decision_display() if st.decision else ("待审批" if st.status == StepStatus.PENDING
                                                                  else st.get_status_display())
        when = timezone.localtime(st.decided_at).strftime("%Y-%m-%d %H:%M") if st.decided_at else ""
        signatures.append(SignRow(_text(st.action or st.role_name), _text(who), decision, _text(st.comment), when))
    status = approval.get_status_display() if approval else "草稿"
    subtitle = (f"依据：{approval.article if approval else '000 第七条'} · 审批状态：{status}"
                + (f" · 第{approval.round}次提交" if approval and approval.round > 1 else ""))
    footer = (f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M} · 政策包 {approval.pack_name if approval else ''} "
              f"{approval.pack_version[:12] if approval else ''}")
    return AdmissionFormContent(TITLE, subtitle, info, materials, tuple(signatures), footer)
