"""Regulation forms print with their title, merged header, figures as numbers, totals and signature lines."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from kehu.core.documents import FormColumn, FormDocument, HeaderCell, form_pdf, form_xlsx, format_value


def _churn_form(rows=None) -> FormDocument:
    columns = [FormColumn("序号", 6, "int"), FormColumn("客户名称", 24), FormColumn("本月", 10, "decimal", 3),
               FormColumn("去年同月", 10, "decimal", 3), FormColumn("降幅", 8, "percent", 1),
               FormColumn("最后提货", 12, "date")]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户名称", rowspan=2), HeaderCell("汽油销量（吨）", colspan=3),
         HeaderCell("最后提货", rowspan=2)],
        [HeaderCell("本月"), HeaderCell("去年同月"), HeaderCell("降幅")],
    ]
    body = rows if rows is not None else [
        [1, "济南甲石化有限公司", Decimal("12.500"), Decimal("20.000"), Decimal("37.5"), date(2026, 11, 3)],
        [2, "=SUM(A1)", Decimal("0"), Decimal("5.000"), Decimal("100"), None],
    ]
    return FormDocument(
        title="机构客户流失统计表", subtitle="（002 附录3）", columns=columns, header_rows=header, rows=body,
        meta=[("填报单位", "济南分公司"), ("期间", "2026年11月"), ("单位", "吨")],
        totals=["合计", "", Decimal("12.500"), Decimal("25.000"), None, None],
        notes=["流失：连续 90 天无提货，或较去年同月下降 30% 以上。"], signatures=("填表人", "审核人", "负责人"),
    )


def test_xlsx_has_the_title_merged_header_numbers_totals_and_signature_line():
    book = openpyxl.load_workbook(BytesIO(form_xlsx(_churn_form())))
    sheet = book.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "机构客户流失统计表"
    assert values[1][0] == "（002 附录3）"
    assert "填报单位：济南分公司" in values[2][0] and "单位：吨" in values[2][0]
    assert values[3][:6] == ["序号", "客户名称", "汽油销量（吨）", None, None, "最后提货"]
    assert values[4][2:5] == ["本月", "去年同月", "降幅"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:E4", "F4:F5", "A1:F1"} <= merged
    assert values[5][2] == 12.5 and isinstance(values[5][2], float)
    assert values[6][1] == "=SUM(A1)"  # a name is never a formula
    assert values[7][0] == "合计" and values[7][3] == 25.0
    text = " ".join(str(v) for row in values for v in row if v)
    assert "连续 90 天无提货" in text
    assert "填表人：" in text and "负责人：" in text


def test_xlsx_stays_in_row_order_for_many_rows():
    rows = [[n, f"客户{n}", Decimal(n), Decimal(1), Decimal(0), None] for n in range(1, 5001)]
    sheet = openpyxl.load_workbook(BytesIO(form_xlsx(_churn_form(rows))), read_only=True).active
    got = [r for r in sheet.iter_rows(min_row=6, max_row=5005, values_only=True)]
    assert got[0][1] == "客户1" and got[-1][1] == "客户5000"


def test_pdf_is_a_pdf_with_pages():
    pdf = form_pdf(_churn_form())
    assert pdf.startswith(b"%PDF") and b"/Type /Page" in pdf


def test_a_header_that_misses_a_column_is_refused():
    doc = FormDocument(title="t", columns=[FormColumn("a"), FormColumn("b")], rows=[],
                       header_rows=[[HeaderCell("a")]])
    with pytest.raises(ValueError, match="2 columns"):
        form_xlsx(doc)


def test_values_print_with_their_places_and_percent_sign():
    assert format_value(Decimal("1234.5"), FormColumn("t", kind="decimal", places=3)) == "1,234.500"
    assert format_value(Decimal("37.54"), FormColumn("p", kind="percent", places=1)) == "37.5%"
    assert format_value(None, FormColumn("x")) == ""
