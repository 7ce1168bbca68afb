"""Monthly resource allocation (000 第三条(二): 确保直销量 → 平衡独家代理量 → 补充经销量; 第十条(三)2, (四)3).

Fetch → compute → persist, set-based: five aggregate queries give every customer's demand (the month's demand
plans), its plan history (completion rate, 配合度 = plans submitted on time) and the evenness of its weekly pickups
over the pack's window, for every product group at once; the allocation is computed in memory from those arrays;
the lines are written with COPY (PostgreSQL) or one executemany (SQLite). No query per customer.

Every line keeps the rule, the figures and the article that gave it its quantity (`figures`); the sentence is
built on read (`line_reason`). Hand adjustments lock the allocation row, so the total never exceeds the available
quantity, also when two people adjust at once.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import TRADING_STATUSES, Customer
from kehu.orders.models import Allocation, AllocationAdjustment, AllocationLine, ProductionPlan
from kehu.org.models import User
from kehu.policy.engine import Pack
from kehu.policy.engine.orders import AllocationRules
from kehu.sales.models import DemandPlan, DemandPlanLine, Pickup, Product, ProductGroup

ZERO = Decimal("0")
ONE = Decimal("1")
MILLI = Decimal("0.001")
RATIO = Decimal("0.0001")
MAX_QUANTITY = Decimal("999999999999")

RULE_GUARANTEE_FULL = "guarantee_full"
RULE_GUARANTEE_PRORATA = "guarantee_prorata"
RULE_PRIORITY = "priority"
RULE_NO_CLASS = "no_class"
RULE_NOT_TRADING = "not_trading"
RULE_LABELS = {
    RULE_GUARANTEE_FULL: "确保直销量：全额满足", RULE_GUARANTEE_PRORATA: "确保直销量：可供量不足，按需求比例分配",
    RULE_PRIORITY: "按优先顺序分配", RULE_NO_CLASS: "未设定客户类别，不参与分配",
    RULE_NOT_TRADING: "客户暂停业务或已取消资格，不予分配",
}
MEASURE_LABELS = {"completion_rate": "提货量完成率", "cooperation": "配合度（按时提交计划）",
                  "weekly_evenness": "周拿货量均衡度"}


def parse_month(text: str) -> date:
    """"2026-11" → date(2026, 11, 1); a clear error otherwise."""
    try:
        year, month = (int(p) for p in str(text).strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationError({"month": "月份格式应为 YYYY-MM，如 2026-11。"}) from None


def _add_months(day: date, n: int) -> date:
    y, m = divmod(day.month - 1 + n, 12)
    return date(day.year + y, m + 1, 1)


def allocation_pack() -> tuple[Pack, AllocationRules]:
    from kehu.policy.selectors import active_pack_names, pack_get

    for name in active_pack_names():
        try:
            pack = pack_get(name)
        except Exception:  # noqa: S112 - a broken pack is reported on the pack page
            continue
        if pack.orders is not None and pack.orders.allocation is not None:
            return pack, pack.orders.allocation
    raise ServiceError("没有启用规定资源量分配原则的政策包（如 hb-chemicals 第三条）。", code="allocation_pack_missing")


# ----------------------------------------------------------------------------------------------------- production plan


@transaction.atomic
def production_plan_set(*, actor: User, month: date, product_group: ProductGroup, quantity, note: str = ""
                        ) -> ProductionPlan:
    require_perm(actor, "orders.run_allocation", "您没有录入生产计划的权限。")
    try:
        q = quantity if isinstance(quantity, Decimal) else Decimal(str(quantity).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({"quantity": "请输入可供量。"}) from None
    if not q.is_finite() or q <= 0 or q.as_tuple().exponent < -3 or q > MAX_QUANTITY:
        raise ValidationError({"quantity": "可供量必须大于 0，最多 3 位小数。"})
    plan = ProductionPlan.objects.select_for_update().filter(month=month.replace(day=1), product_group=product_group
                                                             ).first()
    plan = plan or ProductionPlan(month=month.replace(day=1), product_group=product_group)
    plan.quantity, plan.note, plan.set_by = q, (note or "")[:200], actor
    plan._history_user = actor
    plan.save()
    return plan


# ----------------------------------------------------------------------------------------------------- fetch


def _base_quantity_sql(line: str, product: str) -> str:
    """The plan line's quantity in its product's base unit, in SQL (the same conversion as Product.to_base)."""
    return (f"CASE WHEN {line}.unit = {product}.base_unit THEN {line}.quantity "
            f"WHEN {line}.unit = 'kg' THEN {line}.quantity / 1000 "
            f"WHEN {line}.unit = 'L' THEN {line}.quantity * {product}.density_kg_per_l / 1000 "
            f"WHEN {line}.unit = '袋' THEN {line}.quantity * {product}.bag_weight_kg / 1000 ELSE 0 END")


def _dec(value) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass
class Inputs:
    demand: dict[int, dict[int, Decimal]]  # group → customer → quantity in the month
    late: dict[int, bool]  # customer → this month's plan submitted late
    planned: dict[tuple[int, int], Decimal]  # (group, customer) → planned over the window
    picked: dict[tuple[int, int], Decimal]  # (group, customer) → picked over the window
    weekly: dict[tuple[int, int], tuple[Decimal, Decimal]]  # (group, customer) → (Σ week, Σ week²)
    plans: dict[int, tuple[int, int]]  # customer → (plans in the window, on time)
    channel: dict[int, str]
    trading: dict[int, bool]
    weeks: int


def fetch_inputs(*, month: date, group_ids: list[int], window_months: int, dimension: str) -> Inputs:
    """Everything the allocation reads, for all product groups at once: five aggregate queries and one customer
    query (class and status of the customers with demand)."""
    start = _add_months(month, -window_months)
    end = month - timedelta(days=1)
    weeks = (end - start).days // 7 + 1
    line_t, plan_t, product_t = DemandPlanLine._meta.db_table, DemandPlan._meta.db_table, Product._meta.db_table
    pickup_t = Pickup._meta.db_table
    groups = ", ".join(["%s"] * len(group_ids))
    base = _base_quantity_sql("l", "pr")
    demand: dict[int, dict[int, Decimal]] = defaultdict(dict)
    late: dict[int, bool] = {}
    planned: dict[tuple[int, int], Decimal] = {}
    picked: dict[tuple[int, int], Decimal] = {}
    weekly: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    plans: dict[int, tuple[int, int]] = {}
    # Table names are the models' own; every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pr.group_id, p.customer_id, SUM({base}), MAX(CASE WHEN p.is_late THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {line_t} l JOIN {plan_t} p ON p.id = l.plan_id JOIN {product_t} pr ON pr.id = l.product_id "
            f"WHERE p.month = %s AND pr.group_id IN ({groups}) GROUP BY pr.group_id, p.customer_id",
            [month, *group_ids])
        for group_id, customer_id, quantity, is_late in cursor.fetchall():
            q = _dec(quantity).quantize(MILLI)
            if q > 0:
                demand[group_id][customer_id] = q
                late[customer_id] = late.get(customer_id, False) or bool(is_late)
        cursor.execute(
            f"SELECT pr.group_id, p.customer_id, SUM({base}) FROM {line_t} l "  # noqa: S608
            f"JOIN {plan_t} p ON p.id = l.plan_id JOIN {product_t} pr ON pr.id = l.product_id "
            f"WHERE p.month >= %s AND p.month < %s AND pr.group_id IN ({groups}) GROUP BY pr.group_id, p.customer_id",
            [start, month, *group_ids])
        for group_id, customer_id, quantity in cursor.fetchall():
            planned[(group_id, customer_id)] = _dec(quantity)
        cursor.execute(
            f"SELECT customer_id, COUNT(*), SUM(CASE WHEN is_late THEN 0 ELSE 1 END) FROM {plan_t} "  # noqa: S608
            f"WHERE month >= %s AND month < %s GROUP BY customer_id", [start, month])
        for customer_id, n, on_time in cursor.fetchall():
            plans[customer_id] = (int(n), int(on_time or 0))
        if connection.vendor == "postgresql":
            week = "(picked_on - %s::date) / 7"
        else:
            week = "CAST((julianday(picked_on) - julianday(%s)) / 7 AS INTEGER)"
        cursor.execute(
            f"SELECT product_group_id, customer_id, SUM(w), SUM(w * w) FROM ("  # noqa: S608
            f"SELECT product_group_id, customer_id, {week} AS wk, SUM(base_quantity) AS w FROM {pickup_t} "
            f"WHERE picked_on >= %s AND picked_on <= %s AND product_group_id IN ({groups}) "
            f"GROUP BY product_group_id, customer_id, wk) weeks GROUP BY product_group_id, customer_id",
            [start, start, end, *group_ids])
        for group_id, customer_id, total, squares in cursor.fetchall():
            picked[(group_id, customer_id)] = _dec(total)
            weekly[(group_id, customer_id)] = (_dec(total), _dec(squares))
    wanted = {cid for per in demand.values() for cid in per}
    channel: dict[int, str] = {}
    trading: dict[int, bool] = {}
    if wanted:
        key = f"classifications__{dimension}"
        ids = sorted(wanted)
        for chunk_start in range(0, len(ids), 20000):
            chunk = ids[chunk_start:chunk_start + 20000]
            for cid, value, status in Customer.objects.filter(pk__in=chunk).values_list("pk", key, "status"):
                channel[cid] = value if isinstance(value, str) else ""
                trading[cid] = status in TRADING_STATUSES
    return Inputs(demand=dict(demand), late=late, planned=planned, picked=picked, weekly=weekly, plans=plans,
                  channel=channel, trading=trading, weeks=weeks)


# ----------------------------------------------------------------------------------------------------- compute


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(RATIO)


def measures(inputs: Inputs, group_id: int, customer_id: int) -> dict[str, Decimal | None]:
    """Completion rate (picked ÷ planned, at most 1 for ranking), 配合度 (share of plans on time) and weekly
    evenness (1 − coefficient of variation of weekly pickups, at least 0), each 0–1; None without history."""
    planned = inputs.planned.get((group_id, customer_id))
    picked = inputs.picked.get((group_id, customer_id), ZERO)
    completion = _ratio(min(ONE, picked / planned)) if planned else None
    n, on_time = inputs.plans.get(customer_id, (0, 0))
    cooperation = _ratio(Decimal(on_time) / Decimal(n)) if n else None
    evenness = None
    total, squares = inputs.weekly.get((group_id, customer_id), (ZERO, ZERO))
    if total > 0:
        weeks = Decimal(inputs.weeks)
        mean = total / weeks
        variance = max(ZERO, squares / weeks - mean * mean)
        cv = variance.sqrt() / mean
        evenness = _ratio(max(ZERO, ONE - cv))
    raw_completion = _ratio(picked / planned) if planned else None
    return {"completion_rate": completion, "completion_raw": raw_completion, "cooperation": cooperation,
            "weekly_evenness": evenness, "planned": planned, "picked": picked}


@dataclass
class LineRow:
    customer_id: int
    channel: str
    tier: int
    rank: int
    demand: Decimal
    quantity: Decimal
    rule: str
    article: str
    figures: dict


def compute(*, inputs: Inputs, group_id: int, available: Decimal, pack: Pack, rules: AllocationRules
            ) -> list[LineRow]:
    """The allocation of one product group: tiers in the pack's order; a guarantee tier gets its demand in full,
    pro rata when the available quantity is short; a priority tier fills demands in order of the mean of its
    measures (ties by customer id) until the remainder is used up. No query."""
    demand = inputs.demand.get(group_id, {})
    tier_of = {tier.value: i for i, tier in enumerate(rules.tiers, start=1)}
    remaining = available
    rows: list[LineRow] = []
    by_tier: dict[int, list[int]] = defaultdict(list)
    unplaced: list[tuple[int, str]] = []
    for cid in demand:
        ch = inputs.channel.get(cid, "")
        if not inputs.trading.get(cid, False):
            unplaced.append((cid, RULE_NOT_TRADING))
        elif ch in tier_of:
            by_tier[tier_of[ch]].append(cid)
        else:
            unplaced.append((cid, RULE_NO_CLASS))
    for index, tier in enumerate(rules.tiers, start=1):
        members = by_tier.get(index, [])
        if not members:
            continue
        article = f"{pack.name} {tier.citation.article}"
        tier_demand = sum((demand[c] for c in members), ZERO)
        before = remaining
        if tier.rule == "guarantee":
            members.sort()
            full = tier_demand <= remaining
            for rank, cid in enumerate(members, start=1):
                want = demand[cid]
                q = want if full else (want * before / tier_demand).quantize(MILLI, rounding=ROUND_DOWN)
                rows.append(LineRow(cid, tier.value, index, rank, want, q,
                                    RULE_GUARANTEE_FULL if full else RULE_GUARANTEE_PRORATA, article,
                                    {"tier_demand": str(tier_demand), "available_before": str(before),
                                     "late_plan": inputs.late.get(cid, False)}))
                remaining -= q
            continue
        scored = []
        for cid in members:
            m = measures(inputs, group_id, cid)
            values = [m[k] if m[k] is not None else ZERO for k in tier.rank_by]
            score = _ratio(sum(values, ZERO) / Decimal(len(values)))
            scored.append((score, cid, m))
        scored.sort(key=lambda item: (-item[0], item[1]))
        given_before = ZERO
        for rank, (score, cid, m) in enumerate(scored, start=1):
            want = demand[cid]
            q = max(ZERO, min(want, remaining))
            rows.append(LineRow(cid, tier.value, index, rank, want, q, RULE_PRIORITY, article, {
                "score": str(score), "rank_by": list(tier.rank_by),
                **{k: (None if m[k] is None else str(m[k])) for k in tier.rank_by},
                "completion_raw": None if m["completion_raw"] is None else str(m["completion_raw"]),
                "planned": None if m["planned"] is None else str(m["planned"]), "picked": str(m["picked"]),
                "given_before": str(given_before), "available_before": str(before),
                "remaining_before": str(remaining), "late_plan": inputs.late.get(cid, False),
            }))
            remaining -= q
            given_before += q
    for rank, (cid, rule) in enumerate(sorted(unplaced), start=1):
        rows.append(LineRow(cid, inputs.channel.get(cid, ""), 99, rank, demand[cid], ZERO, rule,
                            f"{pack.name} {rules.citation.article}", {"late_plan": inputs.late.get(cid, False)}))
    return rows


def line_reason(line) -> str:
    """The sentence behind a line's quantity: rule, figures, article (built on read from the stored figures)."""
    f = line.figures or {}
    q = f"{Decimal(line.computed):,.3f}".rstrip("0").rstrip(".")
    demand = f"{Decimal(line.demand):,.3f}".rstrip("0").rstrip(".")
    late = "；本月需求计划逾期提交" if f.get("late_plan") else ""
    if line.rule == RULE_GUARANTEE_FULL:
        text = f"确保直销量：需求 {demand}，全额分配 {q}"
    elif line.rule == RULE_GUARANTEE_PRORATA:
        text = (f"确保直销量：直销需求合计 {f.get('tier_demand')} 超过可供量 {f.get('available_before')}，"
                f"按需求比例分配 {q}")
    elif line.rule == RULE_PRIORITY:
        parts = []
        for key in f.get("rank_by", []):
            value = f.get(key)
            parts.append(f"{MEASURE_LABELS.get(key, key)} {'无记录' if value is None else format_percent(value)}")
        completion = ""
        if f.get("planned") is not None:
            completion = f"（前期计划 {Decimal(f['planned']):,.3f}，实提 {Decimal(f['picked']):,.3f}）"
        full = Decimal(line.computed) >= Decimal(line.demand)
        outcome = "全额满足" if full else ("余量不足，部分满足" if Decimal(line.computed) > 0 else "余量已用完，未分配")
        text = (f"第 {line.rank} 名：{'，'.join(parts)}{completion}，综合 {format_percent(f.get('score', '0'))}；"
                f"前序余量 {Decimal(f.get('remaining_before', '0')):,.3f}，需求 {demand}，{outcome} {q}")
    else:
        text = RULE_LABELS.get(line.rule, line.rule)
    return f"{text}{late}（{line.article}）"


def format_percent(value) -> str:
    return f"{Decimal(str(value)) * 100:.1f}%"


# ----------------------------------------------------------------------------------------------------- persist


LINE_COLUMNS = ("allocation_id", "customer_id", "channel", "tier", "rank", "demand", "computed", "quantity", "rule",
                "article", "figures", "adjusted")


def _copy_lines(rows: list[tuple]) -> None:
    if not rows:
        return
    table = AllocationLine._meta.db_table
    cols = ", ".join(LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(LINE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


@dataclass(frozen=True)
class RunResult:
    allocations: list[Allocation]
    lines: int
    fetch_ms: int
    compute_ms: int
    write_ms: int


def allocation_run(*, actor: User | None, month: date, product_group: ProductGroup | None = None,
                   replace: bool = False) -> RunResult:
    """Allocate the month for every product group with a production plan (or the one given), in one transaction.
    An allocation that exists is refused unless `replace` (its hand adjustments are then discarded)."""
    if actor is not None:
        require_perm(actor, "orders.run_allocation", "您没有执行资源量分配的权限。")
    month = month.replace(day=1)
    pack, rules = allocation_pack()
    plans = ProductionPlan.objects.filter(month=month).select_related("product_group")
    if product_group is not None:
        plans = plans.filter(product_group=product_group)
    plans = list(plans.order_by("product_group__code"))
    if not plans:
        raise ValidationError({"month": f"{month:%Y年%m月}没有录入生产计划（可供量），无法分配。"})
    t0 = time.perf_counter()
    with transaction.atomic():
        existing = {a.product_group_id: a for a in Allocation.objects.select_for_update().filter(
            month=month, product_group__in=[p.product_group_id for p in plans])}
        if existing and not replace:
            names = "、".join(p.product_group.name for p in plans if p.product_group_id in existing)
            raise ValidationError({"replace": f"{month:%Y年%m月}的{names}已经分配；"
                                              "如需重新计算请选择覆盖（手工调整将被清除）。"})
        inputs = fetch_inputs(month=month, group_ids=[p.product_group_id for p in plans],
                              window_months=rules.window_months, dimension=rules.dimension)
        t1 = time.perf_counter()
        computed = {p.product_group_id: compute(inputs=inputs, group_id=p.product_group_id, available=p.quantity,
                                                pack=pack, rules=rules) for p in plans}
        t2 = time.perf_counter()
        now = timezone.now()
        if existing:
            AllocationLine.objects.filter(allocation__in=existing.values()).delete()
        allocations = []
        rows: list[tuple] = []
        dumps = json.dumps
        for plan in plans:
            lines = computed[plan.product_group_id]
            allocated = sum((r.quantity for r in lines), ZERO)
            demand_total = sum((r.demand for r in lines), ZERO)
            allocation = existing.get(plan.product_group_id) or Allocation(month=month,
                                                                           product_group=plan.product_group)
            allocation.available, allocation.allocated, allocation.demand = plan.quantity, allocated, demand_total
            allocation.customers, allocation.pack_name, allocation.pack_version = len(lines), pack.name, pack.version
            allocation.computed_by, allocation.computed_at = actor, now
            allocation.compute_ms = int((t2 - t0) * 1000)
            allocation.save()
            allocations.append(allocation)
            pk = allocation.pk
            rows.extend((pk, r.customer_id, r.channel, r.tier, r.rank, r.demand, r.quantity, r.quantity, r.rule,
                         r.article, dumps(r.figures, ensure_ascii=False), False) for r in lines)
        _copy_lines(rows)
        t3 = time.perf_counter()
    return RunResult(allocations=allocations, lines=len(rows), fetch_ms=int((t1 - t0) * 1000),
                     compute_ms=int((t2 - t1) * 1000), write_ms=int((t3 - t2) * 1000))


# ----------------------------------------------------------------------------------------------------- adjust


@transaction.atomic
def allocation_adjust(*, actor: User, line_id: int, quantity, reason: str) -> AllocationLine:
    """Change one customer's allocated quantity by hand, with a reason. The allocation row is locked first, so
    two adjustments at once are serialised and the total never exceeds the available quantity."""
    require_perm(actor, "orders.run_allocation", "您没有调整资源量分配的权限。")
    reason = (reason or "").strip()
    try:
        q = quantity if isinstance(quantity, Decimal) else Decimal(str(quantity).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({"quantity": "请输入分配量。"}) from None
    if not q.is_finite() or q < 0 or q.as_tuple().exponent < -3 or q > MAX_QUANTITY:
        raise ValidationError({"quantity": "分配量不能为负数，最多 3 位小数。"})
    if not reason:
        raise ValidationError({"reason": "请填写调整理由。"})
    allocation_id = AllocationLine.objects.filter(pk=line_id).values_list("allocation_id", flat=True).first()
    if allocation_id is None:
        from kehu.core.errors import ScopeError

        raise ScopeError("分配明细不存在。")
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    line = AllocationLine.objects.select_for_update().get(pk=line_id)
    others = allocation.allocated - line.quantity
    if others + q > allocation.available:
        most = allocation.available - others
        raise ValidationError({"quantity": (
            f"超过可供量：可供 {allocation.available:,.3f}，其他客户已分配 {others:,.3f}，"
            f"该客户最多可分配 {most:,.3f}。")})
    AllocationAdjustment.objects.create(line=line, old_quantity=line.quantity, new_quantity=q, reason=reason,
                                        actor=actor)
    line.quantity, line.adjusted = q, True
    line.save(update_fields=["quantity", "adjusted"])
    allocation.allocated = others + q
    allocation.save(update_fields=["allocated"])
    return line
