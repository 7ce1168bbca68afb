"""Periodic reports benchmark (issue 12, "Speed"). Run on demand, not in the test suite:

    python bench/reports_bench.py --db postgres            # 100,000 customers, 5,000,000 pickups
    python bench/reports_bench.py --db postgres --customers 10000 --pickups 500000   # a quick look
    python bench/reports_bench.py --db sqlite --customers 10000 --pickups 500000

Uses its own databases (PostgreSQL `kehu_bench_reports`, SQLite var/bench/kehu_bench_reports.sqlite3) and loads the
data with COPY (PostgreSQL) or executemany (SQLite) when the database holds fewer customers than asked, the way
bench/regrade_bench.py does: an org tree of 16 cities × 10 counties × 3 stations, customers at the stations (four in
five institutional, 6.2.1), and pickups of gasoline, diesel and the anonymous card spread over 2024 and 2025, so
that 2025-11 has the same month a year earlier. shandong-retail is regraded for 2025-10 and 2025-11 (附录5 reads the
grades), and the churn thresholds are set (90 days, 30 %).

Measured, for the whole company (the widest form, a superuser's scope): each of 002's five monthly forms for
2025-11 computed by its registered definition (report_compute: the same selector the screen, the API and the
submission use), its number of SQL queries and rows; the XLSX of the largest form; and beside them the bare scan of
the month — one GROUP BY over the month's pickups, fetched raw — and the bare scan of the window the tracking forms
read (a year back plus the month). Figures go to docs/reports.md (a section per database).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchlib import wipe  # noqa: E402

PERIOD = "2025-11"
PREVIOUS = "2025-10"
FORMS = ("sd_tracking_detail", "sd_tracking_summary", "sd_grade_table", "sd_churn_statistics", "sd_plan_completion")
GROUPS = (("gasoline", "汽油", "t", 45), ("diesel", "柴油", "t", 45), ("fuel-card", "不记名加油卡", "元", 10))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["postgres", "sqlite"], required=True)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--pickups", type=int, default=5_000_000)
    p.add_argument("--pg-url", default=os.environ.get("KEHU_BENCH_REPORTS_PG_URL",
                                                      "postgres://postgres@127.0.0.1:5432/kehu_bench_reports"))
    p.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "kehu_bench_reports.sqlite3"))
    p.add_argument("--out", default=str(ROOT / "docs" / "reports.md"))
    p.add_argument("--no-write", action="store_true")
    return p.parse_args()


def ensure_pg_database(url: str) -> None:
    import psycopg

    dbname = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bulk_insert(connection, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(cols)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _org() -> list[int]:
    from kehu.org.models import OrgUnit
    from kehu.org.services import org_unit_create

    stations = list(OrgUnit.objects.filter(kind="station", code__startswith="RB-").values_list("pk", flat=True))
    if stations:
        return stations
    company = org_unit_create(code="RB", name="基准测试销售分公司", kind="province")
    for c in range(16):
        city = org_unit_create(code=f"RB-{c:02d}", name=f"第{c + 1}地市分公司", kind="city", parent=company)
        for k in range(10):
            county = org_unit_create(code=f"RB-{c:02d}-{k:02d}", name=f"第{c + 1}-{k + 1}区县", kind="county",
                                     parent=city)
            for s in range(3):
                org_unit_create(code=f"RB-{c:02d}-{k:02d}-{s}", name=f"第{c + 1}-{k + 1}-{s + 1}加油站",
                                kind="station", parent=county)
    return list(OrgUnit.objects.filter(kind="station", code__startswith="RB-").values_list("pk", flat=True))


def load_data(n_customers: int, n_pickups: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from kehu.customers.models import Customer
    from kehu.sales.models import Pickup, Product, ProductGroup

    if Customer.objects.count() >= n_customers and Pickup.objects.count() >= n_pickups:
        return {"loaded": False, "seconds": 0.0}
    t0 = time.perf_counter()
    rng = random.Random(12)
    with transaction.atomic():
        from kehu.customers.models import ArchiveEvent
        from kehu.policy.models import GradeAssignment, RegradeRun
        from kehu.reports.models import ReportSubmission

        # CurrentGrade is a VIEW over GradeAssignment: emptying the history empties it
        wipe(ReportSubmission, Pickup, GradeAssignment, RegradeRun, ArchiveEvent, Customer.history.model, Customer)
        stations = _org()
        groups = {}
        for code, name, unit, _share in GROUPS:
            group, _ = ProductGroup.objects.get_or_create(code=code, defaults={"name": name, "base_unit": unit})
            product, _ = Product.objects.get_or_create(code=f"RB-{code}", defaults={
                "name": name, "group": group, "base_unit": unit})
            groups[code] = (group.pk, product.pk, unit)
        now = timezone.now()
        cols = ("code", "name", "short_name", "name_pinyin", "name_initials", "kind", "status", "address",
                "is_important", "classifications", "notes", "created_at", "updated_at", "version", "unit_id")
        rows = []
        for i in range(n_customers):
            kind = "个人" if i % 5 == 4 else "机构"
            rows.append((f"RB{i + 1:08d}", f"基准测试机构客户{i + 1}", "", "", "", "institution", "active", "", False,
                         f'{{"customer_kind": "{kind}"}}', "", now, now, 1, stations[i % len(stations)]))
        _bulk_insert(connection, "customers_customer", cols, rows)
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        choices = [code for code, _n, _u, share in GROUPS for _ in range(share)]
        start = date(2024, 1, 1)
        days = (date(2025, 12, 31) - start).days + 1
        pcols = ("customer_id", "product_id", "product_group_id", "quantity", "unit", "base_quantity", "amount",
                 "picked_on", "source", "source_ref", "created_at")
        chunk, written = [], 0
        for n in range(n_pickups):
            customer_id = ids[rng.randrange(len(ids))]
            code = choices[rng.randrange(100)]
            group_id, product_id, unit = groups[code]
            card = code == "fuel-card"
            qty = Decimal(rng.randrange(100, 400_000)) if card else Decimal(rng.randrange(1, 6000)) / 1000
            amount = qty if unit == "元" else (qty * 8000).quantize(Decimal("0.01"))
            day = start + timedelta(days=rng.randrange(days))
            chunk.append((customer_id, product_id, group_id, qty, unit, qty, amount, day, "bench", f"RB{n}", now))
            if len(chunk) == 200_000:
                _bulk_insert(connection, "sales_pickup", pcols, chunk)
                written += len(chunk)
                chunk = []
                print(f"  pickups {written:,}", flush=True)
        if chunk:
            _bulk_insert(connection, "sales_pickup", pcols, chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"loaded": True, "seconds": time.perf_counter() - t0}


def prepare() -> dict:
    """Grades for the month and the one before (附录5), churn thresholds (附录3), an actor."""
    from kehu.org.models import OrgUnit, User
    from kehu.policy.models import AdminValue, RegradeRun
    from kehu.policy.services import regrade

    t0 = time.perf_counter()
    for period in (PREVIOUS, PERIOD):
        if not RegradeRun.objects.filter(pack_name="shandong-retail", period=period, status="succeeded").exists():
            regrade(pack_name="shandong-retail", period=period, trigger="bench")
    for key, value in (("sd.churn_no_pickup_days", 90), ("sd.churn_volume_drop_percent", 30)):
        AdminValue.objects.update_or_create(pack_name="shandong-retail", key=key, defaults={"value": value})
    from django.db import connection

    with connection.cursor() as cursor:  # the regrade has just written the month's grades: fresh statistics
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else
                       "ANALYZE policy_gradeassignment, policy_currentgrade, customers_customer")
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", password=None)
    root = OrgUnit.objects.get(code="RB")
    if user.unit_id != root.pk:
        user.unit = root
        user.save(update_fields=["unit"])
    return {"seconds": time.perf_counter() - t0, "user": user, "unit": root}


def bare_scans() -> dict:
    from django.db import connection

    from kehu.policy.periods import parse_period

    month = parse_period(PERIOD)
    # What the tracking and churn forms read: from last month's start or 90 days (the churn threshold) before the
    # month, whichever is earlier, to the month's end; and the same month a year earlier.
    window_start = min(date(2025, 10, 1), month.start - timedelta(days=90))
    sqls = {
        "month": ("SELECT customer_id, product_group_id, SUM(base_quantity) FROM sales_pickup "
                  "WHERE picked_on >= %s AND picked_on <= %s GROUP BY customer_id, product_group_id",
                  [month.start, month.end]),
        "window": ("SELECT customer_id, SUM(base_quantity), MAX(picked_on) FROM sales_pickup "
                   "WHERE (picked_on >= %s AND picked_on <= %s) OR (picked_on >= %s AND picked_on <= %s) "
                   "GROUP BY customer_id", [window_start, month.end, date(2024, 11, 1), date(2024, 11, 30)]),
    }
    out = {}
    for key, (sql, params) in sqls.items():
        best, rows = None, 0
        for _ in range(2):
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = len(cursor.fetchall())
            took = time.perf_counter() - t0
            best = took if best is None else min(best, took)
        out[key] = (best, rows)
    out["window_start"] = window_start
    return out


def measure_forms(user, unit) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.reports.selectors import report_compute

    out = []
    for code in FORMS:
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            report = report_compute(actor=user, code=code, period=PERIOD, unit_id=unit.pk, today=date(2025, 12, 6))
        took = time.perf_counter() - t0
        out.append({"code": code, "title": report.definition.title, "ref": report.definition.form_ref,
                    "seconds": took, "queries": len(queries.captured_queries), "rows": report.result.row_count,
                    "report": report, "source_missing": report.result.source_missing})
    return out


def measure_xlsx(forms: list[dict]) -> tuple[str, float, int]:
    from kehu.core.documents import form_xlsx
    from kehu.reports.selectors import report_document

    largest = max(forms, key=lambda f: f["rows"])
    t0 = time.perf_counter()
    body = form_xlsx(report_document(largest["report"]))
    return largest["title"], time.perf_counter() - t0, len(body)


def main() -> None:
    args = parse_args()
    if args.db == "postgres":
        ensure_pg_database(args.pg_url)
        os.environ["DATABASE_URL"] = args.pg_url
    else:
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["KEHU_DB_CONN_MAX_AGE"] = "0"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], check=True,  # noqa: S603
                   env=os.environ)

    import django

    django.setup()
    from django.db import connection

    from kehu.customers.models import Customer
    from kehu.sales.models import Pickup

    print(f"database: {connection.vendor}", flush=True)
    load = load_data(args.customers, args.pickups)
    customers, pickups = Customer.objects.count(), Pickup.objects.count()
    print(f"data: {customers:,} customers, {pickups:,} pickups (loaded now: {load['loaded']}, "
          f"{load['seconds']:.1f} s)", flush=True)
    prep = prepare()
    print(f"regrade + settings: {prep['seconds']:.1f} s", flush=True)
    scans = bare_scans()
    measure_forms(prep["user"], prep["unit"])  # warm-up: pack parse, caches
    forms = measure_forms(prep["user"], prep["unit"])
    xlsx = measure_xlsx(forms)
    figures = {"db": connection.vendor, "customers": customers, "pickups": pickups, "load": load, "scans": scans,
               "forms": forms, "xlsx": xlsx, "peak_mb": peak_mb()}
    report = render(figures)
    print(report)
    if not args.no_write:
        write_section(Path(args.out), connection.vendor, report)


def render(f: dict) -> str:
    total = sum(x["seconds"] for x in f["forms"])
    month_s, month_rows = f["scans"]["month"]
    window_s, window_rows = f["scans"]["window"]
    lines = [
        f"### {'PostgreSQL' if f['db'] == 'postgresql' else 'SQLite'} — {f['customers']:,} customers, "
        f"{f['pickups']:,} pickup rows",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node() or 'this machine'} "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} — the machine is shared). "
        f"`python bench/reports_bench.py --db {'postgres' if f['db'] == 'postgresql' else 'sqlite'}`",
        "",
        "| what | queries | rows | time |",
        "|---|---:|---:|---:|",
        f"| bare scan of the month {PERIOD}: one GROUP BY customer, product group, fetched raw | 1 | "
        f"{month_rows:,} | {month_s:.2f} s |",
        f"| bare scan of what the tracking and churn forms read ({f['scans']['window_start']} – {PERIOD} and "
        f"2024-11): one GROUP BY customer | 1 | {window_rows:,} | {window_s:.2f} s |",
    ]
    for x in f["forms"]:
        note = f" (not computed: {x['source_missing']})" if x["source_missing"] else ""
        lines.append(f"| {x['ref']} {x['title']}{note} | {x['queries']} | {x['rows']:,} | {x['seconds']:.2f} s |")
    lines += [
        f"| **the five monthly forms together** (target under 30 s) | {sum(x['queries'] for x in f['forms'])} | "
        f"{sum(x['rows'] for x in f['forms']):,} | **{total:.2f} s** |",
        f"| XLSX of the largest form ({f['xlsx'][0]}, {f['xlsx'][2] / 1024 / 1024:.1f} MB) | — | — | "
        f"{f['xlsx'][1]:.2f} s |",
        f"| peak memory of the process (ru_maxrss) | | | {f['peak_mb']:.0f} MB |",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, vendor: str, report: str) -> None:
    marker_start = f"<!-- bench:{vendor}:start -->"
    marker_end = f"<!-- bench:{vendor}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Periodic reports\n\n## Benchmark figures\n\n"
    block = f"{marker_start}\n{report}\n{marker_end}"
    if marker_start in text:
        text = re.sub(re.escape(marker_start) + r".*?" + re.escape(marker_end), lambda m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
