"""Bulk import of pickups from CSV / XLSX: streaming, strict, atomic, idempotent.

Every row is read, checked and normalised in Python while the file streams (codes resolved from lookups read once
per import: customers, products, pickup points), and only typed rows (ids, canonical numbers and dates) reach the
database. One transaction, so an interrupted import leaves nothing behind:

- fast path: the typed rows go straight into `sales_pickup` (PostgreSQL: one `COPY`, which the server works through
  while Python reads the next rows; SQLite: `executemany`); it gives way to the checking path at the first bad row,
  or when the unique (source, source_ref) key finds a reference already loaded or repeated;
- checking path: every row into a temporary staging table (bad rows with their reference and a flag), one GROUP BY
  for references repeated within the file, and then either the full error report (every bad row: line, column,
  value, reason; nothing applied) or `INSERT … SELECT` of the rows whose reference is not loaded yet (skipped rows
  are counted).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kehu.customers.models import TRADING_STATUSES

# ---------------------------------------------------------------- columns a finance clerk uses

# canonical field -> (Chinese header shown in templates, accepted aliases)
PICKUP_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "customer_code": ("客户编码", ("客户编码", "客户代码", "客户编号", "customer_code", "customer")),
    "customer_name": ("客户名称", ("客户名称", "客户全称", "customer_name")),
    "product_code": ("产品编码", ("产品编码", "物料编码", "产品代码", "商品编码", "product_code", "product")),
    "product_name": ("产品名称", ("产品名称", "物料名称", "商品名称", "product_name")),
    "quantity": ("数量", ("数量", "提货数量", "提货量", "quantity")),
    "unit": ("单位", ("单位", "计量单位", "unit")),
    "amount": ("金额", ("金额", "金额(元)", "提货金额", "含税金额", "价税合计", "amount")),
    "picked_on": ("提货日期", ("提货日期", "日期", "出库日期", "picked_on", "date")),
    "warehouse_code": ("库点", ("库点", "库点编码", "提货库点", "库位", "加油站", "油站编码", "warehouse")),
    "source_ref": ("单据号", ("单据号", "提货单号", "出库单号", "单号", "source_ref", "reference")),
}
REQUIRED = ("customer_code", "product_code", "quantity", "amount", "picked_on", "source_ref")
TEMPLATE_COLUMNS = ("customer_code", "customer_name", "product_code", "product_name", "quantity", "unit", "amount",
                    "picked_on", "warehouse_code", "source_ref")
COLUMN_LABEL = {k: v[0] for k, v in PICKUP_COLUMNS.items()}

UNIT_ALIASES = {
    "": "", "t": "t", "吨": "t", "kg": "kg", "千克": "kg", "公斤": "kg", "l": "L", "升": "L",
    "袋": "袋", "包": "袋", "元": "元",
}

QTY_RE = r"^[+-]?[0-9]{1,15}([.][0-9]{0,3})?$"
AMOUNT_RE = r"^[+-]?[0-9]{1,14}([.][0-9]{0,2})?$"
DATE_RE1 = r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?( +[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"
DATE_RE2 = r"^([0-9]{4})([0-9]{2})([0-9]{2})$"
MIN_YEAR, MAX_YEAR = 1900, 2999
EARLIEST_DATE = date(2000, 1, 1)
TRIM = " \t\r\n\u3000"
NUM_STRIP = ",，¥￥ \u3000"
MAX_REF = 64
MAX_REPORTED_ERRORS = 10000
BATCH = 5000

_qty_re, _amount_re = re.compile(QTY_RE), re.compile(AMOUNT_RE)
_date_re1, _date_re2 = re.compile(DATE_RE1), re.compile(DATE_RE2)
_num_strip = str.maketrans("", "", NUM_STRIP)


def _norm_header(h) -> str:
    s = str(h or "").strip().lstrip("\ufeff").replace(" ", "").replace("\u3000", "")
    return s.replace("（", "(").replace("）", ")").lower()


_ALIASES = {_norm_header(a): key for key, (_, aliases) in PICKUP_COLUMNS.items() for a in aliases}


# ---------------------------------------------------------------- results


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    ok: bool
    total_rows: int = 0
    inserted: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    message: str = ""


class _Rejected(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


Progress = Callable[[str, float], None]  # (phase, fraction 0..1)


def file_progress_writer(path: Path) -> Progress:
    """Writes {"phase", "percent"} to a small JSON file another process (the status view) can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    last = {"pct": -1}

    def _write(phase: str, fraction: float) -> None:
        pct = int(max(0.0, min(1.0, fraction)) * 100)
        if pct == last["pct"] and phase not in ("done",):
            return
        last["pct"] = pct
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"phase": phase, "percent": pct}), encoding="utf-8")
        os.replace(tmp, path)

    return _write


def _noop(phase: str, fraction: float) -> None:
    return None


# ---------------------------------------------------------------- header and normalisation (Python side)


def map_header(cells) -> tuple[dict[str, int], list[RowError]]:
    """{canonical field: column index}; errors for missing required and repeated columns."""
    mapping: dict[str, int] = {}
    errors: list[RowError] = []
    for i, cell in enumerate(cells):
        key = _ALIASES.get(_norm_header(cell))
        if key is None:
            continue
        if key in mapping:
            errors.append(RowError(1, str(cell), str(cell), f"表头重复：“{COLUMN_LABEL[key]}”出现了两次"))
            continue
        mapping[key] = i
    for key in REQUIRED:
        if key not in mapping:
            errors.append(RowError(1, COLUMN_LABEL[key], "", f"缺少必填列“{COLUMN_LABEL[key]}”"))
    return mapping, errors


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def parse_date(text: str) -> str | None:
    m = _date_re1.match(text) or _date_re2.match(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- readers


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        dec.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _is_xlsx(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple], int]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    total = ws.max_row or 0
    return ws.iter_rows(values_only=True), total


def _csv_rows(path: Path) -> tuple[Iterator[list], Callable[[], float]]:
    raw = open(path, "rb")  # noqa: SIM115 - closed when the iterator is exhausted
    size = max(os.path.getsize(path), 1)
    enc = _detect_encoding(raw.read(1 << 16))
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=enc, newline="", errors="replace")

    def rows():
        try:
            lines = iter(text)
            for line in lines:
                if '"' in line:  # quoting from here on: the csv module reads the rest (fields across lines, "")
                    yield from csv.reader(itertools.chain((line,), lines))
                    return
                # No quote on the line: a plain comma split is exactly what the csv module would read, at half
                # the cost (the excel dialect has no escape character and keeps spaces).
                yield line.rstrip("\r\n").split(",")
        finally:
            text.close()

    return rows(), (lambda: raw.tell() / size if not raw.closed else 1.0)


# ---------------------------------------------------------------- lookups (one query per table, before reading)


@dataclass(frozen=True)
class _ProductUnit:
    """What a (product code, unit text) pair resolves to: computed once per pair, not once per row."""

    product_id: int | None
    group_id: int | None
    unit: str | None  # the stored unit (the product's base unit when the file leaves it empty)
    factor: Decimal | None  # base quantity = quantity × factor; None: the unit does not fit the product
    same: bool  # unit == base unit: the base quantity is the quantity itself, no arithmetic
    product_error: str | None
    unit_error: str | None
    ratio: tuple[int, int] | None = None  # the factor as an exact fraction (integer arithmetic on plain quantities)


class _Lookups:
    """Every code the file may name, read once: customers (code → id, or the status code of a customer that may not
    pick up), products and pickup points. ~100 bytes a customer: 100,000 customers ≈ 10 MB."""

    def __init__(self) -> None:
        from kehu.customers.models import Customer
        from kehu.sales.models import Product, Warehouse

        trading = {str(s) for s in TRADING_STATUSES}
        statuses: dict[str, str] = {}
        self.customers: dict[str, int | str] = {}
        for code, pk, status in Customer.objects.values_list("code", "id", "status").order_by().iterator(
                chunk_size=20000):
            self.customers[code] = pk if status in trading else statuses.setdefault(status, status)
        self.products = {p.code: p for p in Product.objects.all()}
        self.warehouses = dict(Warehouse.objects.values_list("code", "id"))
        self.pairs: dict[tuple[str, str], _ProductUnit] = {}

    def product_unit(self, code: str, unit_text: str) -> _ProductUnit:
        key = (code, unit_text)
        found = self.pairs.get(key)
        if found is None:
            found = self.pairs[key] = self._resolve(code, unit_text)
        return found

    def _resolve(self, code: str, unit_text: str) -> _ProductUnit:
        p = self.products.get(code)
        unit = UNIT_ALIASES.get(unit_text.lower())
        product_error = ("产品编码为空" if not code else "产品编码不存在" if p is None
                         else "产品已停用" if not p.is_active else None)
        if unit is None:
            return _ProductUnit(p and p.id, p and p.group_id, None, None, False, product_error,
                                "无法识别的单位（可用：吨/t、千克/kg、升/L、袋、元）")
        if p is None:
            return _ProductUnit(None, None, unit, None, False, product_error, None)
        unit = unit or p.base_unit
        factor = None
        if unit == p.base_unit:
            factor = Decimal(1)
        elif p.base_unit == "t" and unit == "kg":
            factor = Decimal("0.001")
        elif p.base_unit == "t" and unit == "L" and p.density_kg_per_l is not None:
            factor = p.density_kg_per_l / 1000
        elif p.base_unit == "t" and unit == "袋" and p.bag_weight_kg is not None:
            factor = p.bag_weight_kg / 1000
        unit_error = None if factor is not None else (
            f"单位与产品不符：产品“{p.name}”按“{p.base_unit}”计量，且未设置该单位的折算")
        return _ProductUnit(p.id, p.group_id, unit, factor, unit == p.base_unit, product_error, unit_error,
                            factor.as_integer_ratio() if factor is not None else None)


# ---------------------------------------------------------------- normalising one row (both databases)

_BLANKS = re.compile("[" + TRIM + "]").search
_PLAIN_QTY = re.compile(r"[0-9]{1,15}(?:[.][0-9]{0,3})?").fullmatch  # the common case: no sign, no separators
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,14}(?:[.][0-9]{0,2})?").fullmatch
_MAX_BASE = Decimal("1e15")  # numeric(18, 3): 15 integer digits
_THOUSANDTH = Decimal("0.001")
_DATE_CACHE_LIMIT = 20000


def _base_quantity(quantity: str, factor: Decimal) -> str | None:
    """The quantity in the product's base unit, rounded half away from zero to 0.001 t (as PostgreSQL's ROUND);
    None when it does not fit numeric(18, 3)."""
    b = (Decimal(quantity) * factor).quantize(_THOUSANDTH, ROUND_HALF_UP)
    return str(b) if abs(b) < _MAX_BASE else None


def _plain_base_quantity(quantity: str, ratio: tuple[int, int]) -> str | None:
    """_base_quantity for a plain quantity (digits, at most one dot, ≤ 3 decimals) in integer arithmetic —
    a third of the cost of Decimal, the same result: thousandths × factor (an exact ratio), rounded half up."""
    dot = quantity.find(".")
    if dot < 0:
        thousandths = int(quantity) * 1000
    else:
        frac = quantity[dot + 1:]
        thousandths = int(quantity[:dot]) * 1000 + (int(frac) * _SCALE[len(frac)] if frac else 0)
    num, den = ratio
    b = (2 * thousandths * num + den) // (2 * den)
    return f"{b // 1000}.{b % 1000:03d}" if b < _MAX_BASE_THOUSANDTHS else None


_SCALE = (1, 100, 10, 1)
_MAX_BASE_THOUSANDTHS = 10 ** 18


TypedRow = tuple  # (customer_id, product_id, group_id, quantity, unit, base_quantity, amount, picked_on, warehouse_id,
#                    source_ref): the values stored, numbers and the date as canonical text


class _Normaliser:
    """Checks one row against every rule and returns its stored values, or the reasons it is bad — in the order
    the error report lists them (customer, product, quantity, unit, amount, date, pickup point, reference).
    Everything repeated across rows (a date, a product and unit pair) is worked out once."""

    def __init__(self, mapping: dict[str, int], lookups: _Lookups) -> None:
        self.lookups = lookups
        self.idx = tuple(mapping.get(k, -1) for k in (
            "customer_code", "product_code", "quantity", "unit", "amount", "picked_on", "warehouse_code",
            "source_ref"))
        self.width = max(self.idx) + 1
        self._pick = operator.itemgetter(*self.idx)
        self.today = timezone.localdate()
        self.dates: dict[str, tuple[str | None, str | None]] = {}
        self.status_labels: dict[str, str] = {}
        self._customers = lookups.customers
        self._warehouses = lookups.warehouses
        self._pairs = lookups.pairs

    def cells(self, cells) -> list[str] | None:
        """The eight cells this import reads, trimmed; None for a blank row."""
        if cells.__class__ is list and len(cells) >= self.width:  # a CSV row: text cells, picked in C
            cells.append("")  # what the -1 of an absent optional column picks
            picked = self._pick(cells)
            joined = "".join(picked)
            if not _BLANKS(joined):  # the common case: nothing to trim (one scan instead of eight strips)
                return list(picked) if joined else None
            out = [v.strip(TRIM) for v in picked]
            return out if any(out) else None
        n = len(cells)
        out = []
        for i in self.idx:
            if 0 <= i < n:
                v = cells[i]
                if v.__class__ is not str:
                    v = _cell_text(v)
                out.append(v.strip(TRIM) if v else "")
            else:
                out.append("")
        return out if any(out) else None

    def row(self, line: int, v: list[str]) -> tuple[TypedRow | None, list[RowError] | None]:
        cust, prod, qty_t, unit_t, amt_t, date_t, wh, ref = v
        cid = self._customers.get(cust)
        pu = self._pairs.get((prod, unit_t)) or self.lookups.product_unit(prod, unit_t)
        day = self.dates.get(date_t) or self._date(date_t)
        # The common row — known codes, plain numbers, a good date — passes these tests and nothing else runs.
        if (cid.__class__ is int and pu.product_error is None and pu.unit_error is None and _PLAIN_QTY(qty_t)
                and qty_t.strip("0.") and _PLAIN_AMOUNT(amt_t) and day[1] is None and 0 < len(ref) <= MAX_REF
                and "\ufffd" not in ref):
            if pu.same:
                base = qty_t
            else:
                base = _plain_base_quantity(qty_t, pu.ratio)
                if base is None:
                    return None, self.errors(line, v, cid, pu, day)
            if wh:
                wid = self._warehouses.get(wh)
                if wid is None:
                    return None, self.errors(line, v, cid, pu, day)
            else:
                wid = None
            return (cid, pu.product_id, pu.group_id, qty_t, pu.unit, base, amt_t, day[0], wid, ref), None
        errors = self.errors(line, v, cid, pu, day)
        if errors:
            return None, errors
        # valid, though not plain: a sign, thousands separators, ¥
        q, a = qty_t.translate(_num_strip), amt_t.translate(_num_strip)
        base = q if pu.same else _base_quantity(q, pu.factor)
        wid = self._warehouses.get(wh) if wh else None
        return (cid, pu.product_id, pu.group_id, q, pu.unit, base, a, day[0], wid, ref), None

    def errors(self, line: int, v: list[str], cid, pu: _ProductUnit, day) -> list[RowError]:
        """Every reason the row is bad, in the report's column order (empty: the row is good)."""
        cust, prod, qty_t, unit_t, amt_t, date_t, wh, ref = v
        L = COLUMN_LABEL
        out: list[RowError] = []
        if cid.__class__ is not int:
            reason = ("客户编码为空" if not cust else "客户编码不存在" if cid is None
                      else f"客户不是正式客户（当前状态：{self._status(cid)}），不得提货")
            out.append(RowError(line, L["customer_code"], cust[:200], reason))
        if pu.product_error:
            out.append(RowError(line, L["product_code"], prod[:200], pu.product_error))
        q = qty_t.translate(_num_strip)
        qty_ok = bool(qty_t) and _qty_re.match(q) is not None
        if not qty_ok:
            reason = "数量为空" if not qty_t else "数量不是有效数字（最多15位整数、3位小数）"
            out.append(RowError(line, L["quantity"], qty_t[:200], reason))
        elif Decimal(q) <= 0:
            reason = "数量不能为负数" if Decimal(q) < 0 else "数量必须大于0"
            out.append(RowError(line, L["quantity"], qty_t[:200], reason))
        if pu.unit_error and (pu.unit is None or qty_ok):
            out.append(RowError(line, L["unit"], unit_t[:200], pu.unit_error))
        elif qty_ok and pu.factor is not None and not pu.same and _base_quantity(q, pu.factor) is None:
            out.append(RowError(line, L["quantity"], qty_t[:200], "折算后的数量超出范围（最多15位整数）"))
        a = amt_t.translate(_num_strip)
        if not amt_t or not _amount_re.match(a):
            reason = "金额为空" if not amt_t else "金额不是有效数字（最多2位小数）"
            out.append(RowError(line, L["amount"], amt_t[:200], reason))
        elif Decimal(a) < 0:
            out.append(RowError(line, L["amount"], amt_t[:200], "金额不能为负数"))
        if day[1]:
            out.append(RowError(line, L["picked_on"], date_t[:200], day[1]))
        if wh and wh not in self._warehouses:
            out.append(RowError(line, L["warehouse_code"], wh[:200], "库点不存在"))
        if not ref or len(ref) > MAX_REF or "\ufffd" in ref:
            # Bytes the file's encoding cannot read become U+FFFD: a 单据号 with one would be stored corrupted.
            reason = ("单据号为空" if not ref else f"单据号超过{MAX_REF}个字符" if len(ref) > MAX_REF
                      else "单据号含无法识别的字符（文件编码不是 UTF-8 或 GB18030？）")
            out.append(RowError(line, L["source_ref"], ref[:200], reason))
        return out

    def _date(self, text: str) -> tuple[str | None, str | None]:
        if not text:
            out = (None, "提货日期为空")
        else:
            iso = parse_date(text)
            if iso is None:
                out = (None, "提货日期无效（格式如 2024-03-15）")
            else:
                d = date.fromisoformat(iso)
                if d > self.today:
                    out = (None, "提货日期晚于今天")
                elif d < EARLIEST_DATE:
                    out = (None, f"提货日期早于 {EARLIEST_DATE:%Y-%m-%d}")
                else:
                    out = (iso, None)
        if len(self.dates) >= _DATE_CACHE_LIMIT:
            self.dates.clear()
        self.dates[text] = out
        return out

    def _status(self, code: str) -> str:
        label = self.status_labels.get(code)
        if label is None:
            label = self.status_labels[code] = _status_label(code)
        return label


def _status_label(code: str) -> str:
    from kehu.customers.models import CustomerStatus

    try:
        return str(CustomerStatus(code).label)
    except ValueError:
        return code


# ---------------------------------------------------------------- reading the file


def _open_rows(path: Path, xlsx: bool) -> tuple[Iterator, Callable[[], float]]:
    """(rows, fraction of the file read so far); the first row is the header."""
    if not xlsx:
        return _csv_rows(path)
    rows, total = _xlsx_rows(path)
    counter = [0]

    def counted():
        for r in rows:
            counter[0] += 1
            yield r

    return counted(), (lambda: counter[0] / total if total else 0.0)


class _Restart(Exception):
    """The fast path cannot finish (a bad row, a reference already loaded or repeated, a code that vanished):
    undo it and run the checking path, which reports or skips exactly."""


# COPY text format: backslash, tab, newline and carriage return must be escaped; everything the normaliser passes
# through unchanged is a number, a date, a known unit or a reference.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_PICKUP_COLUMNS = ("customer_id", "product_id", "product_group_id", "quantity", "unit", "base_quantity", "amount",
                   "picked_on", "warehouse_id", "source_ref", "source", "import_job_id", "created_by_id",
                   "created_at")


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    s = str(value)
    return s.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(s) else s


class _Writer:
    """Where the typed rows go: straight into sales_pickup (the fast path) or into the staging table (checking
    path), by COPY on PostgreSQL and executemany on SQLite, in batches."""

    def __init__(self, *, table: str, columns: tuple[str, ...], constants: tuple, with_line: bool) -> None:
        self.pg = connection.vendor == "postgresql"
        self.table, self.columns, self.with_line = table, columns, with_line
        self.constants = constants
        self.buf: list = []
        self._copy = None
        self._cm = None

    def __enter__(self):
        cur = connection.cursor()
        self._cur = cur
        cols = ", ".join(self.columns)
        if self.pg:
            self._tail = "".join("\t" + _copy_text(c) for c in self.constants) + "\n"
            self._cm = cur.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN")
            self._copy = self._cm.__enter__()
        else:
            marks = ", ".join(["?"] * len(self.columns))
            self._sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"  # noqa: S608 - constant names
        return self

    def add(self, line: int, typed: TypedRow | None, ref: str, bad: bool) -> None:
        if self.pg:
            if typed is None:  # staging only: the reference and the flag, for the repetition check and the count
                text = f"{line}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t{_copy_text(ref)}\tt\n"
            else:
                cid, pid, gid, qty, unit, base, amt, day, wid, ref = typed
                if _COPY_SPECIAL.search(ref):
                    ref = ref.translate(_COPY_ESCAPES)
                wid = "\\N" if wid is None else wid
                head = f"{line}\t" if self.with_line else ""
                text = f"{head}{cid}\t{pid}\t{gid}\t{qty}\t{unit}\t{base}\t{amt}\t{day}\t{wid}\t{ref}{self._tail}"
            self.buf.append(text)
        else:
            if typed is None:
                self.buf.append((line, None, None, None, None, None, None, None, None, None, ref, 1))
            elif self.with_line:
                self.buf.append((line, *typed, *self.constants))
            else:
                self.buf.append((*typed, *self.constants))
        if len(self.buf) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        if self.pg:
            self._copy.write("".join(self.buf))
        else:
            self._cur.cursor.executemany(self._sql, self.buf)
        self.buf.clear()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.flush()
            if self._cm is not None:
                return self._cm.__exit__(exc_type, exc, tb)
            return False
        finally:
            self._cur.close()


def _integrity_errors() -> tuple[type[BaseException], ...]:
    return (IntegrityError, connection.Database.IntegrityError)


# ---------------------------------------------------------------- the fast path: straight into sales_pickup


def _fast_load(rows: Iterator, norm: _Normaliser, constants: tuple, progress: Progress,
               position: Callable[[], float]) -> int:
    """Every row checked in Python and written, typed, straight into sales_pickup (PostgreSQL: one COPY, which the
    server works through while Python reads the next rows; SQLite: executemany). Raises _Restart at the first bad
    row, or when the unique key says a reference is already loaded or repeated; the caller's savepoint undoes it."""
    count = 0
    customers: set[int] = set()
    products: set[int] = set()
    warehouses: set[int] = set()
    try:
        with _Writer(table="sales_pickup", columns=_PICKUP_COLUMNS, constants=constants, with_line=False) as out:
            for line, cells in enumerate(rows, start=2):
                v = norm.cells(cells)
                if v is None:
                    continue
                typed, errors = norm.row(line, v)
                if errors:
                    raise _Restart
                out.add(line, typed, "", False)
                customers.add(typed[0])
                products.add(typed[1])
                if typed[8] is not None:
                    warehouses.add(typed[8])
                count += 1
                if count % BATCH == 0:
                    progress("read", position() * 0.9)
    except _integrity_errors() as exc:
        raise _Restart from exc
    progress("validate", 0.92)
    if not _lock_referenced(customers, products, warehouses):
        raise _Restart
    return count


def _lock_referenced(customers: set[int], products: set[int], warehouses: set[int]) -> bool:
    """sales_pickup carries no database foreign keys (a PostgreSQL RI trigger per row and key cost more than the
    rest of a 5-million-row import): the importer takes the same locks set-based instead, FOR KEY SHARE on every
    customer, product and pickup point the file names, so none can be deleted or re-keyed before this import
    commits; and checks that each is still there and still allowed (a customer suspended since the codes were
    read sends the import through the checking path, which reports it). False when one is not."""
    trading = ", ".join(_sql_str(str(s)) for s in sorted(TRADING_STATUSES))
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    checks = (("customers_customer", customers, f"status IN ({trading})"),
              ("sales_product", products, "is_active"), ("sales_warehouse", warehouses, "1 = 1"))
    with connection.cursor() as cur:
        for table, ids, condition in checks:
            if not ids:
                continue
            ids = sorted(ids)
            if connection.vendor == "postgresql":
                # A join on the unnested ids, not `id = ANY(…)`: with thousands of ids PostgreSQL 15 may test the
                # whole array against every row of a sequential scan (20,000 ids: 6 s).
                cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} t JOIN unnest(%s::bigint[]) AS u(id) "  # noqa: S608
                            f"ON t.id = u.id WHERE {condition}{lock} OF t) x", [ids])
                if cur.fetchone()[0] != len(ids):
                    return False
            else:  # SQLite: the import holds the database's write lock; nothing can change under it
                found = 0
                for i in range(0, len(ids), 900):
                    chunk = ids[i:i + 900]
                    cur.execute(f"SELECT COUNT(*) FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))}) "  # noqa: S608
                                f"AND {condition}", chunk)
                    found += cur.fetchone()[0]
                if found != len(ids):
                    return False
    return True


def _already_loaded(source: str, ref: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sales_pickup WHERE source = %s AND source_ref = %s", [source, ref])
        return cur.fetchone() is not None


# ---------------------------------------------------------------- the checking path: staging table, set-based


_STG_COLUMNS = ("line", "customer_id", "product_id", "product_group_id", "quantity", "unit", "base_quantity",
                "amount", "picked_on", "warehouse_id", "source_ref", "bad")


def _create_stg() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TABLE IF EXISTS pg_temp.stg")
            cur.execute("CREATE TEMP TABLE stg (line bigint, customer_id bigint, product_id bigint, "
                        "product_group_id bigint, quantity numeric(18, 3), unit varchar(4), "
                        "base_quantity numeric(18, 3), amount numeric(16, 2), picked_on date, warehouse_id bigint, "
                        "source_ref text, bad boolean) ON COMMIT DROP")
        else:
            cur.execute("DROP TABLE IF EXISTS temp.stg")
            cur.execute("CREATE TEMP TABLE stg (line INTEGER, customer_id INTEGER, product_id INTEGER, "
                        "product_group_id INTEGER, quantity DECIMAL, unit TEXT, base_quantity DECIMAL, "
                        "amount DECIMAL, picked_on DATE, warehouse_id INTEGER, source_ref TEXT, bad INTEGER)")


def _stage(rows: Iterator, norm: _Normaliser, progress: Progress, position: Callable[[], float]
           ) -> tuple[int, int, dict[int, list[RowError]]]:
    """Every row into the staging table: good rows typed, bad rows with their reference and the `bad` flag (so the
    repetition check and the count are exact). Returns (rows, bad rows, the reasons of the first
    MAX_REPORTED_ERRORS bad rows by line)."""
    _create_stg()
    total = bad = 0
    reasons: dict[int, list[RowError]] = {}
    false = "f" if connection.vendor == "postgresql" else 0
    with _Writer(table="stg", columns=_STG_COLUMNS, constants=(false,), with_line=True) as out:
        for line, cells in enumerate(rows, start=2):
            v = norm.cells(cells)
            if v is None:
                continue
            total += 1
            typed, errors = norm.row(line, v)
            if errors:
                bad += 1
                if len(reasons) < MAX_REPORTED_ERRORS:
                    reasons[line] = errors
                out.add(line, None, v[7], True)
            else:
                out.add(line, typed, v[7], False)
            if total % BATCH == 0:
                progress("read", position() * 0.6)
    return total, bad, reasons


_DUPLICATES = "SELECT source_ref, MIN(line) AS first_line FROM stg GROUP BY source_ref HAVING COUNT(*) > 1"
_REPEATED = f"""FROM stg s JOIN ({_DUPLICATES}) d ON d.source_ref = s.source_ref
    WHERE d.first_line < s.line AND s.source_ref <> '' AND LENGTH(s.source_ref) <= {MAX_REF}"""


def _validate_staged(total: int, bad: int, reasons: dict[int, list[RowError]]) -> ImportResult:
    """The rows' own reasons (found while reading) plus the references repeated within the file (one GROUP BY);
    the first MAX_REPORTED_ERRORS bad rows are listed, the count is exact."""
    if total == 0:
        return ImportResult(False, errors=[RowError(2, "", "", "文件中没有数据行")], error_count=1,
                            message="文件中没有数据行。")
    with connection.cursor() as cur:
        cur.execute(f"SELECT s.line, s.source_ref, d.first_line {_REPEATED} ORDER BY s.line "
                    f"LIMIT {MAX_REPORTED_ERRORS}")
        repeated = cur.fetchall()
        count = bad
        if repeated:
            # rows both bad and repeated are counted once
            cur.execute(f"SELECT COUNT(*) {_REPEATED} AND NOT s.bad")
            count += cur.fetchone()[0]
    if not count:
        return ImportResult(True, total_rows=total)
    by_line = {line: list(errs) for line, errs in reasons.items()}
    for line, ref, first_line in repeated:
        by_line.setdefault(line, []).append(
            RowError(line, COLUMN_LABEL["source_ref"], (ref or "")[:200], f"单据号与第{first_line}行重复"))
    errors = [e for line in sorted(by_line)[:MAX_REPORTED_ERRORS] for e in by_line[line]]
    return ImportResult(False, total_rows=total, error_count=count, errors=errors,
                        message=f"共 {total} 行，其中 {count} 行有错误，整个文件未导入。请修改后重新导入。")


def _insert_sql(*, skip_existing: str) -> str:
    """skip_existing: "anti-join" (rows whose reference is already loaded are filtered out by one hash anti-join,
    then a plain INSERT) or "on-conflict" (`ON CONFLICT DO NOTHING`, a speculative insertion per row — slower on
    PostgreSQL, but also right when another import inserts the same reference concurrently)."""
    if skip_existing == "anti-join":
        tail = "WHERE NOT EXISTS (SELECT 1 FROM sales_pickup x WHERE x.source = %s AND x.source_ref = s.source_ref)"
    else:
        tail = "WHERE 1 = 1 ON CONFLICT (source, source_ref) DO NOTHING"
    return f"""
    INSERT INTO sales_pickup (customer_id, product_id, product_group_id, quantity, unit, base_quantity, amount,
                              picked_on, warehouse_id, source, source_ref, import_job_id, created_by_id, created_at)
    SELECT s.customer_id, s.product_id, s.product_group_id, s.quantity, s.unit, s.base_quantity, s.amount,
           s.picked_on, s.warehouse_id, %s, s.source_ref, %s, %s, %s
    FROM stg s
    {tail}
    """  # noqa: S608 - constants


def _insert_staged(source: str, job_id, actor_id, now) -> int:
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            cur.execute(_insert_sql(skip_existing="on-conflict"), [source, job_id, actor_id, now])
            return cur.rowcount
        try:
            with transaction.atomic():  # savepoint: a concurrent import may win the race for a reference
                cur.execute(_insert_sql(skip_existing="anti-join"), [source, job_id, actor_id, now, source])
                return cur.rowcount
        except IntegrityError:
            cur.execute(_insert_sql(skip_existing="on-conflict"), [source, job_id, actor_id, now])
            return cur.rowcount


def _staged_referenced() -> tuple[set[int], set[int], set[int]]:
    with connection.cursor() as cur:
        out = []
        for column in ("customer_id", "product_id", "warehouse_id"):
            cur.execute(f"SELECT DISTINCT {column} FROM stg WHERE {column} IS NOT NULL")  # noqa: S608 - constants
            out.append({r[0] for r in cur.fetchall()})
    return out[0], out[1], out[2]


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------- entry point


def import_pickups(
    path: str | Path, *, source: str = "erp", job_id: int | None = None, actor_id: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Load a CSV or XLSX file of pickups. Everything applies, or nothing does and every bad row is reported.

    Every row is checked and normalised in Python while it is read (codes resolved from lookups read once). The fast
    path writes the typed rows straight into sales_pickup; it gives way to the checking path (staging table,
    set-based repetition check, anti-join on the references already loaded) at the first bad row, or when a
    reference is already loaded or repeated — a re-import, an overlapping export, a concurrent import of the same
    rows. Both run in the caller's single transaction: an interruption leaves nothing."""
    path = Path(path)
    progress = progress or _noop
    vendor = connection.vendor
    xlsx = _is_xlsx(path)
    progress("read", 0)
    opened, position = _open_rows(path, xlsx)
    rows = opened
    header = next(rows, None)
    if header is None:
        _close(opened)
        return ImportResult(False, errors=[RowError(1, "", "", "文件为空")], error_count=1, message="文件为空。")
    mapping, header_errors = map_header(header)
    if header_errors:
        _close(opened)
        return ImportResult(False, errors=header_errors, error_count=len(header_errors),
                            message="表头不符合模板，请下载导入模板。")
    now = timezone.now()
    db_now = now.isoformat() if vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    try:
        with transaction.atomic():
            if vendor == "postgresql":
                _pg_session_settings()
            else:
                _sqlite_cache(SQLITE_IMPORT_CACHE_KB)
            norm = _Normaliser(mapping, _Lookups())
            rows, first = _peek(rows, norm)
            if first is None:
                return _validate_staged(0, 0, {})
            if not _already_loaded(source, first):  # a re-import goes straight to the checking path
                try:
                    with transaction.atomic():
                        total = _fast_load(rows, norm, (source, job_id, actor_id, db_now), progress, position)
                    progress("done", 1.0)
                    return ImportResult(True, total_rows=total, inserted=total, skipped=0,
                                        message=f"共 {total} 行，新增 {total} 行，已存在跳过 0 行。")
                except _Restart:
                    _close(opened)
                    opened, position = _open_rows(path, xlsx)
                    rows = opened
                    next(rows, None)  # the header
                    norm = _Normaliser(mapping, _Lookups())  # codes read again: one may have changed meanwhile
            total, bad, reasons = _stage(rows, norm, progress, position)
            progress("validate", 0.65)
            result = _validate_staged(total, bad, reasons)
            if not result.ok:
                raise _Rejected(result)
            if not _lock_referenced(*_staged_referenced()):
                changed = "导入期间客户、产品或库点被修改，请重新导入"
                raise _Rejected(ImportResult(False, total_rows=total, error_count=1,
                                             errors=[RowError(0, "", "", changed)], message=changed + "。"))
            progress("write", 0.75)
            inserted = _insert_staged(source, job_id, actor_id, now)
            with connection.cursor() as cur:
                # ON COMMIT DROP does not fire when the import runs inside an outer transaction (tests, callers).
                cur.execute("DROP TABLE pg_temp.stg" if vendor == "postgresql" else "DROP TABLE temp.stg")
            progress("done", 1.0)
            return ImportResult(True, total_rows=total, inserted=inserted, skipped=total - inserted,
                                message=f"共 {total} 行，新增 {inserted} 行，已存在跳过 {total - inserted} 行。")
    except _Rejected as rej:
        progress("done", 1.0)
        return rej.result
    finally:
        _close(opened)
        if vendor == "sqlite":
            _sqlite_cache(None)


def _peek(rows: Iterator, norm: _Normaliser) -> tuple[Iterator, str | None]:
    """(the same rows, the reference of the first non-blank one)."""
    held = []
    for cells in rows:
        held.append(cells)
        v = norm.cells(cells)
        if v is not None:
            return itertools.chain(held, rows), v[7]
    return iter(held), None


SQLITE_IMPORT_CACHE_KB = 81920  # page cache while importing (default 2 MB): hot index pages stay in memory


def _sqlite_cache(kib: int | None) -> None:
    """A larger page cache for the main and temp databases during the import; None restores the defaults.
    The connection is reused by the worker, so the setting is put back afterwards."""
    with connection.cursor() as cur:
        size = -kib if kib else -2000
        cur.execute(f"PRAGMA main.cache_size = {size}")
        cur.execute(f"PRAGMA temp.cache_size = {size}")


def _pg_session_settings() -> None:
    """For this transaction only: memory for the checking path's repetition check (one hash aggregate over the
    references) and anti-join. synchronous_commit stays on: the import is a single commit, so turning it off would
    save one WAL flush (milliseconds) and risk reporting an import that a crash then loses."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")


def _close(it) -> None:
    close = getattr(it, "close", None)
    if close:
        close()


# ---------------------------------------------------------------- error report and template files


ERROR_REPORT_HEADER = ("行号", "列", "内容", "原因")


def write_errors_csv(errors, out) -> None:
    """errors: iterable of objects with line/column/value/reason; out: a text stream."""
    w = csv.writer(out)
    w.writerow(ERROR_REPORT_HEADER)
    for e in errors:
        w.writerow((e.line, e.column, e.value, e.reason))


def template_rows() -> list[list[str]]:
    return [
        [COLUMN_LABEL[k] for k in TEMPLATE_COLUMNS],
        ["KH00000001", "济南鲁兴塑料制品有限公司", "PE-LLDP", "线性低密度聚乙烯", "32.5", "吨", "286000.00",
         "2024-03-15", "JN-01", "CK202403150001"],
        ["KH00000002", "单县交通运输公司", "GAS-92", "92# 车用汽油", "12000", "升", "95400.00", "2024/3/16",
         "ST-0012", "CK202403160002"],
    ]
