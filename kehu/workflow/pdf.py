"""The 客户开户审批表 (000 附件1) as a printable PDF, every signature step filled in from the approval record
(content from admission_form.py, shared with the XLSX).

ReportLab's built-in CID font STSong-Light renders Chinese without shipping a font file."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kehu.workflow.admission_form import MATERIAL_HEADER, SIGN_HEADER, admission_form_content
from kehu.workflow.models import AdmissionApplication

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
    form = admission_form_content(application)
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"{form.title} {application.customer.name}", author="Kehu")
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f7")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f3f7")),
    ])
    info = [[label, _p(value, cell), label2, _p(value2, cell) if label2 else ""]
            for label, value, label2, value2 in form.info]
    t_info = Table(info, colWidths=[30 * mm, 57 * mm, 25 * mm, 62 * mm])
    t_info.setStyle(grid)
    t_info.setStyle(TableStyle([("SPAN", (1, i), (3, i)) for i, row in enumerate(form.info) if not row[2]]))

    materials = [list(MATERIAL_HEADER)] + [[_p(label, cell), ok, _p(detail, cell)]
                                           for label, ok, detail in form.materials]
    t_mat = Table(materials, colWidths=[62 * mm, 22 * mm, 90 * mm])
    t_mat.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))

    sign_rows = [list(SIGN_HEADER)] + [
        [_p(r.step, cell), _p(r.signer, cell), r.decision, _p(r.comment, cell), r.time] for r in form.signatures
    ]
    if not form.signatures:
        sign_rows.append(["（尚未提交审批）", "", "", "", ""])
    t_sign = Table(sign_rows, colWidths=[44 * mm, 34 * mm, 18 * mm, 48 * mm, 30 * mm],
                   rowHeights=[None] + [16 * mm] * (len(sign_rows) - 1))
    t_sign.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f3f7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [
        _p(form.title, s["title"]), _p(form.subtitle, s["sub"]),
        Spacer(1, 6 * mm), t_info, Spacer(1, 5 * mm), t_mat, Spacer(1, 5 * mm), t_sign,
        Spacer(1, 4 * mm), _p(form.footer, s["sub"]),
    ]
    doc.build(story)
    return buf.getvalue()
