"""Pickup import benchmark (run on demand; figures go to docs/sales-import.md).

    .venv/bin/python bench/import_bench.py --db pg --rows 5000000 --customers 100000
    .venv/bin/python bench/import_bench.py --db sqlite --rows 5000000 --customers 100000
    .venv/bin/python bench/import_bench.py --db pg --rows 500000 --customers 10000     # a quick look
    .venv/bin/python bench/import_bench.py --db pg --xlsx-rows 100000 --rows 0

Uses its own databases: PostgreSQL `bench_perf_sales` (created if absent; `--pg-db` or KEHU_BENCH_SALES_DB to change)
and var/bench/sales.sqlite3. The CSV holds the pickups in date order (as daily ERP exports arrive), customers
spread over the whole population, six products mixing t / L / 袋 units.

Measured in the same run, side by side:
  * the import (validate, normalise, resolve codes, write: `import_pickups`) into an empty `sales_pickup`;
  * the FLOOR the database sets for those rows: the importer's final values (dumped from `sales_pickup` after the
    import) loaded again into the emptied `sales_pickup`, with its real indexes and constraints, in one transaction
    (PostgreSQL: COPY … FORMAT binary; SQLite: executemany), with nothing else to do;
  * ratio import / floor (wall and CPU), an idempotent re-import of the same file (everything skipped), peak memory,
    the CPU seconds of this process and of its PostgreSQL backend, and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import marshal
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
BENCH_DIR = BASE / "var" / "bench"
PRODUCTS = ("PE-LLDP", "PE-HD", "PP-T30S", "GAS-92", "DSL-0", "CEM-PO425-B")
UNITS = {"PE-LLDP": "吨", "PE-HD": "吨", "PP-T30S": "t", "GAS-92": "升", "DSL-0": "吨", "CEM-PO425-B": "袋"}
# The typed columns of sales_pickup an import writes (everything but the id).
TYPED = ("customer_id", "product_id", "product_group_id", "quantity", "unit", "base_quantity", "amount", "picked_on",
         "warehouse_id", "source", "source_ref", "import_job_id", "created_by_id", "created_at")


def setup_django(db: str, pg_db: str) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if db == "pg":
        import psycopg

        admin = os.environ.get("KEHU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [pg_db]).fetchone():
                conn.execute(f'CREATE DATABASE "{pg_db}"')
        os.environ["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + pg_db
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'sales.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n_customers: int) -> None:
    from kehu.customers.models import Customer
    from kehu.sales.models import Warehouse
    from kehu.sales.services import product_catalogue_bootstrap

    product_catalogue_bootstrap()
    Warehouse.objects.get_or_create(code="JN-01", defaults={"name": "济南库"})
    have = set(Customer.objects.filter(code__startswith="BK").values_list("code", flat=True))
    missing = [i for i in range(n_customers) if f"BK{i:06d}" not in have]
    for start in range(0, len(missing), 5000):  # in chunks: the benchmark measures the importer's memory, not this
        Customer.objects.bulk_create([Customer(code=f"BK{i:06d}", name=f"基准客户{i}", status="active", uscc=None)
                                      for i in missing[start:start + 5000]])


def make_csv(rows: int, n_customers: int) -> Path:
    """Rows in date order over 2024 (an ERP export is one day after another), customers scattered."""
    path = BENCH_DIR / f"pickups-{rows}-{n_customers}.csv"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    start = date(2024, 1, 1)
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["客户编码", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"])
        for i in range(rows):
            p = PRODUCTS[i % len(PRODUCTS)]
            day = start + timedelta(days=i * 366 // rows)
            w.writerow([f"BK{(i * 7919) % n_customers:06d}", p, f"{(i % 997) + 1}.{i % 1000:03d}", UNITS[p],
                        f"{(i % 99991) + 1}.{i % 100:02d}", day.isoformat(), "JN-01" if i % 3 else "",
                        f"CK{i:012d}"])
    tmp.rename(path)
    return path


def make_xlsx(rows: int, n_customers: int) -> Path:
    import xlsxwriter

    path = BENCH_DIR / f"pickups-{rows}.xlsx"
    if path.exists():
        return path
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["客户编码", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"])
    for i in range(rows):
        p = PRODUCTS[i % len(PRODUCTS)]
        ws.write_row(i + 1, 0, [f"BK{i % n_customers:06d}", p, (i % 997) + 1.5, UNITS[p], (i % 99991) + 1.25,
                                f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}", "JN-01", f"XL{i:012d}"])
    wb.close()
    return path


def empty_pickups() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM sales_pickup" if connection.vendor == "sqlite" else "TRUNCATE sales_pickup")
        if connection.vendor == "postgresql":
            cur.execute("CHECKPOINT")  # the floor and the import each start without the other's dirty pages


def dump_typed(path: Path) -> None:
    """The importer's final values, as stored: the input of the floor."""
    from django.db import connection

    cols = ", ".join(TYPED)
    with connection.cursor() as cur, open(path, "wb") as out:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY (SELECT {cols} FROM sales_pickup ORDER BY id) TO STDOUT "
                                 "WITH (FORMAT binary)") as copy:
                for chunk in copy:
                    out.write(chunk)
        else:
            # raw stored values (expressions carry no declared type, so no converter turns them into Decimal/date)
            raw = ", ".join(f"{c} || ''" if c in ("unit", "picked_on", "source", "source_ref", "created_at")
                            else f"{c} + 0" for c in TYPED)
            cur.execute(f"SELECT {raw} FROM sales_pickup ORDER BY id")
            while batch := cur.fetchmany(20000):
                marshal.dump([tuple(r) for r in batch], out)


def floor_load(path: Path) -> int:
    """Load the typed rows into sales_pickup with its real indexes and constraints, in one transaction."""
    from django.db import connection, transaction

    from kehu.sales.importers import SQLITE_IMPORT_CACHE_KB, _sqlite_cache

    cols = ", ".join(TYPED)
    n = 0
    if connection.vendor == "sqlite":
        _sqlite_cache(SQLITE_IMPORT_CACHE_KB)  # the page cache the importer works with
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with open(path, "rb") as f, cur.cursor.copy(
                    f"COPY sales_pickup ({cols}) FROM STDIN WITH (FORMAT binary)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            cur.execute("SELECT count(*) FROM sales_pickup")
            n = cur.fetchone()[0]
        else:
            sql = f"INSERT INTO sales_pickup ({cols}) VALUES ({', '.join(['?'] * len(TYPED))})"
            raw = cur.cursor
            with open(path, "rb") as f:
                while True:
                    try:
                        batch = marshal.load(f)  # noqa: S302 - our own dump of this run
                    except EOFError:
                        break
                    raw.executemany(sql, batch)
                    n += len(batch)
    if connection.vendor == "sqlite":
        _sqlite_cache(None)
    return n


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


class Timed:
    def __init__(self, fn):
        c0 = cpu_seconds()
        t = time.perf_counter()
        self.result = fn()
        self.wall = time.perf_counter() - t
        c1 = cpu_seconds()
        self.py, self.db = c1[0] - c0[0], c1[1] - c0[1]
        self.load = os.getloadavg()[0]

    @property
    def cpu(self) -> float:
        return self.py + self.db

    def line(self, rows: int) -> str:
        return (f"{self.wall:.1f} s = {rows / self.wall:,.0f} rows/s; CPU python {self.py:.1f} s, "
                f"database {self.db:.1f} s; load {self.load:.2f}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--xlsx-rows", type=int, default=0)
    ap.add_argument("--no-reimport", action="store_true")
    ap.add_argument("--keep-files", action="store_true", help="keep the CSV (and the typed dump) in var/bench")
    ap.add_argument("--pg-db", default=os.environ.get("KEHU_BENCH_SALES_DB", "bench_perf_sales"))
    args = ap.parse_args()
    setup_django(args.db, args.pg_db)
    seed(args.customers)
    from kehu.sales.importers import import_pickups

    print(f"database: {args.db}; {args.customers:,} customers; baseline memory after setup {peak_mb():.0f} MB",
          flush=True)
    if args.rows:
        path = make_csv(args.rows, args.customers)
        typed = BENCH_DIR / f"typed-{args.rows}.{'bin' if args.db == 'pg' else 'marshal'}"
        print(f"file: {path.name} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)", flush=True)
        empty_pickups()
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
              flush=True)
        imp = Timed(lambda: import_pickups(path, source="bench"))
        r = imp.result
        assert r.ok, r.errors[:5]
        peak_import = peak_mb()
        print(f"import with validation: {imp.line(args.rows)}; inserted {r.inserted:,}", flush=True)
        print(f"peak memory of the importing process: {peak_import:.0f} MB", flush=True)
        dump_typed(typed)
        empty_pickups()
        floor = Timed(lambda: floor_load(typed))
        assert floor.result == args.rows, floor.result
        print(f"floor (typed rows into sales_pickup, one transaction): {floor.line(args.rows)}", flush=True)
        print(f"RATIO import / floor: wall {imp.wall / floor.wall:.2f}x, CPU {imp.cpu / floor.cpu:.2f}x "
              f"(target <= 1.5x on PostgreSQL)", flush=True)
        if not args.no_reimport:  # sales_pickup now holds every row of the file
            again = Timed(lambda: import_pickups(path, source="bench"))
            print(f"re-import of the same file: {again.line(args.rows)}; inserted {again.result.inserted}, "
                  f"skipped {again.result.skipped:,}", flush=True)
        typed.unlink(missing_ok=True)
        empty_pickups()
        if not args.keep_files:
            path.unlink(missing_ok=True)
    if args.xlsx_rows:
        path = make_xlsx(args.xlsx_rows, args.customers)
        t = time.perf_counter()
        r = import_pickups(path, source="bench-xlsx")
        dt = time.perf_counter() - t
        assert r.ok, r.errors[:5]
        print(f"XLSX import of {args.xlsx_rows:,} rows: {dt:.1f} s = {args.xlsx_rows / dt:,.0f} rows/s", flush=True)
        empty_pickups()
        if not args.keep_files:
            path.unlink(missing_ok=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; peak memory: {peak_mb():.0f} MB",
          flush=True)


if __name__ == "__main__":
    main()
