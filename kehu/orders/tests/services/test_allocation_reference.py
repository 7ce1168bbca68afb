"""The allocation statement against a plain reading of the regulation, line by line, on a random population.

The monthly allocation is one SQL statement (inputs as CTEs, window functions for ranks and class totals) written
for speed; this test recomputes every line in Python straight from 000 第三条(二) (确保直销量 → 平衡独家代理量 →
补充经销量), 第十条(三)2 and (四)3, with the pack's measures (completion rate, 配合度, weekly evenness over the three
months before), and compares quantity, rank, rule and measures for every customer of two product groups: one
where the direct customers' demand exceeds what is available (pro rata), one where it does not.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.utils import timezone

from kehu.customers.models import CustomerStatus
from kehu.orders.models import AllocationLine
from kehu.orders.services.allocation import allocation_pack, allocation_run, production_plan_set
from kehu.sales.models import DemandPlan, DemandPlanLine, Pickup, Product

D = Decimal
MONTH = date(2027, 1, 1)
WINDOW = (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
CHANNELS = ("直销客户", "独家代理商", "独家代理商", "经销商", "经销商", "经销商", "")


def _reference(rules, customers, plans, lines, pickups, available):
    """Every line of one product group as the regulation reads, computed per customer in plain Python."""
    start, end = WINDOW[0], MONTH - timedelta(days=1)
    weeks = (end - start).days // 7 + 1
    tiers = {t.value: (i, t) for i, t in enumerate(rules.tiers, start=1)}
    demand, planned, late = {}, {}, {}
    for plan_id, qty in lines:
        customer_id, month, is_late = plans[plan_id]
        if month == MONTH:
            demand[customer_id] = demand.get(customer_id, D(0)) + qty
            late[customer_id] = late.get(customer_id, False) or is_late
        elif start <= month < MONTH:
            planned[customer_id] = planned.get(customer_id, D(0)) + qty
    n_plans, on_time = {}, {}
    for customer_id, month, is_late in plans.values():
        if start <= month < MONTH:
            n_plans[customer_id] = n_plans.get(customer_id, 0) + 1
            on_time[customer_id] = on_time.get(customer_id, 0) + (0 if is_late else 1)
    weekly = {}
    for customer_id, day, qty in pickups:
        if start <= day <= end:
            weekly.setdefault(customer_id, [0.0] * weeks)[(day - start).days // 7] += float(qty)
    rows = []
    for customer_id, qty in demand.items():
        if qty <= 0:
            continue
        channel, status = customers[customer_id]
        tier, spec = tiers.get(channel, (99, None))
        if status != CustomerStatus.ACTIVE:
            tier, spec = 99, None
        picked = sum(weekly.get(customer_id, [])) if customer_id in weekly else 0.0
        plan_q = planned.get(customer_id)
        measures = {
            "completion_rate": min(1.0, picked / float(plan_q)) if plan_q else None,
            "cooperation": on_time[customer_id] / n_plans[customer_id] if n_plans.get(customer_id) else None,
            "weekly_evenness": None,
        }
        if picked > 0:
            mean = picked / weeks
            variance = max(0.0, sum(w * w for w in weekly[customer_id]) / weeks - mean * mean)
            measures["weekly_evenness"] = max(0.0, 1 - math.sqrt(variance) / mean)
        score = None
        if spec is not None and spec.rule == "priority":
            score = sum(measures[m] or 0.0 for m in spec.rank_by) / len(spec.rank_by)
        rows.append({"customer_id": customer_id, "tier": tier, "rule_kind": spec.rule if spec else None,
                     "demand": qty, "score": score, "late": late[customer_id], **measures})
    by_tier = {}
    for row in rows:
        by_tier.setdefault(row["tier"], []).append(row)
    expected, before = {}, D(0)
    for tier in sorted(by_tier):
        members = sorted(by_tier[tier], key=lambda r: (-(r["score"] or 0.0), r["customer_id"]))
        tier_demand = sum(r["demand"] for r in members)
        remaining = max(D(0), available - before)
        given = D(0)
        for rank, row in enumerate(members, start=1):
            if tier == 99:
                quantity, rule = D(0), None
            elif row["rule_kind"] == "guarantee":
                if tier_demand <= remaining:
                    quantity, rule = row["demand"], "guarantee_full"
                else:
                    quantity = (row["demand"] * remaining / tier_demand).quantize(D("0.001"), rounding=ROUND_FLOOR)
                    rule = "guarantee_prorata"
            else:
                quantity, rule = min(row["demand"], max(D(0), remaining - given)), "priority"
            given += row["demand"]
            expected[row["customer_id"]] = {**row, "rank": rank, "quantity": quantity, "rule": rule}
        if tier != 99:
            before += tier_demand
    return expected


@pytest.mark.django_db
def test_every_line_matches_the_regulation_read_in_plain_python(hb_on, users, catalogue, customer_factory):
    rng = random.Random(20270101)
    groups = {}
    for product in Product.objects.select_related("group").order_by("code"):
        groups.setdefault(product.group_id, product)
    pe, other = catalogue["pe"], next(p for g, p in groups.items() if g != catalogue["pe"].group_id)
    customers, plans, lines = {}, {}, {pe.group_id: [], other.group_id: []}
    pickups = {pe.group_id: [], other.group_id: []}
    for n in range(60):
        channel = CHANNELS[n % len(CHANNELS)]
        status = CustomerStatus.SUSPENDED if n % 17 == 5 else CustomerStatus.ACTIVE
        c = customer_factory(code=f"R{n:03d}", name=f"随机客户{n}有限公司", owner=users["am"], status=status,
                             classifications={"other_products_channel": channel} if channel else {})
        customers[c.pk] = (channel, status)
        for month in (*WINDOW, MONTH):
            if month != MONTH and rng.random() < 0.2:
                continue  # no plan that month
            is_late = rng.random() < 0.3
            p = DemandPlan.objects.create(customer=c, month=month, is_late=is_late,
                                          submitted_at=timezone.make_aware(datetime(month.year, month.month, 1)))
            plans[p.pk] = (c.pk, month, is_late)
            for product in (pe, other):
                if rng.random() < 0.8:
                    qty = D(rng.randint(1, 400)) + D(rng.randint(0, 999)) / 1000
                    DemandPlanLine.objects.create(plan=p, product=product, quantity=qty, unit=product.base_unit,
                                                  pickup_on=month)
                    lines[product.group_id].append((p.pk, qty))
        for product in (pe, other):
            for k in range(rng.randint(0, 8)):
                day = WINDOW[0] + timedelta(days=rng.randrange(92))
                qty = D(rng.randint(1, 150)) + D(rng.randint(0, 999)) / 1000
                Pickup.objects.create(customer=c, product=product, product_group_id=product.group_id, quantity=qty,
                                      unit=product.base_unit, base_quantity=qty, amount=qty * 8000, picked_on=day,
                                      source="test", source_ref=f"R{n}-{product.pk}-{k}")
                pickups[product.group_id].append((c.pk, day, qty))
    _, rules = allocation_pack()
    direct = {pk for pk, (ch, st) in customers.items() if ch == "直销客户" and st == CustomerStatus.ACTIVE}
    available = {}
    for product, share in ((pe, D("0.5")), (other, D("0.8"))):
        month_demand = [(plans[pid][0], q) for pid, q in lines[product.group_id] if plans[pid][1] == MONTH]
        direct_demand = sum(q for cid, q in month_demand if cid in direct)
        # pe: less than the direct customers ask (pro rata, nothing left); other: direct in full, agents partly.
        total = sum(q for _, q in month_demand)
        available[product.group_id] = (direct_demand * share if product is pe else total * share).quantize(D("1"))
        production_plan_set(actor=users["planner"], month=MONTH, product_group=product.group,
                            quantity=available[product.group_id])

    result = allocation_run(actor=users["planner"], month=MONTH)

    seen_rules = set()
    for allocation in result.allocations:
        group = allocation.product_group_id
        expected = _reference(rules, customers, plans, lines[group], pickups[group], available[group])
        got = {ln.customer_id: ln for ln in AllocationLine.objects.filter(allocation=allocation)}
        assert set(got) == set(expected)
        for customer_id, want in expected.items():
            line = got[customer_id]
            assert (line.tier, line.rank, line.demand, line.computed, line.late_plan) == (
                want["tier"], want["rank"], want["demand"], want["quantity"], want["late"]), customer_id
            if want["rule"]:
                assert line.rule == want["rule"], customer_id
            for measure in ("completion_rate", "cooperation", "weekly_evenness", "score"):
                value = getattr(line, measure)
                if want[measure] is None:
                    assert value is None or measure == "score", (customer_id, measure)
                else:
                    assert abs(float(value) - want[measure]) <= 0.00005, (customer_id, measure, value, want[measure])
            seen_rules.add(line.rule)
        assert allocation.allocated == sum(w["quantity"] for w in expected.values())
        assert allocation.allocated <= allocation.available
    # The population reaches every rule the statement knows.
    assert {"guarantee_full", "guarantee_prorata", "priority", "not_trading", "no_class"} <= seen_rules
