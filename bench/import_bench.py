"""Pickup import benchmark (run on demand; figures go to docs/sales-import.md).

    .venv/bin/python bench/import_bench.py --db pg --rows 5000000
    .venv/bin/python bench/import_bench.py --db sqlite --rows 5000000
    .venv/bin/python bench/import_bench.py --db pg --xlsx-rows 100000 --rows 0

Uses its own databases: PostgreSQL database kehu_bench_sales (created if absent) and var/bench/sales.sqlite3.
Measures, in the same run: the bare COPY of the file into an unindexed text table (PostgreSQL), the full import
with validation (COPY → normalise and resolve → validate → INSERT), an idempotent re-import, peak memory, and the
CPU seconds of this process and of its PostgreSQL backend (the machine is shared; wall time depends on the others).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
BENCH_DIR = BASE / "var" / "bench"
N_CUSTOMERS = 5000
PRODUCTS = ("PE-LLDP", "PE-HD", "PP-T30S", "GAS-92", "DSL-0", "CEM-PO425-B")
UNITS = {"PE-LLDP": "吨", "PE-HD": "吨", "PP-T30S": "t", "GAS-92": "升", "DSL-0": "吨", "CEM-PO425-B": "袋"}


def setup_django(db: str) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "pg":
        import psycopg

        admin = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'kehu_bench_sales'").fetchone():
                conn.execute("CREATE DATABASE kehu_bench_sales")
        os.environ["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/kehu_bench_sales"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'sales.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> None:
    from kehu.customers.models import Customer
    from kehu.sales.models import Warehouse
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    Warehouse.objects.get_or_create(code="JN-01", defaults={"name": "济南库"})
    have = set(Customer.objects.filter(code__startswith="BK").values_list("code", flat=True))
    Customer.objects.bulk_create([
        Customer(code=f"BK{i:06d}", name=f"基准客户{i}", status="active", uscc=None)
        for i in range(N_CUSTOMERS) if f"BK{i:06d}" not in have
    ], batch_size=2000)


def make_csv(rows: int) -> Path:
    path = BENCH_DIR / f"pickups-{rows}.csv"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["客户编码", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"])
        for i in range(rows):
            p = PRODUCTS[i % len(PRODUCTS)]
            w.writerow([f"BK{i % N_CUSTOMERS:06d}", p, f"{(i % 997) + 1}.{i % 1000:03d}", UNITS[p],
                        f"{(i % 99991) + 1}.{i % 100:02d}", f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}",
                        "JN-01" if i % 3 else "", f"CK{i:012d}"])
    tmp.rename(path)
    return path


def make_xlsx(rows: int) -> Path:
    import xlsxwriter

    path = BENCH_DIR / f"pickups-{rows}.xlsx"
    if path.exists():
        return path
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["客户编码", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"])
    for i in range(rows):
        p = PRODUCTS[i % len(PRODUCTS)]
        ws.write_row(i + 1, 0, [f"BK{i % N_CUSTOMERS:06d}", p, (i % 997) + 1.5, UNITS[p], (i % 99991) + 1.25,
                                f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}", "JN-01", f"XL{i:012d}"])
    wb.close()
    return path


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM sales_pickup" if connection.vendor == "sqlite" else "TRUNCATE sales_pickup")


def bare_copy(path: Path) -> float:
    """The bare COPY of the same file into an unindexed text table, no validation (PostgreSQL)."""
    from django.db import connection, transaction

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bare (c0 text, c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text)"
                    " ON COMMIT DROP")
        with open(path, "rb") as f, cur.cursor.copy("COPY bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    return time.perf_counter() - t


def cpu_seconds() -> tuple[float, float]:
    """(this process, the PostgreSQL backend serving it) CPU seconds so far. The machine is shared: CPU seconds
    say what the import costs whatever the others run; wall time says what a user waits under that load."""
    from django.db import connection

    me = resource.getrusage(resource.RUSAGE_SELF)
    own = me.ru_utime + me.ru_stime
    if connection.vendor != "postgresql":
        return own, 0.0
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return own, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:  # PostgreSQL on another machine
        return own, float("nan")


def timed(fn):
    """(result, wall seconds, python CPU seconds, backend CPU seconds, load average at the end)."""
    c0 = cpu_seconds()
    t = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t
    c1 = cpu_seconds()
    return result, dt, c1[0] - c0[0], c1[1] - c0[1], os.getloadavg()[0]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=0)
    ap.add_argument("--no-reimport", action="store_true")
    args = ap.parse_args()
    setup_django(args.db)
    seed()
    from kehu.sales.importers import import_pickups

    print(f"database: {args.db}; baseline memory after setup {peak_mb():.0f} MB", flush=True)
    if args.rows:
        path = make_csv(args.rows)
        print(f"file: {path.name} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)", flush=True)
        truncate()
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
              flush=True)
        if args.db == "pg":
            _, b, bpy, bpg, load = timed(lambda: bare_copy(path))
            print(f"bare COPY (no validation): {b:.1f} s = {args.rows / b:,.0f} rows/s; CPU python {bpy:.1f} s, "
                  f"postgres {bpg:.1f} s; load {load:.2f}", flush=True)
        r, dt, py, pg, load = timed(lambda: import_pickups(path, source="bench"))
        assert r.ok, r.errors[:5]
        print(f"import with validation: {dt:.1f} s = {args.rows / dt:,.0f} rows/s; inserted {r.inserted:,}; "
              f"CPU python {py:.1f} s, postgres {pg:.1f} s; load {load:.2f}"
              + (f"; {dt / b:.2f}x the bare COPY (wall), {(py + pg) / (bpy + bpg):.2f}x (CPU)"
                 if args.db == "pg" else ""), flush=True)
        print(f"peak memory so far: {peak_mb():.0f} MB", flush=True)
        if not args.no_reimport:
            r, dt, py, pg, load = timed(lambda: import_pickups(path, source="bench"))
            print(f"re-import of the same file: {dt:.1f} s = {args.rows / dt:,.0f} rows/s; inserted {r.inserted}, "
                  f"skipped {r.skipped:,}; CPU python {py:.1f} s, postgres {pg:.1f} s; load {load:.2f}", flush=True)
    if args.xlsx_rows:
        path = make_xlsx(args.xlsx_rows)
        t = time.perf_counter()
        r = import_pickups(path, source="bench-xlsx")
        dt = time.perf_counter() - t
        assert r.ok, r.errors[:5]
        print(f"XLSX import of {args.xlsx_rows:,} rows: {dt:.1f} s = {args.xlsx_rows / dt:,.0f} rows/s", flush=True)
    print(f"peak memory: {peak_mb():.0f} MB", flush=True)


if __name__ == "__main__":
    main()
