"""Demo data for the periodic reports, through the apps' services: shandong-retail institutional customers at the
demo company's stations with fourteen months of fuel pickups (stable, growing, falling against last year, stopped),
the churn thresholds and review due days an administrator sets, two months of shandong-retail grades, and last
month's 附录5 submitted and then corrected (a late pickup added), so version 1 is kept beside version 2.

Deterministic and idempotent: a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

DEMO_SOURCE = "demo-sd"
CODE_PREFIX = "SDJG"
PATTERNS = ("stable", "stable", "growing", "falling", "stopped", "small", "big", "stable")
WORDS = ["市政", "交运", "公交", "环卫", "城投", "港务", "水务", "物流", "建工", "路桥", "电力", "物资"]


def _months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _customers(admin, stations, owners) -> list:
    from kehu.customers.models import Customer, CustomerStatus
    from kehu.customers.services import customer_create

    existing = list(Customer.objects.filter(code__startswith=CODE_PREFIX).order_by("code"))
    if existing:
        return existing
    created = []
    for n in range(24):
        station = stations[n % len(stations)]
        county = station.parent.name if station.parent else ""
        created.append(customer_create(
            actor=admin, code=f"{CODE_PREFIX}{n + 1:04d}", reason="演示数据",
            name=f"{county}{WORDS[n % len(WORDS)]}{'集团' if n % 5 == 0 else ''}第{n // len(WORDS) + 1}公司",
            kind="institution", status=CustomerStatus.ACTIVE, owner=owners[n % len(owners)], unit=station,
            classifications={"customer_kind": "机构", "fuel_type": "柴油" if n % 3 else "汽油",
                             "payment_method": ["加油卡"]},
        ))
    return created


def _pickups(customers, months: list[date], products: dict, stopped_last: date) -> int:
    from kehu.sales.models import Pickup

    if Pickup.objects.filter(source=DEMO_SOURCE).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    rows = []
    for i, customer in enumerate(customers):
        pattern = PATTERNS[i % len(PATTERNS)]
        diesel_share = Decimal("0.8") if i % 3 else Decimal("0.2")
        base = Decimal(rng.choice(["1.5", "3", "6", "25", "40", "70"]))
        if pattern == "small":
            base = Decimal("0.8")
        if pattern == "big":
            base = Decimal("90")
        for m, start in enumerate(months):
            age = len(months) - 1 - m  # 0: last month
            factor = Decimal(1)
            if pattern == "growing":
                factor = Decimal("0.7") + Decimal(m) / Decimal(10)
            if pattern == "falling" and age <= 2:
                factor = Decimal("0.45")  # more than 30 % below the same month last year
            end = _month_end(start)
            if pattern == "stopped" and end > stopped_last:
                continue
            loads = rng.randint(2, 5)
            for k in range(loads):
                qty = (base * factor * Decimal(rng.uniform(0.8, 1.2)) / loads).quantize(Decimal("0.001"))
                group = "diesel" if rng.random() < float(diesel_share) else "gasoline"
                product = products[group]
                day = start + timedelta(days=rng.randint(0, (end - start).days))
                if pattern == "stopped" and day > stopped_last:
                    day = stopped_last
                rows.append(Pickup(
                    customer_id=customer.pk, product=product, product_group=product.group, quantity=qty,
                    unit="t", base_quantity=qty, amount=(qty * Decimal(rng.randint(7600, 8400))).quantize(
                        Decimal("0.01")), picked_on=day, source=DEMO_SOURCE,
                    source_ref=f"DEMO-SD-{customer.pk}-{m}-{k}"))
            if i % 4 == 0:
                card = products["fuel-card"]
                amount = Decimal(rng.randint(20, 120) * 1000)
                rows.append(Pickup(
                    customer_id=customer.pk, product=card, product_group=card.group, quantity=amount, unit="元",
                    base_quantity=amount, amount=amount, picked_on=start + timedelta(days=3), source=DEMO_SOURCE,
                    source_ref=f"DEMO-SD-{customer.pk}-{m}-CARD"))
    Pickup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def reports_demo_load(*, today: date) -> str:
    from kehu.org.models import OrgUnit, OrgUnitKind, User
    from kehu.policy.models import AdminValue, PackActivation, RegradeRun
    from kehu.policy.services import admin_value_set, pack_activation_set, regrade
    from kehu.reports.models import ReportSubmission
    from kehu.reports.periods import latest_ended_period
    from kehu.reports.selectors import report_definition
    from kehu.reports.services import report_correct, report_submit
    from kehu.sales.models import Product
    from kehu.sales.services import pickup_record, product_catalogue_bootstrap

    admin = User.objects.filter(username="admin").first()
    stations = list(OrgUnit.objects.filter(kind=OrgUnitKind.STATION, code__startswith="SD-").select_related("parent")
                    .order_by("code"))
    if admin is None or not stations:
        return ""
    added = []
    with transaction.atomic():
        if not PackActivation.objects.filter(pack_name="shandong-retail").exists():
            if not PackActivation.objects.exists():  # keep the default pack on beside the new one
                from django.conf import settings

                pack_activation_set(actor=admin, pack_name=settings.KEHU_DEFAULT_PACK, active=True)
            pack_activation_set(actor=admin, pack_name="shandong-retail", active=True)
            added.append("启用 shandong-retail")
        # Figures 002 6.6 and 000 第十六条 leave open, as an administrator would set them.
        for pack, key, value in (("shandong-retail", "sd.churn_no_pickup_days", 90),
                                 ("shandong-retail", "sd.churn_volume_drop_percent", 30),
                                 ("hb-chemicals", "hb.review_due_day", 10),
                                 ("hb-chemicals", "hb.review_year_due_day", 15)):
            if not AdminValue.objects.filter(pack_name=pack, key=key).exists():
                admin_value_set(actor=admin, pack_name=pack, key=key, value=value, note="演示数据")
        product_catalogue_bootstrap()
        products = {p.group.code: p for p in Product.objects.select_related("group").filter(
            code__in=("GAS-92", "DSL-0", "CARD-ANON"))}
        owners = list(User.objects.filter(username__in=("jingli1", "jingli2", "jingli3")).order_by("username"))
        customers = _customers(admin, stations, owners or [admin])
        months = _months_back(today, 14)
        last_month = months[-1]
        # A stopped customer's last pickup 95 days before last month's end: over the 90 days during last month.
        stopped_last = _month_end(last_month) - timedelta(days=95)
        n = _pickups(customers, months, products, stopped_last)
        if n:
            added.append(f"加油记录 {n} 条")

    for start in months[-2:]:
        period = f"{start:%Y-%m}"
        if not RegradeRun.objects.filter(pack_name="shandong-retail", period=period, status="succeeded").exists():
            regrade(pack_name="shandong-retail", period=period, trigger="demo")

    grade_table = report_definition("sd_grade_table")
    period = latest_ended_period(grade_table, today).key
    root = admin.unit
    if root is not None and not ReportSubmission.objects.filter(report_code=grade_table.code, period=period,
                                                                unit=root).exists():
        first = report_submit(actor=admin, code=grade_table.code, period=period, unit_id=root.pk, today=today)
        # A pickup handed in late (补录), then the form corrected: version 1 stays as it was submitted.
        late_day = min(_month_end(last_month), today - timedelta(days=1))
        pickup_record(actor=admin, customer=customers[1], product=products["diesel"], quantity=Decimal("60"),
                      unit="t", amount=Decimal("480000.00"), picked_on=late_day, source=DEMO_SOURCE,
                      source_ref=f"DEMO-SD-LATE-{period}")
        regrade(pack_name="shandong-retail", period=period, trigger="demo")
        report_correct(actor=admin, submission_id=first.pk, reason=f"补录 {late_day:%m月%d日} 柴油提货单 60 吨，"
                       "客户规模与管理级别随之调整。", today=today)
        added.append(f"{period} 附录5 已提交并更正（第1版保留）")
    review = report_definition("hb_review_quarter")
    quarter = latest_ended_period(review, today).key
    if root is not None and not ReportSubmission.objects.filter(report_code=review.code, period=quarter,
                                                                unit=root).exists():
        report_submit(actor=admin, code=review.code, period=quarter, unit_id=root.pk, today=today)
        added.append(f"{quarter} 客户季度评审表已提交")
    if not added:
        return ""
    return "定期报表演示数据：" + "；".join(added) + " / reports demo data loaded"
