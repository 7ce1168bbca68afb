"""Customer search and list-page benchmark at scale (issue 2, "Speed"). Run on demand, not in the test suite:

    python bench/search_bench.py --db postgres --customers 1000000
    python bench/search_bench.py --db sqlite --customers 1000000

Uses its own databases (PostgreSQL `kehu_bench`, SQLite var/bench/kehu_bench.sqlite3), loads the demo company and
bulk customers if fewer are there (timing the load), then measures the median of many different queries per kind
and writes the figures into docs/benchmarks.md (a section per database).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["postgres", "sqlite"], required=True)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=31, help="different queries per kind (median over these)")
    p.add_argument("--pg-url", default=os.environ.get("KEHU_BENCH_PG_URL",
                                                      "postgres://postgres@127.0.0.1:5432/kehu_bench"))
    p.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "kehu_bench.sqlite3"))
    p.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    p.add_argument("--no-write", action="store_true")
    return p.parse_args()


def ensure_pg_database(url: str) -> None:
    import psycopg

    dbname = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def manage(*args: str) -> str:
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)  # noqa: S603
    return out.stdout


def timed(fn, repeat: int = 1) -> float:
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        dt = (time.perf_counter() - t0) * 1000
        best = dt if best is None else min(best, dt)
    return best


def main() -> None:
    args = parse_args()
    if args.db == "postgres":
        ensure_pg_database(args.pg_url)
        os.environ["DATABASE_URL"] = args.pg_url
    else:
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    manage("migrate", "--noinput", "-v0")

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from kehu.customers.models import Contact, Customer
    from kehu.customers.selectors import CustomerFilters, customer_count_bounded, customer_list
    from kehu.org.models import User

    load_before = os.getloadavg()[0]
    load_line = "already loaded"
    have = Customer.objects.count()
    if have < args.customers:
        t0 = time.perf_counter()
        out = manage("kehu_demo_bulk", "--customers", str(args.customers))
        load_s = time.perf_counter() - t0
        phases = re.search(r"\((copy.*|insert.*)\)", out)
        load_line = (f"{args.customers - have:,} customers loaded in {load_s:.0f} s (command wall time"
                     f"{', ' + phases.group(1) if phases else ''})")
        print(out)
    total = Customer.objects.count()
    contacts = Contact.objects.count()
    print(f"{total:,} customers, {contacts:,} contacts on {connection.vendor}; {load_line}")

    am = User.objects.get(username="jingli1")
    manager = User.objects.get(username="xiaoshou")
    rng = random.Random(7)
    max_id = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    sample = []
    while len(sample) < args.samples:
        c = Customer.objects.filter(id__gte=rng.randrange(1, max_id)).order_by("id").first()
        if c and c.uscc and len(c.short_name) >= 4:
            sample.append(c)
    mobiles = dict(Contact.objects.filter(customer__in=sample).values_list("customer_id", "mobile"))

    def page(actor, query: str) -> None:
        qs = customer_list(actor=actor, filters=CustomerFilters(query=query))
        list(qs[:50])
        customer_count_bounded(qs, limit=1000)

    kinds = {
        "name substring (4 CJK chars, e.g. 「{}」)": lambda c: c.short_name[:4],
        "name substring (2 CJK chars, e.g. 「{}」)": lambda c: c.short_name[:2],
        "pinyin initials (e.g. `{}`)": lambda c: c.name_initials.split()[0][:6],
        "credit code (18 chars, e.g. `{}`)": lambda c: c.uscc,
        "full pinyin (e.g. `{}`)": lambda c: c.name_pinyin.split()[1][:12],
        "contact mobile (e.g. `{}`)": lambda c: mobiles.get(c.pk, "13900000000"),
        "customer code (e.g. `{}`)": lambda c: c.code,
    }
    results = []
    for label, make in kinds.items():
        queries = [make(c) for c in sample]
        for q in queries[:3]:
            page(manager, q)  # warm caches
        times = [timed(lambda q=q: page(manager, q)) for q in queries]
        results.append((label.format(queries[0]), statistics.median(times), max(times)))
        print(f"{results[-1][0]:<55} median {results[-1][1]:7.1f} ms   max {results[-1][2]:7.1f} ms")

    # The list page: first page of 50, with the actor's data scope, plus a bounded count.
    try:
        url = reverse("customers:list")
    except NoReverseMatch:
        url = None
    list_rows = []
    for who, actor in (("客户经理 (own customers)", am), ("部门经理 (department subtree)", manager)):
        if url:
            client = Client()
            client.force_login(actor)
            client.get(url)

            def render(client=client, q=""):
                resp = client.get(url, {"q": q} if q else {})
                assert resp.status_code == 200, resp.status_code

            how = f"GET {url} (Django test client, full template render)"
        else:

            def render(actor=actor, q=""):
                page(actor, q)

            how = "selector + first 50 rows + bounded count (the UI view was not committed yet: no template)"
        render()
        times = [timed(render) for _ in range(args.samples)]
        list_rows.append((f"list page, {who}", statistics.median(times), max(times), how))
        qtimes = [timed(lambda q=c.short_name[:4]: render(q=q)) for c in sample]
        list_rows.append((f"list page with search 「{sample[0].short_name[:4]}」, {who}", statistics.median(qtimes),
                          max(qtimes), how))
        for row in list_rows[-2:]:
            print(f"{row[0]:<55} median {row[1]:7.1f} ms   max {row[2]:7.1f} ms")

    if args.no_write:
        return
    version = connection.cursor().connection.info.server_version if connection.vendor == "postgresql" else None
    db_label = (f"PostgreSQL {version // 10000}.{version % 10000}" if version
                else f"SQLite {__import__('sqlite3').sqlite_version}")
    lines = [
        f"<!-- bench:{args.db}:start -->",
        f"### {db_label} — {total:,} customers, {contacts:,} contacts",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}"
        f" (`python bench/search_bench.py --db {args.db} --customers {args.customers}`); load average during the"
        f" run {load_before:.1f} → {os.getloadavg()[0]:.1f} (other work shares this machine).",
        "",
        f"- Load: {load_line}.",
        "",
        "Search (first page of 50 + bounded count, 部门经理 scope),"
        f" median / max over {args.samples} different queries:",
        "",
        "| search | median ms | max ms |",
        "|---|---:|---:|",
        *[f"| {label} | {med:.1f} | {mx:.1f} |" for label, med, mx in results],
        "",
        f"List page ({list_rows[0][3]}), median / max over {args.samples} requests:",
        "",
        "| page | median ms | max ms |",
        "|---|---:|---:|",
        *[f"| {label} | {med:.1f} | {mx:.1f} |" for label, med, mx, _how in list_rows],
        f"<!-- bench:{args.db}:end -->",
    ]
    section = "\n".join(lines)
    out = Path(args.out)
    text = out.read_text() if out.exists() else ""
    pattern = re.compile(rf"<!-- bench:{args.db}:start -->.*?<!-- bench:{args.db}:end -->", re.S)
    found = pattern.search(text)
    text = pattern.sub(lambda _m: section, text) if found else text.rstrip() + "\n\n" + section + "\n"
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
