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

import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import TRADING_STATUSES, Customer
from kehu.orders.models import Allocation, AllocationAdjustment, AllocationLine, ProductionPlan
from kehu.org.models import User
from kehu.policy.engine import Pack, PackError
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
        except (PackError, ServiceError):  # a broken or missing pack is reported on the pack page
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


def _lo(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"MIN({a}, {b})"


def _hi(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"MAX({a}, {b})"


def input_queries(*, month: date, group_ids: list[int], window_months: int) -> dict[str, tuple[str, list]]:
    """The four aggregates the allocation reads (run bare by bench/allocation_bench.py, and the CTEs of the
    allocation itself): the month's demand per group and customer, the window's plans per group and customer, the
    window's plans per customer (on time or late), and pickups per group and customer as Σ week and Σ week²."""
    start = _add_months(month, -window_months)
    end = month - timedelta(days=1)
    line_t, plan_t, product_t = DemandPlanLine._meta.db_table, DemandPlan._meta.db_table, Product._meta.db_table
    pickup_t = Pickup._meta.db_table
    groups = ", ".join(["%s"] * len(group_ids))
    base = _base_quantity_sql("l", "pr")
    week = ("(picked_on - %s::date) / 7" if connection.vendor == "postgresql"
            else "CAST((julianday(picked_on) - julianday(%s)) / 7 AS INTEGER)")
    weeks = (end - start).days // 7 + 1
    # The weekly sums only measure evenness (a ranking measure kept to 4 places): double precision, each row added
    # to its own week only (FILTER). Fourteen NUMERIC sums per customer and group made the aggregate's state too
    # big for memory (it spilled in 21 batches) and added 13 zeros per pickup. The total stays exact (NUMERIC).
    real = "double precision" if connection.vendor == "postgresql" else "REAL"
    week_sums = ", ".join(f"SUM(q) FILTER (WHERE wk = {k}) AS w{k}" for k in range(weeks))
    squares = " + ".join(f"COALESCE(w{k} * w{k}, 0)" for k in range(weeks))
    # Table names are the models' own; every value is a parameter.
    return {
        "demand": (
            f"SELECT pr.group_id AS group_id, p.customer_id AS customer_id, SUM({base}) AS demand, "  # noqa: S608
            f"MAX(CASE WHEN p.is_late THEN 1 ELSE 0 END) AS late_plan "
            f"FROM {line_t} l JOIN {plan_t} p ON p.id = l.plan_id JOIN {product_t} pr ON pr.id = l.product_id "
            f"WHERE p.month = %s AND pr.group_id IN ({groups}) GROUP BY pr.group_id, p.customer_id",
            [month, *group_ids]),
        "planned": (
            f"SELECT pr.group_id AS group_id, p.customer_id AS customer_id, SUM({base}) AS planned "  # noqa: S608
            f"FROM {line_t} l JOIN {plan_t} p ON p.id = l.plan_id JOIN {product_t} pr ON pr.id = l.product_id "
            f"WHERE p.month >= %s AND p.month < %s AND pr.group_id IN ({groups}) "
            f"GROUP BY pr.group_id, p.customer_id",
            [start, month, *group_ids]),
        "plans": (
            f"SELECT customer_id, COUNT(*) AS n, SUM(CASE WHEN is_late THEN 0 ELSE 1 END) AS on_time "  # noqa: S608
            f"FROM {plan_t} WHERE month >= %s AND month < %s GROUP BY customer_id", [start, month]),
        # Σ week and Σ week² in one pass: a filtered sum per week of the window (13 or 14 for a quarter), so the
        # pickups are grouped once per customer and group instead of once per week and again.
        "weekly": (
            f"SELECT group_id, customer_id, total, total_real, {squares} AS squares FROM ("  # noqa: S608
            f"SELECT product_group_id AS group_id, customer_id, SUM(base_quantity) AS total, "
            f"SUM(q) AS total_real, {week_sums} "
            f"FROM (SELECT product_group_id, customer_id, base_quantity, CAST(base_quantity AS {real}) AS q, "
            f"{week} AS wk FROM {pickup_t} "
            f"WHERE picked_on >= %s AND picked_on <= %s AND product_group_id IN ({groups})) x "
            f"GROUP BY product_group_id, customer_id) a",
            [start, start, end, *group_ids]),
    }


MEASURES = ("completion_rate", "cooperation", "weekly_evenness")


def allocation_insert_sql(*, month: date, plans: list[tuple[int, int, Decimal]], pack: Pack,
                          rules: AllocationRules) -> list[tuple[str, list]]:
    """One INSERT … SELECT that allocates every product group of the month: the inputs as CTEs, the measures,
    the rank within each class (window functions), what each class may still get, and each line's quantity.

    `plans` are (product group id, allocation id, available). A class's remainder is the available quantity less
    the demand of the classes before it (never below 0): each earlier class took its demand or whatever was left.
    A guarantee class gets its demand, pro rata (rounded down to 0.001) when it exceeds the remainder; a priority
    class fills demands in rank order (score = mean of its measures, ties by customer id)."""
    pg = connection.vendor == "postgresql"
    queries = input_queries(month=month, group_ids=[g for g, _, _ in plans], window_months=rules.window_months)
    start = _add_months(month, -rules.window_months)
    weeks = ((month - timedelta(days=1)) - start).days // 7 + 1
    params: list = []
    values = ", ".join("(%s, %s, %s)" for _ in plans)
    for group_id, allocation_id, available in plans:
        params += [group_id, allocation_id, available]
    if pg:
        ctes = ["plan(group_id, allocation_id, available) AS (SELECT a::bigint, b::bigint, c::numeric FROM "  # noqa: S608 - names are module constants, values parameters
                f"(VALUES {values}) v(a, b, c))"]
    else:
        ctes = [f"plan(group_id, allocation_id, available) AS (VALUES {values})"]
    for name in ("demand", "planned", "plans", "weekly"):
        sql, p = queries[name]
        ctes.append(f"{name} AS ({sql})")
        params += p
    channel = "c.classifications ->> %s" if pg else "json_extract(c.classifications, %s)"
    channel_param = rules.dimension if pg else f'$."{rules.dimension}"'
    statuses = sorted(TRADING_STATUSES)
    status_marks = ", ".join(["%s"] * len(statuses))
    tier_case = " ".join(f"WHEN x.channel = %s THEN {i}" for i, _ in enumerate(rules.tiers, start=1))
    fence = "OFFSET 0" if pg else "LIMIT -1 OFFSET 0"
    # Class, order of allocation and trading status once per customer (OFFSET 0 keeps the planner from repeating
    # the JSON lookup in every comparison of every customer's lines).
    ctes.append(
        f"cust AS (SELECT x.id, x.channel, CASE WHEN x.status NOT IN ({status_marks}) THEN 99 {tier_case} "  # noqa: S608 - names are module constants, values parameters
        f"ELSE 99 END AS tier, CASE WHEN x.status NOT IN ({status_marks}) THEN '{RULE_NOT_TRADING}' END AS blocked "
        f"FROM (SELECT c.id, c.status, COALESCE({channel}, '') AS channel FROM {Customer._meta.db_table} c "
        f"{fence}) x {fence})")
    params += [*statuses, *(tier.value for tier in rules.tiers), *statuses, channel_param]
    # The measures only rank customers and are stored to 4 places: double precision, not NUMERIC (PostgreSQL's
    # NUMERIC square roots and divisions cost seconds over 300,000 rows). Quantities stay NUMERIC.
    real = "double precision" if pg else "REAL"
    total, squares, planned = "w.total_real", "w.squares", f"CAST(pl.planned AS {real})"
    mean = f"({total} / {weeks})"
    variance = _hi("0", f"{squares} / {weeks} - {mean} * {mean}")
    evenness = _hi("0", f"1 - SQRT({variance}) / {mean}")
    completion = _lo("1", f"COALESCE({total}, 0) / {planned}")
    ctes.append(
        "base AS (SELECT d.group_id, d.customer_id, d.demand, d.late_plan, c.channel, c.tier, c.blocked, "  # noqa: S608 - names are module constants, values parameters
        "pl.planned, COALESCE(w.total, 0) AS picked, "
        f"CASE WHEN pl.planned > 0 THEN {completion} END AS completion_rate, "
        f"CASE WHEN pl.planned > 0 THEN COALESCE({total}, 0) / {planned} END AS completion_raw, "
        f"CASE WHEN n.n > 0 THEN CAST(n.on_time AS {real}) / n.n END AS cooperation, "
        f"CASE WHEN w.total > 0 THEN {evenness} END AS weekly_evenness "
        "FROM demand d JOIN cust c ON c.id = d.customer_id "
        "LEFT JOIN planned pl ON pl.group_id = d.group_id AND pl.customer_id = d.customer_id "
        "LEFT JOIN plans n ON n.customer_id = d.customer_id "
        "LEFT JOIN weekly w ON w.group_id = d.group_id AND w.customer_id = d.customer_id WHERE d.demand > 0)"
    )
    score_case = []
    for i, tier in enumerate(rules.tiers, start=1):
        if tier.rule == "priority":
            terms = " + ".join(f"COALESCE({m}, 0)" for m in tier.rank_by if m in MEASURES)
            score_case.append(f"WHEN {i} THEN ({terms}) / {len(tier.rank_by)}.0")
    score_sql = f"CASE tier {' '.join(score_case)} END" if score_case else "NULL"
    ctes.append(f"scored AS (SELECT b.*, {score_sql} AS score FROM base b)")  # noqa: S608 - names are module constants
    # One sort serves both windows: w ranks within a class (group, tier) and keeps the running demand before each
    # customer; g gives each class's demand in the group (d1, d2, …: one whole-partition sum per class), from which
    # a class's own demand and the demand of the classes before it are read. The rows carry only what the windows
    # need: rule, article and ranking measures follow from the tier in the final SELECT (narrow rows sort and
    # buffer faster).
    n_tiers = len(rules.tiers)
    class_sums = ", ".join(f"SUM(CASE WHEN tier = {i} THEN demand END) OVER g AS d{i}" for i in range(1, n_tiers + 1))
    ctes.append(
        "ranked AS (SELECT s.*, ROW_NUMBER() OVER w AS rnk, COALESCE(SUM(demand) OVER w, 0) AS given_before, "  # noqa: S608 - names are module constants
        f"{class_sums} FROM scored s WINDOW w AS (PARTITION BY group_id, tier ORDER BY COALESCE(score, 0) DESC, "
        "customer_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), g AS (PARTITION BY group_id))")
    own = " ".join(f"WHEN {i} THEN r.d{i}" for i in range(1, n_tiers + 1))
    before = " ".join(
        f"WHEN {i} THEN " + (" + ".join(f"COALESCE(r.d{k}, 0)" for k in range(1, i)) or "0")
        for i in range(1, n_tiers + 1))
    # What a class may still get, computed once per line (OFFSET 0 keeps the planner from copying the expression
    # into every place the quantity uses it).
    ctes.append(
        f"sized AS (SELECT r.*, p.allocation_id, CASE r.tier {own} END AS tier_demand, "  # noqa: S608 - names are module constants
        f"{_hi('0', f'p.available - CASE r.tier {before} ELSE 0 END')} AS remaining "
        f"FROM ranked r JOIN plan p ON p.group_id = r.group_id {fence})")
    guarantee = ", ".join(str(i) for i, t in enumerate(rules.tiers, start=1) if t.rule == "guarantee") or "0"
    prorata = "FLOOR(ROUND(r.demand * r.remaining * 1000.0 / r.tier_demand, 6)) / 1000.0"
    quantity = (
        "CASE WHEN r.tier = 99 THEN 0 "
        f"WHEN r.tier IN ({guarantee}) THEN CASE WHEN r.tier_demand <= r.remaining THEN r.demand "
        f"ELSE {prorata} END "
        f"ELSE {_lo('r.demand', _hi('0', 'r.remaining - r.given_before'))} END")
    rule = (f"CASE WHEN r.tier = 99 THEN COALESCE(r.blocked, '{RULE_NO_CLASS}') "
            f"WHEN r.tier IN ({guarantee}) THEN CASE WHEN r.tier_demand <= r.remaining "
            f"THEN '{RULE_GUARANTEE_FULL}' ELSE '{RULE_GUARANTEE_PRORATA}' END ELSE '{RULE_PRIORITY}' END")
    article = (f"CASE r.tier {' '.join(f'WHEN {i} THEN %s' for i in range(1, n_tiers + 1))} ELSE %s END")
    article_params = [f"{pack.name} {tier.citation.article}" for tier in rules.tiers]
    article_params.append(f"{pack.name} {rules.citation.article}")
    rank_by = f"CASE r.tier {' '.join(f'WHEN {i} THEN %s' for i in range(1, n_tiers + 1))} ELSE '' END"
    rank_by_params = [",".join(tier.rank_by) for tier in rules.tiers]
    columns = ("allocation_id", "customer_id", "channel", "tier", "rank", "demand", "computed", "quantity", "rule",
               "article", "adjusted", "rank_by", "score", "completion_rate", "completion_raw", "cooperation",
               "weekly_evenness", "planned", "picked", "tier_demand", "remaining_for_tier", "given_before",
               "late_plan")
    def r4(expr: str) -> str:
        return f"ROUND(CAST({expr} AS NUMERIC), 4)" if pg else f"ROUND({expr}, 4)"

    items = ("r.allocation_id", "r.customer_id", "r.channel", "r.tier", "r.rnk", "r.demand", quantity, quantity,
             rule, article, "%s", rank_by, r4("r.score"), r4("r.completion_rate"), r4("r.completion_raw"),
             r4("r.cooperation"), r4("r.weekly_evenness"), "r.planned", "r.picked",
             "CASE WHEN r.tier < 99 THEN r.tier_demand END", "CASE WHEN r.tier < 99 THEN r.remaining END",
             "CASE WHEN r.tier < 99 THEN r.given_before END", "r.late_plan = 1")
    select = ", ".join(f"{expr} AS {name}" for expr, name in zip(items, columns, strict=True))
    params += [*article_params, False, *rank_by_params]
    query = f"WITH {', '.join(ctes)} SELECT {select} FROM sized r"  # noqa: S608
    table = AllocationLine._meta.db_table
    cols = ", ".join(columns)
    return [(f"INSERT INTO {table} ({cols}) {query}", params)]


def line_reason(line) -> str:
    """The sentence behind a line's quantity: rule, figures, article (built on read from the line's columns)."""
    def qty(value) -> str:
        return f"{Decimal(value):,.3f}".rstrip("0").rstrip(".")

    q, demand = qty(line.computed), qty(line.demand)
    late = "；本月需求计划逾期提交" if line.late_plan else ""
    if line.rule == RULE_GUARANTEE_FULL:
        text = f"确保直销量：需求 {demand}，全额分配 {q}"
    elif line.rule == RULE_GUARANTEE_PRORATA:
        text = (f"确保直销量：直销需求合计 {qty(line.tier_demand)} 超过可供量 {qty(line.remaining_for_tier)}，"
                f"按需求比例分配 {q}")
    elif line.rule == RULE_PRIORITY:
        parts = []
        for key in filter(None, (line.rank_by or "").split(",")):
            value = getattr(line, key, None)
            parts.append(f"{MEASURE_LABELS.get(key, key)} {'无记录' if value is None else format_percent(value)}")
        completion = ""
        if line.planned is not None:
            completion = f"（前期计划 {qty(line.planned)}，实提 {qty(line.picked or 0)}）"
        left = max(Decimal(0), Decimal(line.remaining_for_tier or 0) - Decimal(line.given_before or 0))
        full = Decimal(line.computed) >= Decimal(line.demand)
        outcome = "全额满足" if full else ("余量不足，部分满足" if Decimal(line.computed) > 0 else "余量已用完，未分配")
        text = (f"第 {line.rank} 名：{'，'.join(parts)}{completion}，综合 {format_percent(line.score or 0)}；"
                f"前序余量 {qty(left)}，需求 {demand}，{outcome} {q}")
    else:
        text = RULE_LABELS.get(line.rule, line.rule)
    return f"{text}{late}（{line.article}）"


def format_percent(value) -> str:
    return f"{Decimal(str(value)) * 100:.1f}%"


# ----------------------------------------------------------------------------------------------------- persist


@dataclass(frozen=True)
class RunResult:
    allocations: list[Allocation]
    lines: int
    fetch_ms: int
    compute_ms: int
    write_ms: int
    commit_ms: int = 0


def allocation_run(*, actor: User | None, month: date, product_group: ProductGroup | None = None,
                   replace: bool = False) -> RunResult:
    """Allocate the month for every product group with a production plan (or the one given): one transaction,
    one INSERT … SELECT for all groups. An allocation that exists is refused unless `replace` (its hand
    adjustments are then discarded)."""
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
        if connection.vendor == "postgresql":
            # For this transaction only: JIT compiling the wide statement cost more than running it, and the
            # aggregates spilled to disk with the default work_mem.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '128MB'")
                # The planner misjudges the grouped CTEs by orders of magnitude and picks merge joins that sort
                # 300,000 rows three times, plus parallel workers that only compete on a small machine: hash joins
                # in one process took 14 s where its own choice took 22 s (bench database, EXPLAIN ANALYZE).
                cursor.execute("SET LOCAL enable_mergejoin = off")
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        existing = {a.product_group_id: a for a in Allocation.objects.select_for_update().filter(
            month=month, product_group__in=[p.product_group_id for p in plans])}
        if existing and not replace:
            names = "、".join(p.product_group.name for p in plans if p.product_group_id in existing)
            raise ValidationError({"replace": f"{month:%Y年%m月}的{names}已经分配；"
                                              "如需重新计算请选择覆盖（手工调整将被清除）。"})
        if existing:
            # Plain DELETEs: the ORM's cascade collector would first fetch every line's id.
            ids = [a.pk for a in existing.values()]
            marks = ", ".join(["%s"] * len(ids))
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {AllocationAdjustment._meta.db_table} WHERE line_id IN "  # noqa: S608
                               f"(SELECT id FROM {AllocationLine._meta.db_table} WHERE allocation_id IN ({marks}))",
                               ids)
                cursor.execute(f"DELETE FROM {AllocationLine._meta.db_table} WHERE allocation_id IN ({marks})",  # noqa: S608
                               ids)
        now = timezone.now()
        allocations = []
        for plan in plans:
            allocation = existing.get(plan.product_group_id) or Allocation(month=month,
                                                                           product_group=plan.product_group)
            allocation.available, allocation.pack_name = plan.quantity, pack.name
            allocation.pack_version, allocation.computed_by, allocation.computed_at = pack.version, actor, now
            allocation.allocated = allocation.demand = ZERO
            allocation.customers = 0
            allocation.save()
            allocations.append(allocation)
        t1 = time.perf_counter()
        statements = allocation_insert_sql(
            month=month, plans=[(a.product_group_id, a.pk, a.available) for a in allocations], pack=pack,
            rules=rules)
        written = 0
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if sql.startswith("INSERT"):
                    written = cursor.rowcount
        t2 = time.perf_counter()
        totals = {row["allocation_id"]: row for row in AllocationLine.objects.filter(allocation__in=allocations)
                  .values("allocation_id").annotate(q=Sum("quantity"), d=Sum("demand"), n=Count("id")).order_by()}
        for allocation in allocations:
            row = totals.get(allocation.pk)
            if row:
                allocation.allocated = _dec(row["q"]).quantize(MILLI)
                allocation.demand = _dec(row["d"]).quantize(MILLI)
                allocation.customers = row["n"]
            allocation.compute_ms = int((time.perf_counter() - t0) * 1000)
        Allocation.objects.bulk_update(allocations, ["allocated", "demand", "customers", "compute_ms"])
        t3 = time.perf_counter()
    return RunResult(allocations=allocations, lines=written, fetch_ms=int((t1 - t0) * 1000),
                     compute_ms=int((t2 - t1) * 1000), write_ms=int((t3 - t2) * 1000),
                     commit_ms=int((time.perf_counter() - t3) * 1000))


def _dec(value) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


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
