"""Demo activity on top of the demo company: six months of pickups and payments, monthly grades, an admission
waiting for approval — so that every page of the demo has something true to show.

Everything goes through the apps' own services (or their bulk paths), deterministic for a seed, idempotent.
"""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.core.errors import ServiceError
from kehu.customers.models import Customer, CustomerStatus

log = logging.getLogger(__name__)

DEMO_SOURCE = "demo"
# Monthly polyolefin tonnage is drawn around these centres so that every grade of 000 第九条 appears.
TONNAGE_CENTRES = (Decimal("400"), Decimal("1300"), Decimal("2400"), Decimal("3600"))


def last_full_months(today: date, count: int) -> list[date]:
    """First days of the `count` full months before `today`, oldest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


@transaction.atomic
def demo_sales_load(*, today: date, months: int = 6, seed: int = 7) -> int:
    """Pickups of polyolefins (and some other chemicals) for active customers, plus receivables and payments."""
    from kehu.sales.models import Payment, Pickup, Product, Receivable
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    if Pickup.objects.filter(source=DEMO_SOURCE).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    products = {p.code: p for p in Product.objects.select_related("group")}
    polyolefins = [products[c] for c in ("PE-LLDP", "PE-HD", "PP-T30S")]
    others = [products[c] for c in ("CH-BZ", "CH-SM")]
    customers = list(Customer.objects.filter(status__in=[CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED])
                     .order_by("pk").values_list("pk", flat=True))
    month_starts = last_full_months(today, months)
    pickups, receivables, payments = [], [], []
    n = 0
    for cid in customers:
        centre = TONNAGE_CENTRES[cid % len(TONNAGE_CENTRES)]
        trend = Decimal(rng.choice(["0.85", "1.0", "1.0", "1.15"]))
        monthly = centre
        for m_index, start in enumerate(month_starts):
            monthly = (monthly * trend * Decimal(rng.uniform(0.8, 1.2))).quantize(Decimal("0.001"))
            loads = rng.randint(2, 6)
            for k in range(loads):
                product = rng.choice(polyolefins)
                qty = (monthly / loads).quantize(Decimal("0.001"))
                price = Decimal(rng.randint(7200, 8600))
                day = start + timedelta(days=rng.randint(0, 27))
                n += 1
                pickups.append(Pickup(
                    customer_id=cid, product=product, product_group=product.group, quantity=qty, unit="t",
                    base_quantity=qty, amount=(qty * price).quantize(Decimal("0.01")), picked_on=day,
                    source=DEMO_SOURCE, source_ref=f"DEMO-{cid}-{m_index}-{k}",
                ))
            if rng.random() < 0.3:
                product = rng.choice(others)
                qty = Decimal(rng.randint(20, 200))
                n += 1
                pickups.append(Pickup(
                    customer_id=cid, product=product, product_group=product.group, quantity=qty, unit="t",
                    base_quantity=qty, amount=qty * Decimal(6500), picked_on=start + timedelta(days=10),
                    source=DEMO_SOURCE, source_ref=f"DEMO-{cid}-{m_index}-X",
                ))
            # One invoice a month; most are paid on time, some late, a few still open.
            amount = (monthly * Decimal(8000)).quantize(Decimal("0.01"))
            invoiced = start + timedelta(days=27)
            due = invoiced + timedelta(days=30)
            roll = rng.random()
            paid_on = None if roll < 0.05 else (due + timedelta(days=rng.randint(3, 20)) if roll < 0.2
                                                 else due - timedelta(days=rng.randint(0, 10)))
            if paid_on and paid_on > today:
                paid_on = None
            receivables.append(Receivable(
                customer_id=cid, invoice_no=f"DEMO-INV-{cid}-{m_index}", amount=amount, invoiced_on=invoiced,
                due_on=due, paid_amount=amount if paid_on else Decimal("0"), settled_on=paid_on,
            ))
            if paid_on:
                payments.append((cid, f"DEMO-INV-{cid}-{m_index}", amount, paid_on))
    Pickup.objects.bulk_create(pickups, batch_size=2000)
    Receivable.objects.bulk_create(receivables, batch_size=2000)
    by_invoice = dict(Receivable.objects.filter(invoice_no__startswith="DEMO-INV-").values_list("invoice_no", "pk"))
    Payment.objects.bulk_create([
        Payment(customer_id=cid, receivable_id=by_invoice[inv], amount=amount, paid_on=paid_on, method="银行转账",
                reference=f"DEMO-PAY-{inv[9:]}")
        for cid, inv, amount, paid_on in payments
    ], batch_size=2000)
    return n


def demo_grades_load(*, today: date, months: int = 6, pack_name: str = "hb-chemicals") -> int:
    """Regrade each demo month in order, so one-step movement (000 第九条) and movers show in the demo."""
    from kehu.policy.models import RegradeRun
    from kehu.policy.services import regrade

    runs = 0
    for start in last_full_months(today, months):
        period = f"{start:%Y-%m}"
        if RegradeRun.objects.filter(pack_name=pack_name, period=period, status="succeeded").exists():
            continue
        regrade(pack_name=pack_name, period=period, trigger="demo")
        runs += 1
    return runs


def demo_approvals_load() -> int:
    """Two prospects with admission applications waiting at 销售部 (000 第七条)."""
    from kehu.org.models import User
    from kehu.workflow.models import AdmissionApplication
    from kehu.workflow.services.admission import admission_apply

    if AdmissionApplication.objects.exists():
        return 0
    created = 0
    for username in ("jingli1", "jingli2"):
        user = User.objects.get(username=username)
        prospect = (Customer.objects.filter(owner=user, status=CustomerStatus.PROSPECT)
                    .exclude(invoicing=None).order_by("pk").first())
        if prospect is None:
            continue
        try:
            admission_apply(
                actor=user, customer=prospect, customer_type="direct", business_scope="塑料制品生产",
                expected_products="线性低密度聚乙烯", expected_monthly_quantity=Decimal("800"), quantity_unit="t",
                conditions={"production_enterprise": True, "sound_credit": True},
            )
            created += 1
        except (ValidationError, ServiceError) as exc:  # a prospect without complete materials is skipped
            log.info("demo admission for %s skipped: %s", prospect, exc)
    return created
