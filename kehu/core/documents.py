"""Regulation forms (报表 / 台账 / 审批表) as XLSX and PDF from one description.

The seeds' forms (002 附录3–7, 000 第十六条's reviews, 003's 台账 and annexes) share a layout: a title, the filling unit
and period, the units of the figures, one to three header rows with merged cells, the body, a total row, notes, and
signature lines (填表人 / 审核人 / 负责人 …). Apps describe a form as a `FormDocument`; `form_xlsx` and `form_pdf`
print it, so every report of the system looks the same and no app writes its own renderer.

XLSX is written in constant memory (a 100,000-row detail form stays flat); PDF uses ReportLab's built-in CID font
STSong-Light, so no font file is shipped.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

PDF_FONT = "STSong-Light"
XLSX_FONT = "宋体"


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a header row; it spans `colspan` leaf columns and `rowspan` header rows."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class FormColumn:
    """A leaf column of the body. `kind` says how a value prints: text, int, decimal (with `places`), percent
    (a Decimal fraction or percentage number, printed with `places` and a % sign), date."""

    title: str
    width: float = 12
    kind: str = "text"
    places: int = 2


@dataclass(frozen=True)
class FormDocument:
    title: str
    columns: Sequence[FormColumn]
    rows: Iterable[Sequence]
    subtitle: str = ""  # e.g. "（002 附录5）"
    meta: Sequence[tuple[str, str]] = ()  # ("填报单位", "济南分公司"), ("期间", "2026年11月"), ("单位", "吨、万元")
    header_rows: Sequence[Sequence[HeaderCell]] = ()  # empty: one header row from the columns' titles
    totals: Sequence | None = None  # printed bold after the body
    notes: Sequence[str] = ()
    signatures: Sequence[str] = ("填表人", "审核人", "负责人")
    landscape: bool = False
    sheet_name: str = ""
    extra_sections: Sequence[FormDocument] = field(default_factory=tuple)  # further tables printed after this one

    def header_grid(self) -> list[list[tuple[int, int, HeaderCell]]]:
        """The header as (row, col, cell) per header row, the columns placed left to right around the row spans
        above them. A header that does not cover exactly the leaf columns is a programming error."""
        rows = self.header_rows or [[HeaderCell(c.title) for c in self.columns]]
        width = len(self.columns)
        taken: set[tuple[int, int]] = set()
        grid: list[list[tuple[int, int, HeaderCell]]] = []
        for r, cells in enumerate(rows):
            placed = []
            col = 0
            for cell in cells:
                while (r, col) in taken:
                    col += 1
                for rr in range(r, r + cell.rowspan):
                    for cc in range(col, col + cell.colspan):
                        taken.add((rr, cc))
                placed.append((r, col, cell))
                col += cell.colspan
            grid.append(placed)
        expected = {(r, c) for r in range(len(rows)) for c in range(width)}
        if taken != expected:
            raise ValueError(f"header of {self.title!r} does not cover its {width} columns exactly")
        return grid


def format_value(value, column: FormColumn) -> str:
    """The printed text of a value (PDF and on-screen share it)."""
    if value is None or value == "":
        return ""
    if column.kind in {"decimal", "percent"} and isinstance(value, int | float | Decimal):
        quantum = Decimal(1).scaleb(-column.places)
        text = f"{Decimal(value).quantize(quantum):,}"
        return f"{text}%" if column.kind == "percent" else text
    if column.kind == "int" and isinstance(value, int | Decimal):
        return f"{int(value):,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- XLSX -----------------------------------------------------------------------------------------------------

def form_xlsx(document: FormDocument) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    # User text is never a formula or a link.
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": document.title, "author": "Kehu"})
    formats = _xlsx_formats(wb)
    used_names: set[str] = set()
    for doc in (document, *document.extra_sections):
        name = _sheet_name(doc.sheet_name or doc.title, used_names)
        _xlsx_sheet(wb.add_worksheet(name), doc, formats)
    wb.close()
    return buf.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "表"
    candidate, n = clean, 2
    while candidate in used:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _xlsx_formats(wb) -> dict:
    base = {"font_name": XLSX_FONT, "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1}
    return {
        "title": wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"}),
        "sub": wb.add_format({**base, "font_size": 9, "font_color": "#666666", "align": "center"}),
        "meta": wb.add_format(base),
        "head": wb.add_format({**cell, "bold": True, "bg_color": "#F0F3F7", "align": "center", "text_wrap": True}),
        "text": wb.add_format({**cell, "text_wrap": True}),
        "int": wb.add_format({**cell, "num_format": "#,##0"}),
        "date": wb.add_format({**cell, "num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({**cell, "num_format": "yyyy-mm-dd hh:mm"}),
        "total": wb.add_format({**cell, "bold": True}),
        "note": wb.add_format({**base, "font_size": 9, "text_wrap": True}),
        "decimal": {},  # one per number of places, made on demand
        "wb": wb,
        "cell": cell,
    }


def _number_format(formats: dict, places: int, percent: bool, bold: bool = False):
    key = (places, percent, bold)
    if key not in formats["decimal"]:
        pattern = "#,##0" + ("." + "0" * places if places else "") + ('"%"' if percent else "")
        formats["decimal"][key] = formats["wb"].add_format({**formats["cell"], "num_format": pattern, "bold": bold})
    return formats["decimal"][key]


def _xlsx_write_value(ws, row: int, col: int, value, column: FormColumn, formats: dict, bold: bool = False) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, formats["total"] if bold else formats["text"])
    elif column.kind in {"decimal", "percent"} and isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), _number_format(formats, column.places, column.kind == "percent",
                                                                bold))
    elif column.kind == "int" and isinstance(value, int | Decimal):
        ws.write_number(row, col, int(value), formats["total"] if bold else formats["int"])
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), formats["date"])
    else:
        ws.write_string(row, col, str(value), formats["total"] if bold else formats["text"])


def _xlsx_span(ws, first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt) -> None:
    """A merged cell written in row order, as constant-memory mode needs (its merge_range writes the blanks of a
    row span ahead of the cells to their right, which that mode then drops). The range is recorded where
    merge_range records it; a test reads the merges back from the file."""
    ws.write_string(first_row, first_col, text, fmt)
    for col in range(first_col + 1, last_col + 1):
        ws.write_blank(first_row, col, None, fmt)
    if last_row > first_row or last_col > first_col:
        ws.merge.append([first_row, first_col, last_row, last_col])


def _xlsx_sheet(ws, doc: FormDocument, formats: dict) -> None:
    width = len(doc.columns)
    last = max(width - 1, 1)
    if doc.landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    for col, column in enumerate(doc.columns):
        ws.set_column(col, col, column.width)
    row = 0
    _xlsx_span(ws, row, 0, row, last, doc.title, formats["title"])
    ws.set_row(row, 28)
    row += 1
    if doc.subtitle:
        _xlsx_span(ws, row, 0, row, last, doc.subtitle, formats["sub"])
        row += 1
    if doc.meta:
        _xlsx_span(ws, row, 0, row, last, "    ".join(f"{k}：{v}" for k, v in doc.meta), formats["meta"])
        row += 1
    grid = doc.header_grid()
    head_top = row
    pending: dict[int, list[tuple[int, int]]] = {}  # header row → (col, last col) of spans from rows above
    for r, placed in enumerate(grid):
        here = head_top + r
        blanks = pending.pop(r, [])
        cells = sorted([(col, cell) for _r, col, cell in placed] + [(col, None) for col, _l in blanks],
                       key=lambda item: item[0])
        spans_below = {col: last_col for col, last_col in blanks}
        for col, cell in cells:
            if cell is None:  # the lower part of a row span: blanks with the header's border
                for c in range(col, spans_below[col] + 1):
                    ws.write_blank(here, c, None, formats["head"])
                continue
            last_col = col + cell.colspan - 1
            _xlsx_span(ws, here, col, here + cell.rowspan - 1, last_col, cell.text, formats["head"])
            for below in range(r + 1, r + cell.rowspan):
                pending.setdefault(below, []).append((col, last_col))
    row = head_top + len(grid)
    for values in doc.rows:
        for col, (value, column) in enumerate(zip(values, doc.columns, strict=True)):
            _xlsx_write_value(ws, row, col, value, column, formats)
        row += 1
    if doc.totals is not None:
        for col, (value, column) in enumerate(zip(doc.totals, doc.columns, strict=True)):
            _xlsx_write_value(ws, row, col, value, column, formats, bold=True)
        row += 1
    row += 1
    for note in doc.notes:
        _xlsx_span(ws, row, 0, row, last, note, formats["note"])
        row += 1
    if doc.signatures:
        row += 1
        _xlsx_span(ws, row, 0, row, last, _signature_line(doc.signatures), formats["meta"])


def _signature_line(labels: Sequence[str]) -> str:
    return "        ".join(f"{label}：____________" for label in labels)


# --- PDF ------------------------------------------------------------------------------------------------------

def pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def form_pdf(document: FormDocument) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    pagesize = landscape(A4) if document.landscape else A4
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=14 * mm, title=document.title, author="Kehu")
    story: list = []
    for n, section in enumerate((document, *document.extra_sections)):
        if n:
            story.append(PageBreak())
        story.extend(_pdf_section(section, doc.width))
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buf.getvalue()


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(pdf_font(), 8)
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, doc.bottomMargin / 2, f"第 {doc.page} 页")
    canvas.restoreState()


def _pdf_section(doc: FormDocument, available_width: float) -> list:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    font = pdf_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    sub = ParagraphStyle("sub", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, textColor=colors.grey)
    meta = ParagraphStyle("meta", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", fontName=font, fontSize=8, leading=10, alignment=TA_CENTER)

    def para(text: str, style) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list = [para(doc.title, title)]
    if doc.subtitle:
        story.append(para(doc.subtitle, sub))
    if doc.meta:
        story.append(Spacer(1, 4))
        story.append(para("    ".join(f"{k}：{v}" for k, v in doc.meta), meta))
    story.append(Spacer(1, 6))

    width = len(doc.columns)
    grid = doc.header_grid()
    data: list[list] = [["" for _ in range(width)] for _ in grid]
    spans = []
    for placed in grid:
        for r, col, c in placed:
            data[r][col] = para(c.text, head)
            if c.colspan > 1 or c.rowspan > 1:
                spans.append(("SPAN", (col, r), (col + c.colspan - 1, r + c.rowspan - 1)))
    aligned = [number if c.kind in {"int", "decimal", "percent"} else cell for c in doc.columns]
    for values in doc.rows:
        data.append([para(format_value(v, c), s) for v, c, s in zip(values, doc.columns, aligned, strict=True)])
    body_end = len(data) - 1
    if doc.totals is not None:
        data.append([para(format_value(v, c), s) for v, c, s in zip(doc.totals, doc.columns, aligned, strict=True)])
    total_width = sum(c.width for c in doc.columns) or 1
    col_widths = [available_width * c.width / total_width for c in doc.columns]
    table = Table(data, colWidths=col_widths, repeatRows=len(grid))
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, len(grid) - 1), colors.HexColor("#F0F3F7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *spans,
    ]
    if doc.totals is not None:
        style.append(("BACKGROUND", (0, body_end + 1), (-1, body_end + 1), colors.HexColor("#FAFAFA")))
    table.setStyle(TableStyle(style))
    story.append(table)
    for note in doc.notes:
        story.append(Spacer(1, 3))
        story.append(para(note, meta))
    if doc.signatures:
        story.append(Spacer(1, 16))
        story.append(para(_signature_line(doc.signatures), meta))
    return story
