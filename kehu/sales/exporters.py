"""Export of filtered lists to CSV (streamed) and XLSX (XlsxWriter constant_memory), memory flat at any size."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from kehu.sales.importers import COLUMN_LABEL, ERROR_REPORT_HEADER, template_rows


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable  # row -> cell value
    kind: str = "text"  # text / qty / money / date


def _unit_label(u: str) -> str:
    return {"t": "吨", "kg": "千克", "L": "升"}.get(u, u)


PICKUP_COLUMNS = (
    Column(COLUMN_LABEL["customer_code"], lambda p: p.customer.code),
    Column(COLUMN_LABEL["customer_name"], lambda p: p.customer.name),
    Column(COLUMN_LABEL["product_code"], lambda p: p.product.code),
    Column(COLUMN_LABEL["product_name"], lambda p: p.product.name),
    Column("产品组", lambda p: p.product_group.name),
    Column(COLUMN_LABEL["quantity"], lambda p: p.quantity, "qty"),
    Column(COLUMN_LABEL["unit"], lambda p: _unit_label(p.unit)),
    Column("折算数量", lambda p: p.base_quantity, "qty"),
    Column(COLUMN_LABEL["amount"], lambda p: p.amount, "money"),
    Column(COLUMN_LABEL["picked_on"], lambda p: p.picked_on, "date"),
    Column(COLUMN_LABEL["warehouse_code"], lambda p: p.warehouse.code if p.warehouse_id else ""),
    Column(COLUMN_LABEL["source_ref"], lambda p: p.source_ref),
    Column("来源系统", lambda p: p.source),
)

PAYMENT_COLUMNS = (
    Column("客户编码", lambda p: p.customer.code),
    Column("客户名称", lambda p: p.customer.name),
    Column("收款金额", lambda p: p.amount, "money"),
    Column("收款日期", lambda p: p.paid_on, "date"),
    Column("核销发票", lambda p: p.receivable.invoice_no if p.receivable_id else "预收款"),
    Column("收款方式", lambda p: p.method),
    Column("银行流水号", lambda p: p.reference),
)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def csv_stream(qs: QuerySet | Iterable, columns: Iterable[Column], *, chunk_size: int = 2000) -> Iterator[str]:
    """Lines of a UTF-8 (with BOM, so Excel opens it correctly) CSV, streamed from a server-side cursor
    (or from any iterable of rows)."""
    columns = tuple(columns)

    class _Echo:
        def write(self, value):
            return value

    w = csv.writer(_Echo())
    yield "\ufeff" + w.writerow([c.label for c in columns])
    rows = qs.iterator(chunk_size=chunk_size) if isinstance(qs, QuerySet) else qs
    for obj in rows:
        yield w.writerow([_text(c.value(obj)) for c in columns])


def xlsx_file(qs: QuerySet | Iterable, columns: Iterable[Column], *, sheet: str = "数据",
              chunk_size: int = 2000) -> tempfile.SpooledTemporaryFile:
    """An XLSX written row by row in constant memory; returns an open temporary file positioned at 0."""
    import xlsxwriter

    columns = tuple(columns)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "tmpdir": tempfile.gettempdir()})
    ws = wb.add_worksheet(sheet)
    head = wb.add_format({"bold": True, "bg_color": "#E9EEF6", "border": 1})
    fmt = {"qty": wb.add_format({"num_format": "#,##0.000"}), "money": wb.add_format({"num_format": "#,##0.00"}),
           "date": wb.add_format({"num_format": "yyyy-mm-dd"})}
    for i, c in enumerate(columns):
        ws.write_string(0, i, c.label, head)
        ws.set_column(i, i, 14 if c.kind != "text" else 18)
    rows = qs.iterator(chunk_size=chunk_size) if isinstance(qs, QuerySet) else qs
    r = 0
    for r, obj in enumerate(rows, start=1):
        for i, c in enumerate(columns):
            v = c.value(obj)
            if v is None or v == "":
                continue
            if c.kind in ("qty", "money"):
                ws.write_number(r, i, float(v) if isinstance(v, Decimal) else v, fmt[c.kind])
            elif c.kind == "date":
                ws.write_datetime(r, i, v, fmt["date"]) if hasattr(v, "year") else ws.write_string(r, i, str(v))
            else:
                ws.write_string(r, i, str(v))
    ws.freeze_panes(1, 0)
    if r:
        ws.autofilter(0, 0, r, len(columns) - 1)
    wb.close()
    out.seek(0)
    return out


ERROR_COLUMNS = tuple(Column(h, (lambda e, k=k: getattr(e, k)), "text") for h, k in
                      zip(ERROR_REPORT_HEADER, ("line", "column", "value", "reason"), strict=True))


_TEMPLATE_SHEETS = {"pickups": "提货记录", "receivables": "应收账款", "payments": "收款记录"}


def _template_rows(kind: str) -> list[list[str]]:
    if kind == "pickups":
        return template_rows()
    from kehu.sales.finance_import import template_rows as finance_rows

    return finance_rows(kind)


def template_xlsx(kind: str = "pickups") -> tempfile.SpooledTemporaryFile:
    rows = _template_rows(kind)
    header, examples = rows[0], rows[1:]
    cols = tuple(Column(h, (lambda r, i=i: r[i])) for i, h in enumerate(header))
    return xlsx_file(examples, cols, sheet=_TEMPLATE_SHEETS[kind])


def template_csv(kind: str = "pickups") -> str:
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows(_template_rows(kind))
    return "\ufeff" + buf.getvalue()
