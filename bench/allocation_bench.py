"""Allocation benchmark (issue 11, "Speed"). Run on demand, not in the test suite:

    python bench/allocation_bench.py                       # PostgreSQL, 100,000 customers, 50 product groups
    python bench/allocation_bench.py --customers 10000     # a quick look

Uses its own PostgreSQL database `kehu_bench_orders` (created when missing, never dropped). When it holds fewer
customers than asked it loads, with COPY: the customers (10 % 直销客户, 30 % 独家代理商, 60 % 经销商), 50 product
groups of one product each, for every customer three groups with a demand plan for each of the three months
before 2026-11 (a quarter of them late) and for 2026-11 itself, and two pickups per customer, group and month in the
window (for completion rates and weekly evenness). Each group's production plan for 2026-11 is 85 % of its demand.

It measures, in the same run:
  * the bare aggregate of the inputs — the four GROUP BY statements the allocation sends (kehu.orders.services.
    allocation.input_queries), run on a raw cursor and fetched, plus the customers' class and status;
  * the allocation of 2026-11 for all 50 groups (one INSERT … SELECT of every line, one transaction);
  * the ratio of the two.
Figures are printed and written into docs/orders.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import wipe  # noqa: E402

MONTH = date(2026, 11, 1)
WINDOW = (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
CHANNELS = ("直销客户",) * 1 + ("独家代理商",) * 3 + ("经销商",) * 6


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--groups", type=int, default=50)
    p.add_argument("--pg-url", default=os.environ.get("KEHU_BENCH_ORDERS_PG_URL",
                                                      "postgres://postgres@127.0.0.1:5432/kehu_bench_orders"))
    p.add_argument("--out", default=str(ROOT / "docs" / "orders.md"))
    p.add_argument("--no-write", action="store_true")
    return p.parse_args()


def ensure_pg_database(url: str) -> None:
    import psycopg

    dbname = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def _copy(connection, table: str, cols: tuple[str, ...], rows) -> int:
    n = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def load_data(n_customers: int, n_groups: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from kehu.customers.models import Customer
    from kehu.orders.models import Allocation, ProductionPlan
    from kehu.sales.models import DemandPlan, DemandPlanLine, Pickup, Product, ProductGroup

    have_groups = ProductGroup.objects.filter(code__startswith="BG").count()
    if Customer.objects.count() >= n_customers and have_groups >= n_groups:
        return {"loaded": False, "seconds": 0.0}
    t0 = time.perf_counter()
    rng = random.Random(11)
    with transaction.atomic():
        wipe(Allocation, ProductionPlan, DemandPlanLine, DemandPlan, Pickup, Customer.history.model, Customer)
        products = []
        for g in range(n_groups):
            group, _ = ProductGroup.objects.get_or_create(code=f"BG{g:02d}", defaults={"name": f"基准产品组{g:02d}"})
            product, _ = Product.objects.get_or_create(code=f"BP{g:02d}", defaults={"name": f"基准产品{g:02d}",
                                                                                   "group": group})
            products.append((group.pk, product.pk))
        now = timezone.now()
        cols = ("code", "name", "short_name", "name_pinyin", "name_initials", "kind", "status", "address",
                "is_important", "classifications", "notes", "created_at", "updated_at", "version")
        _copy(connection, "customers_customer", cols, (
            (f"BO{i + 1:08d}", f"分配基准客户{i + 1}有限公司", "", "", "", "enterprise", "active", "", False,
             f'{{"other_products_channel": "{CHANNELS[i % len(CHANNELS)]}"}}', "", now, now, 1)
            for i in range(n_customers)))
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        wanted = {cid: rng.sample(range(n_groups), 3) for cid in ids}
        plan_rows = []
        for cid in ids:
            for month in (*WINDOW, MONTH):
                late = rng.random() < 0.25
                plan_rows.append((cid, month, now, late, ""))
        _copy(connection, "sales_demandplan", ("customer_id", "month", "submitted_at", "is_late", "note"), plan_rows)
        plan_ids = {(c, m): pk for pk, c, m in DemandPlan.objects.values_list("pk", "customer_id", "month")}
        print(f"  {len(plan_ids):,} demand plans", flush=True)

        def lines():
            for cid in ids:
                for month in (*WINDOW, MONTH):
                    for g in wanted[cid]:
                        qty = Decimal(rng.randint(20, 400))
                        yield (plan_ids[(cid, month)], products[g][1], qty, "t", month + timedelta(days=10))

        n_lines = _copy(connection, "sales_demandplanline", ("plan_id", "product_id", "quantity", "unit", "pickup_on"),
                        lines())
        print(f"  {n_lines:,} plan lines", flush=True)

        def pickups():
            n = 0
            for cid in ids:
                for month in WINDOW:
                    for g in wanted[cid]:
                        group_id, product_id = products[g]
                        for _ in range(2):
                            n += 1
                            qty = Decimal(rng.randint(5, 200))
                            yield (cid, product_id, group_id, qty, "t", qty, qty * 8000,
                                   month + timedelta(days=rng.randrange(28)), "bench", f"BO{n}", now)

        n_pickups = _copy(connection, "sales_pickup", (
            "customer_id", "product_id", "product_group_id", "quantity", "unit", "base_quantity", "amount",
            "picked_on", "source", "source_ref", "created_at"), pickups())
        print(f"  {n_pickups:,} pickups", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"loaded": True, "seconds": time.perf_counter() - t0}


def set_production_plans() -> int:
    from django.db.models import Sum

    from kehu.orders.models import ProductionPlan
    from kehu.sales.models import DemandPlanLine, ProductGroup

    demand = dict(DemandPlanLine.objects.filter(plan__month=MONTH).values_list("product__group_id")
                  .annotate(s=Sum("quantity")).values_list("product__group_id", "s").order_by())
    n = 0
    for group in ProductGroup.objects.filter(code__startswith="BG"):
        ProductionPlan.objects.update_or_create(month=MONTH, product_group=group, defaults={
            "quantity": (Decimal(demand.get(group.pk, 0)) * Decimal("0.85")).quantize(Decimal("1"))})
        n += 1
    return n


def bare_seconds(group_ids: list[int], window: int, dimension: str) -> tuple[float, int]:
    from django.db import connection, transaction

    from kehu.orders.services.allocation import input_queries

    queries = input_queries(month=MONTH, group_ids=group_ids, window_months=window)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # The same session settings as the allocation's transaction, so the two are measured alike.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        t0 = time.perf_counter()
        for sql, params in queries.values():
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
        cursor.execute("SELECT id, classifications ->> %s, status FROM customers_customer", [dimension])
        rows += len(cursor.fetchall())
    return time.perf_counter() - t0, rows


def main() -> None:
    args = parse_args()
    ensure_pg_database(args.pg_url)
    os.environ["DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["KEHU_DB_CONN_MAX_AGE"] = "0"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], check=True,  # noqa: S603
                   env=os.environ)
    import django

    django.setup()
    from django.db import connection

    from kehu.customers.models import Customer
    from kehu.orders.models import AllocationLine
    from kehu.orders.services.allocation import allocation_pack, allocation_run
    from kehu.policy.models import PackActivation
    from kehu.sales.models import DemandPlanLine, Pickup, ProductGroup

    PackActivation.objects.update_or_create(pack_name="hb-chemicals", defaults={"is_active": True})
    load = load_data(args.customers, args.groups)
    plans = set_production_plans()
    customers, pickups = Customer.objects.count(), Pickup.objects.count()
    lines_in = DemandPlanLine.objects.count()
    print(f"data: {customers:,} customers, {plans} product groups, {lines_in:,} plan lines, {pickups:,} pickups "
          f"(loaded now: {load['loaded']}, {load['seconds']:.1f} s)", flush=True)
    _, rules = allocation_pack()
    group_ids = list(ProductGroup.objects.filter(code__startswith="BG").values_list("pk", flat=True))
    # The usual monthly run allocates a month for the first time: clear an earlier bench run (separately, and
    # vacuumed, so that its dead rows do not slow the unique index of the run measured).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM orders_allocationadjustment")
        cursor.execute("DELETE FROM orders_allocationline")
        cursor.execute("DELETE FROM orders_allocation")
        cursor.execute("VACUUM ANALYZE orders_allocationline")
    bare_1, rows = bare_seconds(group_ids, rules.window_months, rules.dimension)
    t0 = time.perf_counter()
    result = allocation_run(actor=None, month=MONTH)
    run_s = time.perf_counter() - t0
    bare_2, _ = bare_seconds(group_ids, rules.window_months, rules.dimension)
    bare = min(bare_1, bare_2)
    written = AllocationLine.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_allocationline")
    f = {"customers": customers, "groups": plans, "plan_lines": lines_in, "pickups": pickups, "rows": rows,
         "bare": bare, "bare_1": bare_1, "bare_2": bare_2, "run": run_s, "ratio": run_s / bare if bare else 0,
         "lines": result.lines, "written": written, "fetch": result.fetch_ms, "compute": result.compute_ms,
         "write": result.write_ms, "commit": result.commit_ms}
    report = render(f)
    print(report)
    if not args.no_write:
        write_section(Path(args.out), report)


def render(f: dict) -> str:
    return "\n".join([
        f"### PostgreSQL — {f['customers']:,} customers, {f['groups']} product groups, 2026-11",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node() or 'this machine'} (Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} — the machine is shared). Inputs: "
        f"{f['plan_lines']:,} demand-plan lines (the month and the three before), {f['pickups']:,} pickups.",
        "",
        "| what | time |",
        "|---|---:|",
        f"| bare aggregate of the inputs: the four GROUP BY statements + customers' class ({f['rows']:,} rows; "
        f"best of {f['bare_1']:.2f} s / {f['bare_2']:.2f} s) | {f['bare']:.2f} s |",
        f"| allocation of the month, all {f['groups']} groups, one transaction ({f['lines']:,} lines written; fetch "
        f"{f['fetch'] / 1000:.2f} s, INSERT … SELECT {f['compute'] / 1000:.2f} s, totals {f['write'] / 1000:.2f} s, "
        f"commit {f['commit'] / 1000:.2f} s) | "
        f"{f['run']:.2f} s |",
        f"| **ratio allocation / bare aggregate** | **{f['ratio']:.2f}** |",
        "",
    ])


def write_section(path: Path, report: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Orders\n"
    start, end = "<!-- allocation-bench:start -->", "<!-- allocation-bench:end -->"
    block = f"{start}\n{report}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
