"""The 客户开户审批表 (000 附件1) as an XLSX workbook with the same content as the PDF (admission_form.py): the
application, the materials check and every signature step of the current round with signer, decision, comment
and time."""

from __future__ import annotations

from io import BytesIO

import xlsxwriter

from kehu.workflow.admission_form import MATERIAL_HEADER, SIGN_HEADER, admission_form_content
from kehu.workflow.models import AdmissionApplication

FONT = "宋体"
SHEET = "客户开户审批表"


def admission_xlsx(application: AdmissionApplication) -> bytes:
    form = admission_form_content(application)
    buf = BytesIO()
    # User text is never a formula or a link (a comment starting with "=" stays text).
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": f"{form.title} {application.customer.name}", "author": "Kehu"})
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "text_wrap": True}
    title = wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
    sub = wb.add_format({**base, "font_size": 9, "font_color": "#666666", "align": "center"})
    label = wb.add_format({**base, "border": 1, "bg_color": "#F0F3F7"})
    value = wb.add_format({**base, "border": 1})
    head = wb.add_format({**base, "border": 1, "bold": True, "bg_color": "#F0F3F7"})
    ws = wb.add_worksheet(SHEET)
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    for col, width in enumerate((22, 24, 14, 30, 18)):
        ws.set_column(col, col, width)

    ws.merge_range(0, 0, 0, 4, form.title, title)
    ws.set_row(0, 28)
    ws.merge_range(1, 0, 1, 4, form.subtitle, sub)
    row = 3
    for lab, val, lab2, val2 in form.info:
        ws.write(row, 0, lab, label)
        if lab2:
            ws.write(row, 1, val, value)
            ws.write(row, 2, lab2, label)
            ws.merge_range(row, 3, row, 4, val2, value)
        else:
            ws.merge_range(row, 1, row, 4, val, value)
        row += 1

    row += 1
    ws.write(row, 0, MATERIAL_HEADER[0], head)
    ws.write(row, 1, MATERIAL_HEADER[1], head)
    ws.merge_range(row, 2, row, 4, MATERIAL_HEADER[2], head)
    for lab, ok, detail in form.materials:
        row += 1
        ws.write(row, 0, lab, value)
        ws.write(row, 1, ok, value)
        ws.merge_range(row, 2, row, 4, detail, value)

    row += 2
    for col, text in enumerate(SIGN_HEADER):
        ws.write(row, col, text, head)
    for r in form.signatures:
        row += 1
        ws.set_row(row, 36)
        for col, text in enumerate((r.step, r.signer, r.decision, r.comment, r.time)):
            ws.write(row, col, text, value)
    if not form.signatures:
        row += 1
        ws.merge_range(row, 0, row, 4, "（尚未提交审批）", value)

    ws.merge_range(row + 2, 0, row + 2, 4, form.footer, sub)
    wb.close()
    return buf.getvalue()
