"""The registry of periodic report forms.

Each form of a regulation (002 附录3–7, 000 第十六条's reviews, 003 集团公司 第八条's reports) is one
`ReportDefinition`: its title and article, its cadence, when it is due, and a `build` function — a read-side selector
that computes the form's tables for one period and one reporting unit in a fixed number of set-based queries. Apps
register definitions from AppConfig.ready (`register_report`); the screens, the API, the XLSX/PDF export, the
dashboard and the submission service all work from the registry, so a new form is one definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kehu.core.documents import FormColumn, HeaderCell

if TYPE_CHECKING:
    from django.db.models import Q

    from kehu.org.models import OrgUnit, User
    from kehu.policy.periods import Period

CADENCES = ("month", "quarter", "half_year", "year")
CADENCE_LABELS = {"month": "月报", "quarter": "季报", "half_year": "半年报", "year": "年报"}
CADENCE_EXAMPLES = {"month": "2026-11", "quarter": "2026-Q3", "half_year": "2026-H1", "year": "2025"}


@dataclass(frozen=True)
class DueRule:
    """When a period's form is due: day N of the month `months_after` months after the period's last month.

    N comes from the pack's schedule (`pack` + `schedule`, e.g. 002's `grade_table`: day 5), is fixed by the article
    (`day_of_month`, 003 第八条: the 6th), or is an administrator value the pack declares under `reports.due_days`
    (`admin_key`, where the regulation names no day). `working_days` moves a due day that is not a working day to the
    next working day — only where the regulation counts in working days (none of 002/003's report days does:
    "每月5日" is a calendar day)."""

    article: str
    quote: str = ""
    pack: str | None = None
    schedule: str | None = None
    day_of_month: int | None = None
    admin_key: str | None = None
    months_after: int = 1
    working_days: bool = False
    label: str = ""  # "各公司报总管理部" where one article sets several levels


@dataclass(frozen=True)
class ReportTable:
    """One table of a form. Values are Python values (Decimal, int, date, str, None) in column order."""

    key: str
    title: str
    columns: Sequence[FormColumn]
    rows: list[list[Any]]
    header_rows: Sequence[Sequence[HeaderCell]] = ()
    totals: list[Any] | None = None
    notes: Sequence[str] = ()


@dataclass
class ReportResult:
    tables: list[ReportTable]
    notes: list[str] = field(default_factory=list)
    # A form whose data source does not exist yet (another app's module is missing) says so here; its tables are
    # empty. Shown on screen and printed on the form, never hidden.
    source_missing: str = ""
    meta: list[tuple[str, str]] = field(default_factory=list)
    pack_version: str = ""

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    # --- the frozen copy a submission stores -------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "tables": [
                {
                    "key": t.key, "title": t.title,
                    "columns": [{"title": c.title, "width": c.width, "kind": c.kind, "places": c.places}
                                for c in t.columns],
                    "header_rows": [[{"text": h.text, "colspan": h.colspan, "rowspan": h.rowspan} for h in row]
                                    for row in t.header_rows],
                    "rows": [[_encode(v) for v in row] for row in t.rows],
                    "totals": None if t.totals is None else [_encode(v) for v in t.totals],
                    "notes": list(t.notes),
                }
                for t in self.tables
            ],
            "notes": list(self.notes),
            "source_missing": self.source_missing,
            "meta": [list(m) for m in self.meta],
            "pack_version": self.pack_version,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> ReportResult:
        tables = []
        for t in data.get("tables", []):
            columns = [FormColumn(c["title"], c.get("width", 12), c.get("kind", "text"), c.get("places", 2))
                       for c in t["columns"]]
            tables.append(ReportTable(
                key=t["key"], title=t["title"], columns=columns,
                header_rows=[[HeaderCell(h["text"], h.get("colspan", 1), h.get("rowspan", 1)) for h in row]
                             for row in t.get("header_rows", [])],
                rows=[[_decode(v, c) for v, c in zip(row, columns, strict=True)] for row in t["rows"]],
                totals=None if t.get("totals") is None else [
                    _decode(v, c) for v, c in zip(t["totals"], columns, strict=True)],
                notes=tuple(t.get("notes", ())),
            ))
        return cls(tables=tables, notes=list(data.get("notes", [])), source_missing=data.get("source_missing", ""),
                   meta=[tuple(m) for m in data.get("meta", [])], pack_version=data.get("pack_version", ""))


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return str(value)


def _decode(value: Any, column: FormColumn) -> Any:
    if not isinstance(value, str):
        return value
    if column.kind in ("decimal", "percent"):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value  # a label in a number column, e.g. "合计"
    if column.kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class ReportContext:
    """What a form's `build` gets: the period, the reporting unit, who asks (data scope), today, the filters."""

    definition: ReportDefinition
    actor: User
    unit: OrgUnit
    period: Period
    today: date
    filters: Mapping[str, str] = field(default_factory=dict)

    def customer_q(self, prefix: str = "") -> Q:
        """The customers this form covers: inside the actor's data scope and the reporting unit's subtree
        (`prefix` is the path to the customer, e.g. "customer__")."""
        from kehu.reports.selectors import report_customer_q

        return report_customer_q(actor=self.actor, unit=self.unit, prefix=prefix)


@dataclass(frozen=True)
class ReportFilter:
    """A filter a form offers beside period and unit (e.g. 产品组). `choices()` → [(value, label)], "" = all."""

    code: str
    label: str
    choices: Callable[[], list[tuple[str, str]]]


@dataclass(frozen=True)
class ReportDefinition:
    code: str
    title: str
    form_ref: str  # "002 附录5"
    regulation: str  # "零售客户管理办法（QG/SDXS 360-2012）"
    article: str  # "6.6.3"
    cadence: str
    due: tuple[DueRule, ...]
    build: Callable[[ReportContext], ReportResult]
    quote: str = ""
    pack: str | None = None  # the pack whose activation decides whether the company files the form
    units_text: str = ""  # "吨、元"
    signatures: tuple[str, ...] = ("填表人", "审核人", "负责人")
    landscape: bool = True
    order: int = 100
    filters: tuple[ReportFilter, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"report {self.code}: unknown cadence {self.cadence!r}")
        if not self.due:
            raise ValueError(f"report {self.code}: a form needs a due rule")

    @property
    def cadence_label(self) -> str:
        return CADENCE_LABELS[self.cadence]

    @property
    def period_example(self) -> str:
        return CADENCE_EXAMPLES[self.cadence]


_REGISTRY: dict[str, ReportDefinition] = {}


def register_report(definition: ReportDefinition) -> None:
    """Add a form (call from AppConfig.ready). Registering a code again replaces the definition."""
    _REGISTRY[definition.code] = definition


def report_definitions() -> list[ReportDefinition]:
    return sorted(_REGISTRY.values(), key=lambda d: (d.order, d.code))


def report_definition_or_none(code: str) -> ReportDefinition | None:
    return _REGISTRY.get(code)
