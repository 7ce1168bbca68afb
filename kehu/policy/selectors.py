"""Reads: packs (parsed once per file version), administrator values, grades with their reasons, movers, benefits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from kehu.core.errors import ServiceError
from kehu.customers.models import Customer
from kehu.customers.selectors import customer_scope_q, customer_visible_q
from kehu.policy.engine import (
    EvaluationError,
    Override,
    Pack,
    PackError,
    Term,
    benefits_for,
    dimension_benefits_for,
    load_pack,
    result_from_stored,
)
from kehu.policy.engine.model import BENEFIT_FIELDS
from kehu.policy.engine.model import AdminValue as PackAdminValue
from kehu.policy.engine.sections import admin_values_needed as section_admin_values
from kehu.policy.models import AdminValue, CurrentGrade, Direction, GradeAssignment, GradeOverride, PackActivation

# ----- packs ------------------------------------------------------------------------------------------------------

_CACHE: dict[str, tuple[tuple[int, int], Pack]] = {}
_LOCK = threading.Lock()


def policy_dir() -> Path:
    return Path(settings.KEHU_POLICY_DIR)


def pack_files() -> dict[str, Path]:
    directory = policy_dir()
    if not directory.is_dir():
        return {}
    return {p.stem: p for p in sorted(directory.iterdir()) if p.suffix in (".yaml", ".yml") and p.is_file()}


class PackNotFound(ServiceError):
    status_code = 404
    code = "not_found"


def pack_get(name: str) -> Pack:
    """The parsed pack `name`; re-parsed only when its file changes. Raises PackNotFound or PackError."""
    path = pack_files().get(name)
    if path is None:
        raise PackNotFound(f"政策包“{name}”不存在（可用：{'、'.join(pack_files()) or '无'}）。", field="pack")
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        cached = _CACHE.get(name)
        if cached and cached[0] == stamp:
            return cached[1]
    pack = load_pack(path)
    with _LOCK:
        _CACHE[name] = (stamp, pack)
    return pack


@dataclass(frozen=True)
class PackListing:
    name: str
    path: str
    pack: Pack | None
    errors: tuple[str, ...] = ()
    is_active: bool = False


def pack_listings() -> list[PackListing]:
    """Every pack file, loaded or with its validation errors (file:line: problem)."""
    active = set(active_pack_names())
    out = []
    for name, path in pack_files().items():
        try:
            out.append(PackListing(name, str(path), pack_get(name), is_active=name in active))
        except PackError as exc:
            out.append(PackListing(name, str(path), None, tuple(str(i) for i in exc.issues), name in active))
    return out


def active_pack_names() -> list[str]:
    """The packs the company applies; the default pack when an administrator has chosen none."""
    rows = list(PackActivation.objects.values_list("pack_name", "is_active"))
    if not rows:
        return [settings.KEHU_DEFAULT_PACK]
    return [name for name, active in rows if active]


def default_pack_name() -> str:
    names = active_pack_names()
    return names[0] if names else settings.KEHU_DEFAULT_PACK


def dimension_names() -> dict[str, str]:
    """{dimension code: name} over the packs the company applies (结算方式 for settlement …), for showing a customer's
    classifications by name. One query (the active packs); packs that fail to load are skipped."""
    names: dict[str, str] = {}
    for pack_name in active_pack_names():
        pack = _safe_pack(pack_name)
        if pack is not None:
            for code, dimension in pack.dimensions.items():
                names.setdefault(code, dimension.name)
    return names


# ----- administrator values ---------------------------------------------------------------------------------------


def admin_values_for(pack_name: str) -> dict[str, Decimal]:
    return dict(AdminValue.objects.filter(pack_name=pack_name).values_list("key", "value"))


def pack_admin_slots(pack: Pack) -> list[PackAdminValue]:
    """Every figure the pack leaves to the administrator (thresholds, weights, coefficients, visit counts)."""
    found: dict[str, PackAdminValue] = {}
    for scheme in pack.schemes.values():
        for value in scheme.admin_values_needed():
            found.setdefault(value.key, value)
    for visit in pack.workflows.visit_frequency:
        if isinstance(visit.visits_per_year, PackAdminValue):
            found.setdefault(visit.visits_per_year.key, visit.visits_per_year)
    for value in pack.workflows.admin_values_needed():
        found.setdefault(value.key, value)
    for value in section_admin_values(pack):
        found.setdefault(value.key, value)
    return list(found.values())


@dataclass(frozen=True)
class AdminSlot:
    key: str
    purpose: str
    article: str
    allowed_min: Decimal | None
    allowed_max: Decimal | None
    value: Decimal | None
    set_by: str
    set_at: Any


def admin_slots(pack_name: str) -> list[AdminSlot]:
    pack = pack_get(pack_name)
    stored = {
        row.key: row for row in AdminValue.objects.filter(pack_name=pack_name).select_related("set_by")
    }
    out = []
    for slot in pack_admin_slots(pack):
        row = stored.get(slot.key)
        out.append(AdminSlot(
            slot.key, slot.purpose, slot.article, slot.allowed_min, slot.allowed_max,
            row.value if row else None, str(row.set_by) if row and row.set_by else "", row.set_at if row else None,
        ))
    return out


# ----- grades -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricLine:
    code: str
    label: str
    value: str
    unit: str


@dataclass(frozen=True)
class ThresholdLine:
    grade: str
    grade_name: str
    phrase: str
    article: str
    quote: str
    is_current: bool


@dataclass
class GradeExplanation:
    """Why a customer has its grade in one scheme: the answer to "why is this customer 二星?"."""

    pack_name: str
    pack_title: str
    scheme_code: str
    scheme_name: str
    period: str
    grade: str | None
    grade_name: str
    previous_grade: str | None
    previous_grade_name: str
    direction: str
    metrics: list[MetricLine]
    rule: str
    article: str
    quote: str
    explanation: str
    to_next: str
    to_previous: str
    thresholds: list[ThresholdLine]
    override: dict | None
    pack_version: str
    computed_at: Any
    stale_pack: bool
    history: list[dict] = field(default_factory=list)


def _threshold_lines(pack: Pack, scheme_code: str, grade: str | None) -> list[ThresholdLine]:
    scheme = pack.schemes.get(scheme_code)
    if scheme is None:
        return []
    lines = []
    for criterion in scheme.criteria:
        metric = scheme.metric(criterion.metric)
        for t in reversed(criterion.thresholds):
            phrase = t.phrase or _range_text(t, metric.unit)
            lines.append(ThresholdLine(t.grade, scheme.grade_name(t.grade), f"{metric.label}：{phrase}",
                                       t.citation.article, t.citation.quote or "", t.grade == grade))
    for condition in scheme.conditions:
        lines.append(ThresholdLine(condition.grade, scheme.grade_name(condition.grade), condition.label,
                                   condition.citation.article, condition.citation.quote or "",
                                   False))
    if scheme.distribution:
        for band in scheme.distribution.bands:
            share = f"{band.share_percent}%" if band.share_percent is not None else (
                f"前{band.top}名" if band.top else "其余")
            lines.append(ThresholdLine(band.grade, scheme.grade_name(band.grade), f"按排名：{share}",
                                       scheme.distribution.citation.article,
                                       scheme.distribution.citation.quote or "", band.grade == grade))
    return lines


def _bound_text(bound) -> str:
    if isinstance(bound, PackAdminValue):
        return f"〔管理员设定：{bound.purpose}〕"
    return format(bound.normalize(), ",f")


def _range_text(t, unit: str | None) -> str:
    parts = []
    if t.min is not None:
        parts.append(f"{'≥' if t.min_inclusive else '>'}{_bound_text(t.min)}")
    if t.max is not None:
        parts.append(f"{'≤' if t.max_inclusive else '<'}{_bound_text(t.max)}")
    return (" 且 ".join(parts) or "任意") + (f" {unit}" if unit else "")


def _metric_lines(pack: Pack | None, scheme_code: str, metrics: dict) -> list[MetricLine]:
    scheme = pack.schemes.get(scheme_code) if pack else None
    out = []
    for code, value in metrics.items():
        label, unit = code, ""
        if scheme:
            try:
                m = scheme.metric(code)
                label, unit = m.label, m.unit or ""
            except KeyError:
                pass
        try:
            shown = format(Decimal(value).normalize(), ",f")
        except ArithmeticError:
            shown = str(value)
        out.append(MetricLine(code, label, shown, unit))
    return out


def _grade_name(pack: Pack | None, scheme_code: str, grade: str | None) -> str:
    if grade is None:
        return "未评级"
    scheme = pack.schemes.get(scheme_code) if pack else None
    return scheme.grade_name(grade) if scheme else grade


def _safe_pack(name: str) -> Pack | None:
    try:
        return pack_get(name)
    except (PackError, ServiceError):
        return None


def assignment_texts(a: GradeAssignment) -> tuple[str, str, str]:
    """(explanation, to_next, to_previous) of a stored assignment whose texts were not stored: rebuilt from its
    grade, previous and reached grade, rule, metrics and override with the pack's engine. No query unless the
    assignment has an override that was not loaded with it."""
    pack = _safe_pack(a.pack_name)
    scheme = pack.schemes.get(a.scheme_code) if pack else None
    if scheme is None:
        return ("", "", "")
    override = None
    if a.rule == "override" and a.override_id:
        o = a.override
        approver = o.approver
        override = Override(grade=o.grade, reason=o.reason,
                            approver=getattr(approver, "display_name", "") or approver.get_username(),
                            approved_on=o.approved_on.isoformat() if o.approved_on else None)
    try:
        metrics = {code: Decimal(str(value)) for code, value in (a.metrics or {}).items()}
        result = result_from_stored(
            scheme, customer_id=a.customer_id, period=a.period, grade=a.grade, previous_grade=a.previous_grade,
            reached_grade=a.reached_grade, metrics=metrics, rule=a.rule, override=override,
        )
        return (result.explanation, result.to_next, result.to_previous)
    except (EvaluationError, ArithmeticError, KeyError, TypeError, ValueError):
        # The pack changed since (a grade or condition no longer exists): say so rather than fail the page.
        note = "政策包已变更，无法按原规则重建说明"
        return (note, note, note)


def customer_grade_explanations(customer: Customer, *, history: int = 6) -> list[GradeExplanation]:
    """Every current grade of the customer with metrics, thresholds, article, quote and what would move it.

    Three queries whatever the number of schemes: current grades, their assignments and recent history, overrides.
    """
    current = list(CurrentGrade.objects.filter(customer=customer).order_by("pack_name", "scheme_code"))
    if not current:
        return []
    keys = {(c.pack_name, c.scheme_code) for c in current}
    assignments = list(
        GradeAssignment.objects.filter(customer=customer, pack_name__in={k[0] for k in keys})
        .select_related("override__approver").order_by("pack_name", "scheme_code", "-period")
    )
    by_key: dict[tuple[str, str], list[GradeAssignment]] = {}
    for a in assignments:
        by_key.setdefault((a.pack_name, a.scheme_code), []).append(a)
    out = []
    for c in current:
        rows = by_key.get((c.pack_name, c.scheme_code), [])
        a = next((r for r in rows if r.period == c.period), None)
        if a is None:
            continue
        pack = _safe_pack(c.pack_name)
        scheme = pack.schemes.get(c.scheme_code) if pack else None
        override = None
        if a.override_id:
            o = a.override
            override = {"grade": o.grade, "reason": o.reason, "approver": str(o.approver),
                        "approved_on": o.approved_on, "revoked": o.revoked_at is not None}
        out.append(GradeExplanation(
            pack_name=c.pack_name, pack_title=pack.title if pack else c.pack_name, scheme_code=c.scheme_code,
            scheme_name=scheme.name if scheme else c.scheme_code, period=a.period, grade=a.grade,
            grade_name=_grade_name(pack, c.scheme_code, a.grade), previous_grade=a.previous_grade,
            previous_grade_name=_grade_name(pack, c.scheme_code, a.previous_grade) if a.previous_grade else "",
            direction=a.direction, metrics=_metric_lines(pack, c.scheme_code, a.metrics), rule=a.rule,
            article=a.article, quote=a.quote, explanation=a.explanation, to_next=a.to_next,
            to_previous=a.to_previous, thresholds=_threshold_lines(pack, c.scheme_code, a.grade) if pack else [],
            override=override, pack_version=a.pack_version, computed_at=a.computed_at,
            stale_pack=bool(pack and pack.version != a.pack_version),
            history=[
                {"period": r.period, "grade": r.grade, "grade_name": _grade_name(pack, c.scheme_code, r.grade),
                 "direction": r.direction, "rule": r.rule, "article": r.article}
                for r in rows[:history]
            ],
        ))
    return out


def customer_grade(customer: Customer | int, scheme_code: str, *, pack_name: str | None = None) -> str | None:
    """The customer's current grade code in `scheme_code` (of the given or the first active pack having it)."""
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    qs = CurrentGrade.objects.filter(customer_id=customer_id, scheme_code=scheme_code)
    qs = qs.filter(pack_name=pack_name) if pack_name else qs.filter(pack_name__in=active_pack_names())
    return qs.order_by("pack_name").values_list("grade", flat=True).first()


def grades_in_period(
    *, pack_name: str, scheme_code: str, period: str, customer_ids: list[int] | None = None
) -> dict[int, str | None]:
    """{customer_id: grade} in force in `period` (a period key of the scheme's cadence, e.g. "2026-10"): the grade
    graded for that period, or — for a customer not graded then (suspended, churned) — the latest earlier one. For
    the whole population (`customer_ids=None`) or the given customers; customers never graded by then are absent.
    Two queries whatever the number of customers: the period's rows, then the latest earlier row of the customers
    the period lacks. What the 附录5 monthly grade table lists per customer and month."""
    rows = GradeAssignment.objects.filter(pack_name=pack_name, scheme_code=scheme_code)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    out: dict[int, str | None] = dict(
        rows.filter(period=period).values_list("customer_id", "grade").iterator(chunk_size=10000))
    earlier = (rows.filter(period__lt=period)
               .exclude(customer_id__in=rows.filter(period=period).values("customer_id"))
               .order_by("customer_id", "-period").values_list("customer_id", "grade"))
    for customer_id, grade in earlier.iterator(chunk_size=10000):
        out.setdefault(customer_id, grade)
    return out


def grade_in_period(customer: Customer | int, *, pack_name: str, scheme_code: str, period: str) -> str | None:
    """The customer's grade in force in `period` (see grades_in_period); None when not graded by then. One query."""
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    return (GradeAssignment.objects.filter(customer_id=customer_id, pack_name=pack_name, scheme_code=scheme_code,
                                           period__lte=period)
            .order_by("-period").values_list("grade", flat=True).first())


# ----- benefits ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerBenefits:
    """A customer's terms under a pack, each with the article that grants it. Other apps read this only."""

    pack_name: str
    grades: dict[str, str | None]  # scheme → grade the terms come from
    discount_cap_percent: Term | None = None
    surcharge_percent: Term | None = None
    payment_terms: Term | None = None
    credit_limit: Term | None = None
    lead_time_days: Term | None = None
    order_priority: Term | None = None
    rush_orders: Term | None = None
    inquiry_response_hours: Term | None = None
    visits_per_year: Term | None = None
    management_level: Term | None = None
    owner_org_unit: Term | None = None
    extra: tuple[Term, ...] = ()
    adjustments: tuple[str, ...] = ()

    @property
    def owning_level(self) -> Term | None:
        return self.management_level

    def as_dict(self) -> dict[str, Any]:
        def term(t: Term | None):
            if t is None:
                return None
            return {"value": t.value if not isinstance(t.value, Decimal) else str(t.value),
                    "article": t.citation.article, "quote": t.citation.quote}

        out = {"pack": self.pack_name, "grades": self.grades}
        for name in BENEFIT_FIELDS:
            out[name] = term(getattr(self, name))
        out["extra"] = [term(t) for t in self.extra]
        out["adjustments"] = list(self.adjustments)
        return out


def customer_benefits(*, customer: Customer, pack_name: str | None = None) -> CustomerBenefits:
    """The terms the customer's current grades (and classifications) earn. Two queries; no threshold logic here."""
    pack_name = pack_name or default_pack_name()
    pack = pack_get(pack_name)
    current = {
        c.scheme_code: c for c in CurrentGrade.objects.filter(customer=customer, pack_name=pack_name)
    }
    metrics: dict[tuple[str, str], dict] = {}
    if current:
        for scheme_code, period, values in GradeAssignment.objects.filter(
            customer=customer, pack_name=pack_name,
            scheme_code__in=list(current), period__in={c.period for c in current.values()},
        ).values_list("scheme_code", "period", "metrics"):
            metrics[(scheme_code, period)] = values
    values: dict[str, Any] = {}
    extra: list[Term] = []
    adjustments: list[str] = []
    grades: dict[str, str | None] = {}
    for scheme_code in pack.schemes:
        c = current.get(scheme_code)
        if c is None or c.grade is None:
            continue
        grades[scheme_code] = c.grade
        raw = metrics.get((scheme_code, c.period)) or {}
        decimals = {}
        for k, v in raw.items():
            try:
                decimals[k] = Decimal(str(v))
            except ArithmeticError:
                continue
        try:
            b = benefits_for(pack, scheme_code, c.grade, decimals)
        except EvaluationError:  # a grade from an older pack version: no terms rather than a 500
            continue
        for name in BENEFIT_FIELDS:
            term = getattr(b, name)
            if term is not None and name not in values:
                values[name] = term
        extra.extend(b.extra)
        adjustments.extend(b.adjustments)
    for dimension_code, value in (customer.classifications or {}).items():
        if dimension_code not in pack.dimensions:
            continue
        for single in value if isinstance(value, list) else [value]:
            try:
                terms = dimension_benefits_for(pack, dimension_code, single)
            except EvaluationError:  # a stale classification value: no terms
                continue
            for name, term in terms.items():
                if name == "extra":
                    extra.extend(term if isinstance(term, tuple | list) else [term])
                elif name in BENEFIT_FIELDS and name not in values:
                    values[name] = term
    return CustomerBenefits(pack_name=pack_name, grades=grades, extra=tuple(extra), adjustments=tuple(adjustments),
                            **values)


# ----- movers -----------------------------------------------------------------------------------------------------


def latest_period(pack_name: str, scheme_code: str | None = None) -> str | None:
    qs = GradeAssignment.objects.filter(pack_name=pack_name)
    if scheme_code:
        qs = qs.filter(scheme_code=scheme_code)
    return qs.order_by("-period").values_list("period", flat=True).first()


def grade_movers(
    *, actor, pack_name: str, period: str | None = None, scheme_code: str | None = None, direction: str | None = None
) -> QuerySet[GradeAssignment]:
    """Customers whose grade moved up or down in the period, limited to what the actor may see."""
    from kehu.policy.periods import parse_period

    period = period or latest_period(pack_name, scheme_code)
    if period is None:
        return GradeAssignment.objects.none()
    parsed = parse_period(period)
    keys = {parsed.containing(kind).key for kind in ("month", "quarter", "half_year", "year")
            if parsed.containing(kind).start <= parsed.start}
    qs = GradeAssignment.objects.filter(
        pack_name=pack_name, period__in=keys, direction__in=[Direction.UP, Direction.DOWN]
    )
    visible = _visible_q(actor)
    if visible:
        qs = qs.filter(customer__in=Customer.objects.filter(visible).values("pk"))
    if scheme_code:
        qs = qs.filter(scheme_code=scheme_code)
    if direction in (Direction.UP, Direction.DOWN):
        qs = qs.filter(direction=direction)
    return qs.select_related("customer", "customer__owner", "override__approver").order_by(
        "scheme_code", "direction", "customer__code"
    )


def _visible_q(actor):
    """customer_visible_q, except that an all-customers scope (an empty Q) stays all: `Q() | X` is X in Django."""
    own = customer_scope_q(actor)
    return own if not own else customer_visible_q(actor)


def active_overrides(customer: Customer) -> QuerySet[GradeOverride]:
    return GradeOverride.objects.filter(customer=customer, revoked_at__isnull=True).select_related("approver")
