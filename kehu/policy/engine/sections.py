"""Two optional pack sections for regulations that are not gradings (003 委建房, 铁路大客户, 电力大客户):

- `figures`: named figures a regulation fixes or leaves open (payment ratio ≥ 50 %, at least 3 candidates,
  a 1,000–3,000 元 fee), each with its article, read by the app that enforces them;
- `applications`: programs of the generic "application with deadlines" (kehu.workflow.Application): the fields an
  applicant supplies, the eligibility conditions, the milestones with their deadlines (working days from another
  milestone, a fixed date in the year, an amount chosen by a field), validity periods with extension rules, and
  repeatable inspections.

Kept in their own module so the loader only calls `build_figures` / `build_applications`; pure Python, no Django.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .errors import AdminValueMissing
from .model import AdminValue, Citation

if TYPE_CHECKING:  # the builder is passed in; importing it here would be circular
    from .loader import _PackBuilder
    from .model import Pack, Role

FIGURE_COMPARISONS = ("at_least", "at_most", "exactly", "range")
FIELD_TYPES = ("text", "decimal", "integer", "boolean", "choice", "date")
DUE_UNITS = ("working_days", "calendar_days", "months", "years")
MILESTONE_COMPLETION = ("person", "approval")
OUTCOMES = ("none", "pass_fail")
START = "received"  # the milestone every program starts with: the day the application was received


# ----- figures -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    code: str
    name: str
    value: Decimal | AdminValue
    unit: str
    citation: Citation
    comparison: str = "exactly"


def figure_value(pack: Pack, code: str, admin_values: Mapping[str, Decimal] | None = None) -> Decimal:
    """The figure's number: the pack's, or the administrator's for an `admin_set` figure (AdminValueMissing when
    unset — the engine never guesses a figure the regulation leaves open)."""
    figure = pack.figures.get(code)
    if figure is None:
        raise KeyError(f"策略包 {pack.name} 没有数值 {code}（现有：{', '.join(pack.figures) or '无'}）")
    if isinstance(figure.value, AdminValue):
        value = (admin_values or {}).get(figure.value.key)
        if value is None:
            raise AdminValueMissing(code, [(figure.value.key, figure.citation.article, figure.value.purpose)])
        return Decimal(value)
    return figure.value


# ----- applications -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChoice:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ApplicationField:
    code: str
    label: str
    type: str
    required: bool = False
    unit: str | None = None
    choices: tuple[FieldChoice, ...] = ()
    citation: Citation | None = None

    def choice_name(self, code: str) -> str:
        return next((c.name for c in self.choices if c.code == code), code)


@dataclass(frozen=True, slots=True)
class FieldTest:
    """One test on a field: `equals` a value, or at least `min` (含/不含 explicit)."""

    field: str
    equals: Any = None
    min: Decimal | None = None
    min_inclusive: bool = True

    def holds(self, facts: Mapping[str, Any]) -> bool:
        value = facts.get(self.field)
        if self.min is not None:
            if value is None or value == "":
                return False
            number = Decimal(str(value))
            return number >= self.min if self.min_inclusive else number > self.min
        return value == self.equals


@dataclass(frozen=True, slots=True)
class EligibilityRule:
    """A condition of eligibility: every test in `all`, or at least one in `any`."""

    code: str
    label: str
    tests: tuple[FieldTest, ...]
    mode: str  # "all" | "any"
    citation: Citation

    def holds(self, facts: Mapping[str, Any]) -> bool:
        results = (t.holds(facts) for t in self.tests)
        return all(results) if self.mode == "all" else any(results)


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    code: str
    label: str
    met: bool
    article: str
    quote: str | None


@dataclass(frozen=True, slots=True)
class DueRule:
    """When a milestone falls due: `amount` `unit` after milestone `after` (or the amount per value of `by_field`),
    or on a fixed day of the year given by `year_field` (+ `year_offset`)."""

    after: str | None = None
    amount: int | None = None
    unit: str | None = None
    by_field: str | None = None
    amounts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    month: int | None = None
    day: int | None = None
    year_field: str | None = None
    year_offset: int = 0


@dataclass(frozen=True, slots=True)
class Period:
    amount: int
    unit: str


@dataclass(frozen=True, slots=True)
class Validity:
    """How long the milestone's result stays valid (a scheme: 1 year high voltage, 3 months low voltage), and how it
    may be extended: asked at least `request_before_days` days before it ends, at most `max_extensions` times, each
    by at most one validity period."""

    by_field: str | None
    periods: Mapping[str, Period]
    period: Period | None
    ends_with: str | None  # the milestone that ends the validity (受电工程开工)
    request_before_days: int | None
    max_extensions: int
    citation: Citation

    def period_for(self, facts: Mapping[str, Any]) -> Period | None:
        if self.by_field:
            return self.periods.get(str(facts.get(self.by_field)))
        return self.period


@dataclass(frozen=True, slots=True)
class Milestone:
    code: str
    name: str
    role: str | None
    citation: Citation
    requires: tuple[str, ...] = ()
    due: DueRule | None = None
    completed_by: str = "person"
    submits_approval: bool = False
    outcome: str = "none"
    fee_from_attempt: int | None = None
    records: tuple[str, ...] = ()
    validity: Validity | None = None


@dataclass(frozen=True, slots=True)
class ApplicationProgram:
    code: str
    name: str
    citation: Citation
    approval_kind: str | None
    fields: tuple[ApplicationField, ...]
    eligibility: tuple[EligibilityRule, ...]
    milestones: tuple[Milestone, ...]
    form: str | None = None
    requires_program: str | None = None  # the customer must hold a completed application of this program first

    def field(self, code: str) -> ApplicationField | None:
        return next((f for f in self.fields if f.code == code), None)

    def milestone(self, code: str) -> Milestone | None:
        return next((m for m in self.milestones if m.code == code), None)

    def check_eligibility(self, facts: Mapping[str, Any]) -> tuple[EligibilityResult, ...]:
        return tuple(
            EligibilityResult(r.code, r.label, r.holds(facts), r.citation.article, r.citation.quote)
            for r in self.eligibility
        )


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def add_period(
    start: date, amount: int, unit: str, *, add_working_days: Callable[[date, int], date],
    is_working_day: Callable[[date], bool],
) -> date:
    """`amount` `unit` after `start`. The start day is not counted (民法典第二百零一条); a calendar period whose
    last day is not a working day ends on the next working day (第二百零三条); months and years end on the same
    day of the month (the month's last day when it has no such day)."""
    if unit == "working_days":
        return add_working_days(start, amount)
    if unit == "calendar_days":
        end = start + timedelta(days=amount)
    elif unit == "months":
        end = add_months(start, amount)
    elif unit == "years":
        end = add_months(start, 12 * amount)
    else:
        raise ValueError(f"unknown unit {unit}")
    while not is_working_day(end):
        end += timedelta(days=1)
    return end


def validity_end(start: date, period: Period) -> date:
    """The last valid day of a validity period started on `start` (calendar arithmetic, no holiday shift: a
    validity ends when its period ends)."""
    if period.unit == "months":
        return add_months(start, period.amount)
    if period.unit == "years":
        return add_months(start, 12 * period.amount)
    return start + timedelta(days=period.amount)


def milestone_due(
    milestone: Milestone, *, facts: Mapping[str, Any], done_on: Mapping[str, date],
    add_working_days: Callable[[date, int], date], is_working_day: Callable[[date], bool],
) -> date | None:
    """The due date of a milestone, or None when it has no deadline or what it counts from has not happened.
    `done_on` maps milestone codes (and "received") to the day they were done."""
    rule = milestone.due
    if rule is None:
        return None
    if rule.month is not None:
        raw = facts.get(rule.year_field) if rule.year_field else None
        if raw is None or raw == "":
            return None
        year = int(raw) + rule.year_offset
        day = min(rule.day or 1, _calendar.monthrange(year, rule.month)[1])
        return date(year, rule.month, day)
    start = done_on.get(rule.after or START)
    if start is None:
        return None
    amount = rule.amount
    if rule.by_field:
        amount = rule.amounts.get(str(facts.get(rule.by_field)))
        if amount is None:
            return None
    return add_period(start, amount, rule.unit or "working_days", add_working_days=add_working_days,
                      is_working_day=is_working_day)


# ----- builders (called by the loader with its builder, so errors carry file and line) ---------------------------


def build_figures(b: _PackBuilder, root) -> dict[str, Figure]:
    result: dict[str, Figure] = {}
    seen: dict[str, int] = {}
    for item in b.mapping_items(root, "figures", "figures"):
        where = f"figures[{item.get('code', '?')}]"
        before = len(b.issues)
        b.keys(item, where, required=("code", "name", "value", "unit", "article"),
               optional=("comparison", "quote", "note"))
        code = b.text(item, "code", where)
        b.unique(seen, code, item.line, "数值")
        citation = b.citation(item, where)
        value = b.bound(item, "value", where, b.text(item, "name", where) or "", citation.article if citation else None)
        comparison = b.choice(item, "comparison", where, FIGURE_COMPARISONS, "比较方式") or "exactly"
        unit = b.text(item, "unit", where)
        if len(b.issues) == before and code and value is not None and citation and unit:
            result[code] = Figure(code, b.text(item, "name", where) or code, value, unit, citation, comparison)
    return result


def build_applications(b: _PackBuilder, root, roles: Mapping[str, Role], chains: Mapping[str, Any]
                       ) -> dict[str, ApplicationProgram]:
    result: dict[str, ApplicationProgram] = {}
    seen: dict[str, int] = {}
    items = b.mapping_items(root, "applications", "applications")
    for item in items:
        program = _build_program(b, item, roles, chains)
        code = item.get("code") if isinstance(item.get("code"), str) else None
        b.unique(seen, code, item.line, "申请类型")
        if program is not None:
            result[program.code] = program
    for program in result.values():
        if program.requires_program and program.requires_program not in result:
            line = next(i.line_of("requires_program") for i in items if i.get("code") == program.code)
            b.error(line, f"applications[{program.code}].requires_program：未知的申请类型 {program.requires_program!r}")
    return result


def _build_program(b: _PackBuilder, item, roles, chains) -> ApplicationProgram | None:
    where = f"applications[{item.get('code', '?')}]"
    before = len(b.issues)
    b.keys(item, where, required=("code", "name", "fields", "milestones", "article"),
           optional=("approval_kind", "eligibility", "form", "requires_program", "quote", "note"))
    code = b.text(item, "code", where)
    citation = b.citation(item, where)
    approval_kind = b.text(item, "approval_kind", where)
    if approval_kind and approval_kind not in chains:
        b.error(item.line_of("approval_kind"),
                f"{where}.approval_kind：workflows.approval_chains 中没有审批链 {approval_kind!r}")
    fields: list[ApplicationField] = []
    field_seen: dict[str, int] = {}
    for f in b.mapping_items(item, "fields", where, required=True):
        built = _build_field(b, f, where)
        if built is not None:
            b.unique(field_seen, built.code, f.line, f"{where} 的字段")
            fields.append(built)
    by_code = {f.code: f for f in fields}
    rules = [r for r in (_build_rule(b, r, where, by_code) for r in b.mapping_items(item, "eligibility", where)) if r]
    milestones: list[Milestone] = []
    codes: dict[str, int] = {START: item.line}
    for m in b.mapping_items(item, "milestones", where, required=True):
        built = _build_milestone(b, m, where, roles, by_code, codes)
        if built is not None:
            milestones.append(built)
    if approval_kind and not any(m.submits_approval for m in milestones):
        b.error(item.line, f"{where}：有 approval_kind 时须有一个里程碑写明 submits_approval: true（何时报批）")
    if any(m.completed_by == "approval" for m in milestones) and not approval_kind:
        b.error(item.line, f"{where}：completed_by: approval 的里程碑须有 approval_kind")
    if len(b.issues) > before or not (code and citation):
        return None
    return ApplicationProgram(
        code=code, name=b.text(item, "name", where) or code, citation=citation, approval_kind=approval_kind,
        fields=tuple(fields), eligibility=tuple(rules), milestones=tuple(milestones),
        form=b.text(item, "form", where), requires_program=b.text(item, "requires_program", where),
    )


def _build_field(b: _PackBuilder, f, where: str) -> ApplicationField | None:
    sub = f"{where}.fields"
    before = len(b.issues)
    b.keys(f, sub, required=("code", "label", "type"), optional=("required", "unit", "choices", "article", "quote",
                                                                  "note"))
    code = b.text(f, "code", sub)
    kind = b.choice(f, "type", sub, FIELD_TYPES, "字段类型")
    choices = []
    for line, c in b.items(f, "choices", sub):
        m = b.mapping(c, line, f"{sub}.choices 的条目")
        if m is not None:
            b.keys(m, f"{sub}.choices", required=("code", "name"))
            c_code, c_name = b.text(m, "code", sub), b.text(m, "name", sub)
            if c_code and c_name:
                choices.append(FieldChoice(c_code, c_name))
    if kind == "choice" and not choices:
        b.error(f.line, f"{sub}[{code}]：choice 类型须列出 choices")
    if kind != "choice" and "choices" in f:
        b.error(f.line_of("choices"), f"{sub}[{code}].choices 只适用于 choice 类型")
    citation = b.citation(f, sub) if "article" in f else None
    if len(b.issues) > before or not (code and kind):
        return None
    required = bool(b.get(f, "required", (bool,), sub, False))
    return ApplicationField(code, b.text(f, "label", sub) or code, kind, required, b.text(f, "unit", sub),
                            tuple(choices), citation)


def _build_test(b: _PackBuilder, t, where: str, fields: Mapping[str, ApplicationField]) -> FieldTest | None:
    b.keys(t, where, required=("field",), optional=("equals", "min", "min_inclusive"))
    name = b.text(t, "field", where)
    spec = fields.get(name) if name else None
    if name and spec is None:
        b.error(t.line_of("field"), f"{where}：未知的字段 {name!r}")
        return None
    if ("equals" in t) == ("min" in t):
        b.error(t.line, f"{where}：须写 equals 或 min 之一")
        return None
    if "min" in t:
        if "min_inclusive" not in t:
            b.error(t.line, f"{where}：下限须写明 min_inclusive（含本数 true / 不含 false）")
            return None
        if spec is not None and spec.type not in ("decimal", "integer"):
            b.error(t.line_of("min"), f"{where}：字段 {name} 不是数字，不能比较下限")
            return None
        low = b.decimal(t, "min", where)
        inclusive = b.get(t, "min_inclusive", (bool,), where, True)
        return FieldTest(name, min=low, min_inclusive=bool(inclusive)) if name and low is not None else None
    equals = t.get("equals")
    if spec is not None and spec.type == "boolean" and not isinstance(equals, bool):
        b.error(t.line_of("equals"), f"{where}：字段 {name} 为布尔值，equals 须为 true 或 false")
        return None
    if spec is not None and spec.type == "choice" and equals not in {c.code for c in spec.choices}:
        b.error(t.line_of("equals"), f"{where}：字段 {name} 没有选项 {equals!r}")
        return None
    return FieldTest(name, equals=equals) if name else None


def _build_rule(b: _PackBuilder, r, where: str, fields) -> EligibilityRule | None:
    sub = f"{where}.eligibility[{r.get('code', '?')}]"
    before = len(b.issues)
    b.keys(r, sub, required=("code", "label", "article"), optional=("all", "any", "quote", "note"))
    if ("all" in r) == ("any" in r):
        b.error(r.line, f"{sub}：须写 all（同时符合）或 any（符合其一）之一")
        return None
    mode = "all" if "all" in r else "any"
    tests = []
    for t in b.mapping_items(r, mode, sub, required=True):
        test = _build_test(b, t, f"{sub}.{mode}", fields)
        if test is not None:
            tests.append(test)
    code, citation = b.text(r, "code", sub), b.citation(r, sub)
    if len(b.issues) > before or not (code and citation and tests):
        return None
    return EligibilityRule(code, b.text(r, "label", sub) or code, tuple(tests), mode, citation)


def _build_due(b: _PackBuilder, d, where: str, fields, codes: Mapping[str, int]) -> DueRule | None:
    b.keys(d, where, optional=("after", "amount", "unit", "by_field", "amounts", "month", "day", "year_field",
                               "year_offset", "note"))
    if "month" in d:
        for key in ("after", "amount", "unit", "by_field", "amounts"):
            if key in d:
                b.error(d.line_of(key), f"{where}：固定日期（month/day）的时限不能同时写 {key}")
        month = b.integer(d, "month", where, minimum=1)
        day = b.integer(d, "day", where, minimum=1)
        year_field = b.text(d, "year_field", where)
        if month is not None and month > 12:
            b.error(d.line_of("month"), f"{where}.month 须为 1–12")
        if day is None or day > 31:
            b.error(d.line, f"{where}：固定日期须写 day（1–31）")
        if year_field is None or year_field not in fields:
            b.error(d.line, f"{where}：固定日期须用 year_field 指明年度字段（申请的字段之一）")
        return DueRule(month=month, day=day, year_field=year_field,
                       year_offset=b.get(d, "year_offset", (int,), where, 0))
    after = b.text(d, "after", where) or START
    if after not in codes:
        b.error(d.line_of("after") if "after" in d else d.line,
                f"{where}.after：{after!r} 不是前面的里程碑（可用：{', '.join(codes)}）")
    unit = b.choice(d, "unit", where, DUE_UNITS, "时限单位")
    if unit is None and "unit" not in d:
        b.error(d.line, f"{where} 缺少必填项 'unit'")
    by_field = b.text(d, "by_field", where)
    amounts: dict[str, int] = {}
    if by_field:
        spec = fields.get(by_field)
        if spec is None or spec.type != "choice":
            b.error(d.line_of("by_field"), f"{where}.by_field：{by_field!r} 不是 choice 类型的字段")
        m = b.mapping(d.get("amounts"), d.line_of("amounts") if "amounts" in d else d.line, f"{where}.amounts")
        if m is not None:
            for key in m:
                value = m[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    b.error(m.line_of(key), f"{where}.amounts.{key} 应为非负整数")
                elif spec is not None and key not in {c.code for c in spec.choices}:
                    b.error(m.line_of(key), f"{where}.amounts：字段 {by_field} 没有选项 {key!r}")
                else:
                    amounts[key] = value
        if "amount" in d:
            b.error(d.line_of("amount"), f"{where}：by_field 与 amount 只能写一个")
    else:
        if b.integer(d, "amount", where, minimum=0) is None:
            b.error(d.line, f"{where} 缺少必填项 'amount'")
    return DueRule(after=after, amount=b.get(d, "amount", (int,), where), unit=unit, by_field=by_field,
                   amounts=MappingProxyType(amounts))


def _build_period(b: _PackBuilder, p, where: str) -> Period | None:
    m = b.mapping(p, getattr(p, "line", 0), where)
    if m is None:
        return None
    b.keys(m, where, required=("amount", "unit"))
    amount = b.integer(m, "amount", where, minimum=1)
    unit = b.choice(m, "unit", where, ("calendar_days", "months", "years"), "有效期单位")
    return Period(amount, unit) if amount and unit else None


def _build_validity(b: _PackBuilder, v, where: str, fields, codes) -> Validity | None:
    before = len(b.issues)
    b.keys(v, where, required=("article",), optional=("by_field", "periods", "period", "ends_with",
                                                      "request_before_days", "max_extensions", "quote", "note"))
    by_field = b.text(v, "by_field", where)
    periods: dict[str, Period] = {}
    period = None
    if by_field:
        spec = fields.get(by_field)
        if spec is None or spec.type != "choice":
            b.error(v.line_of("by_field"), f"{where}.by_field：{by_field!r} 不是 choice 类型的字段")
        m = b.mapping(v.get("periods"), v.line_of("periods") if "periods" in v else v.line, f"{where}.periods")
        if m is not None:
            for key in m:
                if spec is not None and key not in {c.code for c in spec.choices}:
                    b.error(m.line_of(key), f"{where}.periods：字段 {by_field} 没有选项 {key!r}")
                built = _build_period(b, m[key], f"{where}.periods.{key}")
                if built:
                    periods[key] = built
    elif "period" in v:
        period = _build_period(b, v["period"], f"{where}.period")
    else:
        b.error(v.line, f"{where}：须写 period，或 by_field 与 periods")
    citation = b.citation(v, where)
    if len(b.issues) > before or citation is None:
        return None
    return Validity(by_field, MappingProxyType(periods), period, b.text(v, "ends_with", where),
                    b.integer(v, "request_before_days", where, minimum=0),
                    b.integer(v, "max_extensions", where, minimum=0) or 0, citation)


def _build_milestone(b: _PackBuilder, m, where: str, roles, fields, codes: dict[str, int]) -> Milestone | None:
    sub = f"{where}.milestones[{m.get('code', '?')}]"
    before = len(b.issues)
    b.keys(m, sub, required=("code", "name", "article"),
           optional=("role", "requires", "due", "completed_by", "submits_approval", "outcome", "fee_from_attempt",
                     "records", "validity", "quote", "note"))
    code = b.text(m, "code", sub)
    if code in codes:
        b.error(m.line_of("code"), f"{sub}：里程碑 {code!r} 重复或与起点 {START!r} 同名")
    role = b.text(m, "role", sub)
    if role and roles and role not in roles:
        b.error(m.line_of("role"), f"{sub}.role：未知的角色 {role!r}（须在 org.roles 中声明）")
    requires = []
    for line, r in b.items(m, "requires", sub):
        if not isinstance(r, str) or r not in codes:
            b.error(line, f"{sub}.requires：{r!r} 不是前面的里程碑")
        else:
            requires.append(r)
    due = None
    if "due" in m:
        d = b.mapping(m["due"], m.line_of("due"), f"{sub}.due")
        if d is not None:
            due = _build_due(b, d, f"{sub}.due", fields, codes)
    completed_by = b.choice(m, "completed_by", sub, MILESTONE_COMPLETION, "完成方式") or "person"
    if completed_by == "person" and not role and "completed_by" not in m:
        b.error(m.line, f"{sub}：由人完成的里程碑须写 role（谁来办）")
    outcome = b.choice(m, "outcome", sub, OUTCOMES, "结果方式") or "none"
    fee_from = b.integer(m, "fee_from_attempt", sub, minimum=2)
    if fee_from is not None and outcome != "pass_fail":
        b.error(m.line_of("fee_from_attempt"), f"{sub}.fee_from_attempt 只适用于 outcome: pass_fail（可复验的里程碑）")
    records = [r for _, r in b.items(m, "records", sub) if isinstance(r, str)]
    for r in records:
        if r not in fields:
            b.error(m.line_of("records"), f"{sub}.records：未知的字段 {r!r}")
    validity = None
    if "validity" in m:
        v = b.mapping(m["validity"], m.line_of("validity"), f"{sub}.validity")
        if v is not None:
            validity = _build_validity(b, v, f"{sub}.validity", fields, codes)
    citation = b.citation(m, sub)
    if code:
        codes.setdefault(code, m.line)
    if len(b.issues) > before or not (code and citation):
        return None
    return Milestone(code, b.text(m, "name", sub) or code, role, citation, tuple(requires), due, completed_by,
                     bool(b.get(m, "submits_approval", (bool,), sub, False)), outcome, fee_from, tuple(records),
                     validity)


def check_validity_ends(b: _PackBuilder, root, programs: Mapping[str, ApplicationProgram]) -> None:
    """A validity's `ends_with` must name a milestone of the same program."""
    for program in programs.values():
        codes = {m.code for m in program.milestones}
        for m in program.milestones:
            if m.validity and m.validity.ends_with and m.validity.ends_with not in codes:
                b.error(root.line_of("applications"),
                        f"applications[{program.code}].milestones[{m.code}].validity.ends_with：未知的里程碑 "
                        f"{m.validity.ends_with!r}")


def admin_values_needed(pack: Pack) -> tuple[AdminValue, ...]:
    """Administrator-set figures of these sections (listed on the pack page beside the schemes' own)."""
    return tuple(f.value for f in pack.figures.values() if isinstance(f.value, AdminValue))
