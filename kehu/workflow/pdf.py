"""The 客户开户审批表 (000 附件1) as a printable PDF, every signature step filled in from the approval record.

ReportLab's built-in CID font STSong-Light renders Chinese without shipping a font file."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kehu.customers.models import InvoicingProfile
from kehu.workflow.models import AdmissionApplication, StepStatus
from kehu.workflow.selectors import admission_material_checks, approval_steps

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER,
                              textColor=colors.grey),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10, leading=14),
        "head": ParagraphStyle("head", fontName=font, fontSize=10, leading=14, textColor=colors.white),
    }


def _p(text, style) -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)


def admission_pdf(application: AdmissionApplication) -> bytes:
    s = _styles()
    cell = s["cell"]
    customer = application.customer
    invoicing = InvoicingProfile.objects.filter(customer=customer).first()
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"客户开户审批表 {customer.name}", author="Kehu")
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f7")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f3f7")),
    ])
    qty = (f"{application.expected_monthly_quantity.normalize():f} {application.quantity_unit}"
           if application.expected_monthly_quantity is not None else "")
    info = [
        ["客户全称", _p(customer.name, cell), "客户编码", _p(customer.code, cell)],
        ["统一社会信用代码", _p(customer.uscc, cell), "客户类别", _p(application.get_customer_type_display(), cell)],
        ["客户经理", _p(customer.owner, cell), "拟购产品", _p(application.expected_products, cell)],
        ["预计月需求量", _p(qty, cell), "申请日期", _p(timezone.localtime(application.created_at).date(), cell)],
        ["经营范围与规模", _p(application.business_scope, cell), "", ""],
        ["开户行", _p(invoicing.bank_name if invoicing else "", cell), "账号",
         _p(invoicing.bank_account if invoicing else "", cell)],
        ["通讯地址", _p(invoicing.address if invoicing else "", cell), "电话",
         _p(invoicing.phone if invoicing else "", cell)],
        ["纳税人识别号", _p(invoicing.tax_number if invoicing else "", cell), "", ""],
    ]
    t_info = Table(info, colWidths=[30 * mm, 57 * mm, 25 * mm, 62 * mm])
    t_info.setStyle(grid)
    t_info.setStyle(TableStyle([("SPAN", (1, 4), (3, 4)), ("SPAN", (1, 7), (3, 7))]))

    materials = [["资质材料（第七条）", "是否齐备", "说明"]] + [
        [_p(c.label, cell), "齐备" if c.ok else "缺失", _p(c.detail, cell)]
        for c in admission_material_checks(application)
    ]
    t_mat = Table(materials, colWidths=[62 * mm, 22 * mm, 90 * mm])
    t_mat.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))

    sign_rows = [["审批环节", "审批人（签字）", "意见", "批注", "时间"]]
    approval = application.approval
    steps = [st for st in approval_steps(approval) if st.round == approval.round] if approval else []
    for st in steps:
        who = ""
        if st.decided_by:
            who = str(st.decided_by) + (f"（代 {st.decided_for}）" if st.decided_for else "")
        decision = st.get_decision_display() if st.decision else ("待审批" if st.status == StepStatus.PENDING
                                                                  else st.get_status_display())
        when = timezone.localtime(st.decided_at).strftime("%Y-%m-%d %H:%M") if st.decided_at else ""
        sign_rows.append([_p(st.action or st.role_name, cell), _p(who, cell), decision, _p(st.comment, cell),
                          when])
    if not steps:
        sign_rows.append(["（尚未提交审批）", "", "", "", ""])
    t_sign = Table(sign_rows, colWidths=[44 * mm, 34 * mm, 18 * mm, 48 * mm, 30 * mm],
                   rowHeights=[None] + [16 * mm] * (len(sign_rows) - 1))
    t_sign.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    status = approval.get_status_display() if approval else "草稿"
    story = [
        _p("客户开户审批表", s["title"]),
        _p(f"依据：{approval.article if approval else '000 第七条'} · 审批状态：{status}"
           + (f" · 第{approval.round}次提交" if approval and approval.round > 1 else ""), s["sub"]),
        Spacer(1, 6 * mm), t_info, Spacer(1, 5 * mm), t_mat, Spacer(1, 5 * mm), t_sign,
        Spacer(1, 4 * mm),
        _p(f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M} · 政策包 {approval.pack_name if approval else ''} "
           f"{approval.pack_version[:12] if approval else ''}", s["sub"]),
    ]
    doc.build(story)
    return buf.getvalue()
