"""Import of receivables (应收账款) and payments (收款) from CSV / XLSX: as strict and atomic as the pickup import.

Finance files are small next to pickups (thousands of invoices a month, not millions), so rows are checked in
Python against lookups fetched set-based (one query per referenced table, in chunks), then written with
`bulk_create` inside one transaction. Any bad row: nothing is written and every bad row is reported with its line
number. Loading the same file twice adds nothing: an invoice number (发票号) or bank reference (银行流水号) that
is already on file for the same customer is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from kehu.sales.importers import (
    AMOUNT_RE,
    EARLIEST_DATE,
    TRIM,
    ImportResult,
    Progress,
    RowError,
    _cell_text,
    _csv_rows,
    _is_xlsx,
    _noop,
    _norm_header,
    _num_strip,
    _xlsx_rows,
    parse_date,
)

MAX_INVOICE = 40
MAX_REFERENCE = 64
LOOKUP_CHUNK = 900  # SQLite's bound-parameter limit is 999

CUSTOMER_ALIASES = ("客户编码", "客户代码", "客户编号", "customer_code", "customer")
CUSTOMER_NAME_ALIASES = ("客户名称", "客户全称", "customer_name")

# canonical field -> (header in the template, accepted aliases, required)
RECEIVABLE_COLUMNS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "invoice_no": ("发票号", ("发票号", "发票号码", "invoice_no"), True),
    "customer_code": ("客户编码", CUSTOMER_ALIASES, True),
    "customer_name": ("客户名称", CUSTOMER_NAME_ALIASES, False),
    "amount": ("金额", ("金额", "金额(元)", "发票金额", "应收金额", "价税合计", "amount"), True),
    "invoiced_on": ("开票日期", ("开票日期", "发票日期", "invoiced_on"), True),
    "due_on": ("到期日", ("到期日", "到期日期", "应收日期", "due_on"), True),
    "paid_on": ("付款日期", ("付款日期", "结清日期", "收款日期", "paid_on"), False),
}
PAYMENT_COLUMNS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "reference": ("银行流水号", ("银行流水号", "流水号", "收款单号", "回单号", "reference"), True),
    "customer_code": ("客户编码", CUSTOMER_ALIASES, True),
    "customer_name": ("客户名称", CUSTOMER_NAME_ALIASES, False),
    "amount": ("金额", ("金额", "金额(元)", "收款金额", "付款金额", "amount"), True),
    "paid_on": ("付款日期", ("付款日期", "收款日期", "到账日期", "paid_on"), True),
    "invoice_no": ("发票号", ("发票号", "发票号码", "核销发票号", "invoice_no"), False),
    "method": ("收款方式", ("收款方式", "付款方式", "结算方式", "method"), False),
}
TEMPLATES = {
    "receivables": [
        ["发票号", "客户编码", "客户名称", "金额", "开票日期", "到期日", "付款日期"],
        ["FP20240301001", "KH00000001", "济南鲁兴塑料制品有限公司", "286000.00", "2024-03-01", "2024-03-31",
         "2024-03-28"],
        ["FP20240305002", "KH00000002", "单县交通运输公司", "95400.00", "2024-03-05", "2024-04-04", ""],
    ],
    "payments": [
        ["银行流水号", "客户编码", "客户名称", "金额", "付款日期", "发票号", "收款方式"],
        ["YH202403280001", "KH00000001", "济南鲁兴塑料制品有限公司", "286000.00", "2024-03-28", "FP20240301001",
         "银行转账"],
        ["YH202403300002", "KH00000002", "单县交通运输公司", "50000.00", "2024-03-30", "", "承兑汇票"],
    ],
}


class _Bad(Exception):
    pass


@dataclass
class _Row:
    line: int
    values: dict[str, str]


def _map_header(cells, columns) -> tuple[dict[str, int], list[RowError]]:
    aliases = {_norm_header(a): key for key, (_, names, _) in columns.items() for a in names}
    mapping: dict[str, int] = {}
    errors: list[RowError] = []
    for i, cell in enumerate(cells):
        key = aliases.get(_norm_header(cell))
        if key is None:
            continue
        if key in mapping:
            errors.append(RowError(1, str(cell), str(cell), f"表头重复：“{columns[key][0]}”出现了两次"))
            continue
        mapping[key] = i
    for key, (label, _, required) in columns.items():
        if required and key not in mapping:
            errors.append(RowError(1, label, "", f"缺少必填列“{label}”"))
    return mapping, errors


def _read(path: Path, columns) -> tuple[list[_Row] | None, list[RowError]]:
    if _is_xlsx(path):
        rows, _ = _xlsx_rows(path)
    else:
        rows, _ = _csv_rows(path)
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return None, [RowError(1, "", "", "文件为空")]
    mapping, errors = _map_header(header, columns)
    if errors:
        return None, errors
    out: list[_Row] = []
    for line, cells in enumerate(rows, start=2):
        values = {}
        for key, i in mapping.items():
            values[key] = _cell_text(cells[i]).strip(TRIM) if i < len(cells) else ""
        if any(values.values()):
            out.append(_Row(line, values))
    return out, []


def _chunks(items: list, n: int = LOOKUP_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _customers(codes: Iterable[str]) -> dict[str, int]:
    from kehu.customers.models import Customer

    found: dict[str, int] = {}
    for chunk in _chunks(sorted({c for c in codes if c})):
        found.update(Customer.objects.filter(code__in=chunk).values_list("code", "id"))
    return found


class _Checker:
    """Collects every reason of every bad row; `value()` helpers return None when the cell is bad."""

    def __init__(self, columns):
        self.columns = columns
        self.errors: list[RowError] = []
        self.bad_lines: set[int] = set()

    def err(self, row: _Row, key: str, reason: str) -> None:
        self.errors.append(RowError(row.line, self.columns[key][0], row.values.get(key, "")[:200], reason))
        self.bad_lines.add(row.line)

    def money(self, row: _Row, key: str) -> Decimal | None:
        import re

        label = self.columns[key][0]
        text = row.values.get(key, "")
        clean = text.translate(_num_strip)
        if not text:
            self.err(row, key, f"{label}为空")
        elif not re.match(AMOUNT_RE, clean):
            self.err(row, key, f"{label}不是有效数字（最多2位小数）")
        elif Decimal(clean) <= 0:
            self.err(row, key, f"{label}必须大于0")
        else:
            return Decimal(clean)
        return None

    def day(self, row: _Row, key: str, *, required: bool = True, not_after_today: bool = True) -> date | None:
        label = self.columns[key][0]
        text = row.values.get(key, "")
        if not text:
            if required:
                self.err(row, key, f"{label}为空")
            return None
        iso = parse_date(text)
        if iso is None:
            self.err(row, key, f"{label}无效（格式如 2024-03-15）")
            return None
        d = date.fromisoformat(iso)
        if not_after_today and d > timezone.localdate():
            self.err(row, key, f"{label}晚于今天")
        elif d < EARLIEST_DATE:
            self.err(row, key, f"{label}早于 {EARLIEST_DATE:%Y-%m-%d}")
        else:
            return d
        return None

    def text(self, row: _Row, key: str, max_len: int, seen: dict[str, int]) -> str | None:
        label = self.columns[key][0]
        value = row.values.get(key, "")
        if not value:
            self.err(row, key, f"{label}为空")
        elif len(value) > max_len:
            self.err(row, key, f"{label}超过{max_len}个字符")
        elif value in seen:
            self.err(row, key, f"{label}与第{seen[value]}行重复")
        else:
            seen[value] = row.line
            return value
        return None

    def customer(self, row: _Row, lookup: dict[str, int]) -> int | None:
        code = row.values.get("customer_code", "")
        if not code:
            self.err(row, "customer_code", "客户编码为空")
        elif code not in lookup:
            self.err(row, "customer_code", "客户编码不存在")
        else:
            return lookup[code]
        return None


def _rejected(checker: _Checker, total: int) -> ImportResult:
    bad = len(checker.bad_lines)
    return ImportResult(False, total_rows=total, error_count=bad, errors=sorted(checker.errors, key=lambda e: e.line),
                        message=f"共 {total} 行，其中 {bad} 行有错误，整个文件未导入。请修改后重新导入。")


def _header_rejected(errors: list[RowError]) -> ImportResult:
    return ImportResult(False, errors=errors, error_count=len(errors), message="表头不符合模板，请下载导入模板。")


def import_receivables(path: str | Path, *, actor_id: int | None = None,
                       progress: Progress | None = None) -> ImportResult:
    """Invoices (发票号, 客户编码, 金额, 开票日期, 到期日, optional 付款日期 = paid in full on that day)."""
    from kehu.sales.models import Payment, Receivable
    from kehu.sales.services import receivables_refresh

    progress = progress or _noop
    progress("read", 0)
    rows, header_errors = _read(Path(path), RECEIVABLE_COLUMNS)
    if rows is None:
        return _header_rejected(header_errors)
    if not rows:
        return ImportResult(False, errors=[RowError(2, "", "", "文件中没有数据行")], error_count=1,
                            message="文件中没有数据行。")
    progress("validate", 0.4)
    with transaction.atomic():
        customers = _customers(r.values.get("customer_code", "") for r in rows)
        existing: dict[str, int] = {}
        for chunk in _chunks(sorted({r.values.get("invoice_no", "") for r in rows} - {""})):
            existing.update(Receivable.objects.filter(invoice_no__in=chunk).values_list("invoice_no", "customer_id"))
        taken_refs: set[str] = set()
        for chunk in _chunks([f"AR:{r.values.get('invoice_no', '')}" for r in rows]):
            taken_refs.update(Payment.objects.filter(reference__in=chunk).values_list("reference", flat=True))
        check = _Checker(RECEIVABLE_COLUMNS)
        seen: dict[str, int] = {}
        new: list[tuple[Receivable, date | None]] = []
        skipped = 0
        for row in rows:
            invoice = check.text(row, "invoice_no", MAX_INVOICE, seen)
            customer_id = check.customer(row, customers)
            amount = check.money(row, "amount")
            invoiced_on = check.day(row, "invoiced_on")
            due_on = check.day(row, "due_on", not_after_today=False)
            paid_on = check.day(row, "paid_on", required=False)
            if invoiced_on and due_on and due_on < invoiced_on:
                check.err(row, "due_on", "到期日早于开票日期")
            if invoiced_on and paid_on and paid_on < invoiced_on:
                check.err(row, "paid_on", "付款日期早于开票日期")
            if invoice and customer_id and invoice in existing:
                if existing[invoice] != customer_id:
                    check.err(row, "invoice_no", "该发票号已录入在另一个客户名下")
                else:
                    skipped += 1
                continue
            if row.line in check.bad_lines:
                continue
            new.append((Receivable(customer_id=customer_id, invoice_no=invoice, amount=amount,
                                   invoiced_on=invoiced_on, due_on=due_on), paid_on))
        if check.bad_lines:
            return _rejected(check, len(rows))
        progress("write", 0.7)
        created = Receivable.objects.bulk_create([r for r, _ in new], batch_size=1000)
        if any(p for _, p in new):
            ids = dict(Receivable.objects.filter(invoice_no__in=[r.invoice_no for r, p in new if p])
                       .values_list("invoice_no", "id"))
            Payment.objects.bulk_create([
                Payment(customer_id=r.customer_id, receivable_id=ids[r.invoice_no], amount=r.amount, paid_on=p,
                        method="导入（全额）", reference=f"AR:{r.invoice_no}", created_by_id=actor_id)
                for r, p in new if p and f"AR:{r.invoice_no}" not in taken_refs
            ], batch_size=1000)
            receivables_refresh(ids.values())
        progress("done", 1.0)
        n = len(created)
        return ImportResult(True, total_rows=len(rows), inserted=n, skipped=skipped,
                            message=f"共 {len(rows)} 行，新增应收 {n} 笔，已存在跳过 {skipped} 笔。")


def import_payments(path: str | Path, *, actor_id: int | None = None,
                    progress: Progress | None = None) -> ImportResult:
    """Payments (银行流水号, 客户编码, 金额, 付款日期, optional 发票号 to settle, 收款方式)."""
    from kehu.sales.models import Payment, Receivable
    from kehu.sales.services import receivables_refresh

    progress = progress or _noop
    progress("read", 0)
    rows, header_errors = _read(Path(path), PAYMENT_COLUMNS)
    if rows is None:
        return _header_rejected(header_errors)
    if not rows:
        return ImportResult(False, errors=[RowError(2, "", "", "文件中没有数据行")], error_count=1,
                            message="文件中没有数据行。")
    progress("validate", 0.4)
    with transaction.atomic():
        customers = _customers(r.values.get("customer_code", "") for r in rows)
        existing: dict[str, int] = {}
        for chunk in _chunks(sorted({r.values.get("reference", "") for r in rows} - {""})):
            existing.update(Payment.objects.filter(reference__in=chunk).values_list("reference", "customer_id"))
        invoices: dict[str, tuple[int, int, Decimal]] = {}
        inv_numbers = sorted({r.values.get("invoice_no", "") for r in rows} - {""})
        for chunk in _chunks(inv_numbers):
            # Lock the invoices: a payment recorded meanwhile must not overpay them together with this file.
            for pk, no, cust, amount in (Receivable.objects.select_for_update().filter(invoice_no__in=chunk)
                                         .values_list("pk", "invoice_no", "customer_id", "amount")):
                invoices[no] = (pk, cust, Decimal(str(amount)))
        paid: dict[int, Decimal] = {}
        for chunk in _chunks([v[0] for v in invoices.values()]):
            for rid, total in (Payment.objects.filter(receivable_id__in=chunk).values("receivable_id")
                               .annotate(s=Sum("amount")).values_list("receivable_id", "s")):
                paid[rid] = Decimal(str(total))
        check = _Checker(PAYMENT_COLUMNS)
        seen: dict[str, int] = {}
        new: list[Payment] = []
        skipped = 0
        for row in rows:
            reference = check.text(row, "reference", MAX_REFERENCE, seen)
            customer_id = check.customer(row, customers)
            amount = check.money(row, "amount")
            paid_on = check.day(row, "paid_on")
            method = row.values.get("method", "")[:20]
            if reference and customer_id and reference in existing:
                if existing[reference] != customer_id:
                    check.err(row, "reference", "该流水号已录入在另一个客户名下")
                else:
                    skipped += 1
                continue
            receivable_id = None
            invoice = row.values.get("invoice_no", "")
            if invoice:
                if invoice not in invoices:
                    check.err(row, "invoice_no", "发票号不存在（请先导入应收账款）")
                elif customer_id and invoices[invoice][1] != customer_id:
                    check.err(row, "invoice_no", "该发票不属于此客户")
                elif amount is not None:
                    receivable_id, _, total = invoices[invoice]
                    already = paid.get(receivable_id, Decimal("0"))
                    if already + amount > total:
                        check.err(row, "amount", f"超过发票未收金额 {total - already} 元")
                    else:
                        paid[receivable_id] = already + amount
            if row.line in check.bad_lines:
                continue
            new.append(Payment(customer_id=customer_id, receivable_id=receivable_id, amount=amount, paid_on=paid_on,
                               method=method, reference=reference, created_by_id=actor_id))
        if check.bad_lines:
            return _rejected(check, len(rows))
        progress("write", 0.7)
        Payment.objects.bulk_create(new, batch_size=1000)
        receivables_refresh({p.receivable_id for p in new if p.receivable_id})
        progress("done", 1.0)
        return ImportResult(True, total_rows=len(rows), inserted=len(new), skipped=skipped,
                            message=f"共 {len(rows)} 行，新增收款 {len(new)} 笔，已存在跳过 {skipped} 笔。")


def template_rows(kind: str) -> list[list[str]]:
    return TEMPLATES[kind]
