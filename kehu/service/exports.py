"""Survey report exports: XLSX (XlsxWriter, constant memory) and PDF (reportlab, built-in STSong-Light CID font)."""

from __future__ import annotations

import io


def survey_report_xlsx(report: dict) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#F0F3F7", "border": 1})
    cell = wb.add_format({"border": 1, "text_wrap": True})
    ws = wb.add_worksheet("汇总")
    rnd = report["round"]
    ws.write_row(0, 0, ["调查", rnd.name], bold)
    ws.write_row(1, 0, ["对象", rnd.target_note])
    ws.write_row(2, 0, ["邀请", report["invited"], "回收", report["responded"], "回收率%", report["rate"] or 0])
    row = 4
    ws.set_column(0, 0, 40)
    ws.set_column(1, 12, 12)
    for item in report["rows"]:
        q = item["q"]
        ws.write(row, 0, f"{q.order}. {q.text}（{q.get_kind_display()}）", bold)
        row += 1
        if "labels" in item:
            ws.write_row(row, 0, ["选项/分值", *item["labels"]], bold)
            ws.write_row(row + 1, 0, ["人数", *item["counts"]], cell)
            if item.get("mean") is not None:
                ws.write_row(row + 2, 0, ["平均分", float(item["mean"])], cell)
                row += 1
            row += 3
        else:
            for text in item["texts"]:
                ws.write(row, 0, text, cell)
                row += 1
            row += 1
    wb.close()
    return buf.getvalue()


def survey_report_pdf(report: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=22)
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=10, leading=14)
    head = ParagraphStyle("h", fontName="STSong-Light", fontSize=11, leading=16, spaceBefore=8)
    rnd = report["round"]
    story = [Paragraph(f"客户满意度调查报告：{rnd.name}", title), Spacer(1, 6),
             Paragraph(f"调查对象：{rnd.target_note}；邀请 {report['invited']} 家，回收 {report['responded']} 份，"
                       f"回收率 {report['rate'] or 0}%", body)]
    for item in report["rows"]:
        q = item["q"]
        story.append(Paragraph(f"{q.order}. {q.text}（{q.get_kind_display()}）", head))
        if "labels" in item:
            data = [["选项/分值", *item["labels"]], ["人数", *[str(c) for c in item["counts"]]]]
            if item.get("mean") is not None:
                story.append(Paragraph(f"平均分：{item['mean']}", body))
            t = Table(data)
            t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F3F7"))]))
            story.append(t)
        else:
            for text in item["texts"][:200]:
                story.append(Paragraph(text.replace("<", "&lt;"), body))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=rnd.name).build(story)
    return buf.getvalue()
