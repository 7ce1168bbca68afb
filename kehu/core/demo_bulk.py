"""Bulk demo data for benchmarks: a million customers in minutes.

What it writes: customers (unique believable names, valid GB 32100 credit codes, pinyin search keys),
one or two contacts each (two for important customers) and a business licence each (some expiring soon).
What it skips, on purpose: history rows (django-simple-history) — a bulk demo load is not a change anyone made,
and writing 3 million history rows would double the load time. Invoicing profiles are not generated either.

Speed comes from three choices:
- names are drawn without repetition from a combinatorial vocabulary (place × brand × trade × suffix) and their
  pinyin is computed once per vocabulary piece and concatenated (pypinyin manages ~7,000 names/s);
- PostgreSQL: psycopg 3 COPY, with the secondary indexes dropped during the load and rebuilt afterwards;
- SQLite: executemany in one transaction (the FTS5 search table is filled by its triggers).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from kehu.core.demo import GIVEN, SURNAMES, TITLES, demo_org_load, org_code_check
from kehu.customers.models import Customer, CustomerKind, CustomerStatus, LicenceType
from kehu.customers.pinyin import pinyin_keys
from kehu.customers.validators import uscc_check_char
from kehu.org.models import OrgUnitKind
from kehu.org.roles import roles_bootstrap
from kehu.org.services import user_create

PLACES = [
    ("济南", "370100"), ("青岛", "370200"), ("淄博", "370300"), ("枣庄", "370400"), ("东营", "370500"),
    ("烟台", "370600"), ("潍坊", "370700"), ("济宁", "370800"), ("泰安", "370900"), ("威海", "371000"),
    ("日照", "371100"), ("临沂", "371300"), ("德州", "371400"), ("聊城", "371500"), ("滨州", "371600"),
    ("菏泽", "371700"), ("章丘", "370181"), ("即墨", "370282"), ("胶州", "370281"), ("平度", "370283"),
    ("莱西", "370285"), ("寿光", "370783"), ("诸城", "370782"), ("青州", "370781"), ("邹城", "370883"),
    ("曲阜", "370881"), ("新泰", "370982"), ("肥城", "370983"), ("荣成", "371082"), ("乳山", "371083"),
    ("单县", "371722"), ("曹县", "371721"), ("郓城", "371725"), ("莘县", "371522"), ("临清", "371581"),
    ("龙口", "370681"), ("莱州", "370683"), ("蓬莱", "370614"), ("招远", "370685"), ("栖霞", "370686"),
]
BRAND_HEADS = "鲁华齐恒金宏瑞泰永信联中东海新万正天润鼎博汇广德凯兴昌盛和丰"
BRAND_TAILS = "兴泰诚达丰和盛通源隆胜元远晟衡泽创大岳利康安顺祥发宇辉佳成鑫"
TRADES = [
    "塑料制品", "包装材料", "化工", "管业", "薄膜", "物流", "建材", "商贸", "新材料", "纺织", "运输", "混凝土",
    "石化", "能源", "橡胶", "涂料", "机械", "电气", "环保科技", "实业", "贸易", "农资", "汽车服务", "燃料",
    "医药", "食品", "钢铁", "水泥", "玻璃", "电子",
]
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司"]
STATUSES = [CustomerStatus.ACTIVE] * 16 + [CustomerStatus.PROSPECT] * 2 + [CustomerStatus.APPLYING,
                                                                          CustomerStatus.SUSPENDED]
# hb-chemicals' dimensions (第九条, 第十条) with their allowed values.
CLASS_OBJECT = ["经销商"] * 6 + ["直销客户"]
CLASS_FORM = ["计划"] * 9 + ["网拍"]
CLASS_CHANNEL = ["直销客户", "经销商", "独家代理商"]
PREFS = ["", "喜欢喝茶", "关注价格", "重视交期"]


@dataclass(frozen=True)
class Vocabulary:
    """The name space: every n below `size` maps to a different name (a bijection by a coprime stride)."""

    places: tuple[tuple[str, str], ...] = tuple(PLACES)
    brands: tuple[str, ...] = tuple(h + t for h in BRAND_HEADS for t in BRAND_TAILS)
    trades: tuple[str, ...] = tuple(TRADES)
    suffixes: tuple[str, ...] = tuple(SUFFIXES)

    @property
    def size(self) -> int:
        return len(self.places) * len(self.brands) * len(self.trades) * len(self.suffixes)

    def stride(self) -> int:
        s = 1_000_003
        while math.gcd(s, self.size) != 1:
            s += 2
        return s

    def decode(self, n: int, stride: int) -> tuple[int, int, int, int]:
        idx = (n * stride + 12_345) % self.size
        idx, s = divmod(idx, len(self.suffixes))
        idx, t = divmod(idx, len(self.trades))
        p, b = divmod(idx, len(self.brands))
        return p, b, t, s


@dataclass
class BulkLoadResult:
    customers: int = 0
    contacts: int = 0
    qualifications: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)


def _bulk_owners(managers: int) -> tuple[list, object]:
    """The demo's account managers plus `managers` more (a company with a million customers has many)."""
    company = demo_org_load()
    roles = roles_bootstrap()
    from kehu.org.models import User

    owners = [company.users[u] for u in ("jingli1", "jingli2", "jingli3")]
    existing = {u.username: u for u in User.objects.filter(username__startswith="bulk_am")}
    teams = [company.units["HB-SALES-1"], company.units["HB-SALES-2"]]
    for i in range(managers):
        username = f"bulk_am{i + 1:04d}"
        user = existing.get(username)
        if user is None:
            user = user_create(username=username, password=None, display_name=f"客户经理{i + 1:04d}",
                               unit=teams[i % 2], roles=[roles["account_manager"]],
                               manager=company.users["xiaoshou"])
        owners.append(user)
    return owners, company


def _next_code_number() -> int:
    last = (Customer.objects.filter(code__regex=r"^KH[0-9]{8}$").order_by("-code")
            .values_list("code", flat=True).first())
    return int(last[2:]) if last else 0


def _rows(*, start: int, count: int, first_id: int, seed: int, owners: list, regions: list,
          verifier_id: int, used_uscc: set[str], today: date, now: datetime) -> Iterator[tuple]:
    """Yield ("c", customer_row), ("p", contact_row) and ("q", qualification_row) tuples, in id order."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    voc = Vocabulary()
    if start + count > voc.size:
        raise ValueError(f"the name vocabulary holds {voc.size} names; asked for {start + count}")
    stride = voc.stride()
    place_keys = [pinyin_keys(p) for p, _ in voc.places]
    brand_keys = [pinyin_keys(b) for b in voc.brands]
    trade_keys = [pinyin_keys(t) for t in voc.trades]
    suffix_keys = [pinyin_keys(s) for s in voc.suffixes]
    owner_units = [(o.pk, o.unit_id) for o in owners]
    now_s = now
    random_ = rng.random
    randrange = rng.randrange
    for i in range(count):
        n = start + i
        cid = first_id + i
        p, b, t, s = voc.decode(n, stride)
        place, region_code = voc.places[p]
        brand, trade, suffix = voc.brands[b], voc.trades[t], voc.suffixes[s]
        name = place + brand + trade + suffix
        short = brand + trade
        pf, pi = place_keys[p]
        bf, bi = brand_keys[b]
        tf, ti = trade_keys[t]
        sf, si = suffix_keys[s]
        name_pinyin = f"{pf}{bf}{tf}{sf} {bf}{tf}"
        name_initials = f"{pi}{bi}{ti}{si} {bi}{ti}"
        digits = f"{(n * 7919 + 13_572_468) % 10**8:08d}"
        first17 = "91" + region_code + digits + org_code_check(digits)
        uscc = first17 + uscc_check_char(first17)
        if uscc in used_uscc:
            uscc = None
        owner_id, unit_id = owner_units[n % len(owner_units)]
        important = n % 10 == 0
        classifications = json.dumps(
            {"sales_object": CLASS_OBJECT[n % 7], "sales_form": CLASS_FORM[(n // 7) % 10],
             "other_products_channel": CLASS_CHANNEL[n % 3]}, ensure_ascii=False
        )
        address = f"山东省{place}{BRAND_HEADS[n % 30]}{TRADES[n % 12][:1]}路{randrange(1, 999)}号"
        yield ("c", (cid, f"KH{n + 1:08d}", name, short, name_pinyin, name_initials, CustomerKind.ENTERPRISE,
                     uscc, STATUSES[n % 20], owner_id, unit_id, regions[p % len(regions)], address, important,
                     classifications, "", now_s, now_s, 1))
        for k in range(2 if important or n % 3 == 0 else 1):
            mobile = f"1{'3578'[(n + k) % 4]}{(n * 2 + k) * 7_777 % 10**9:09d}"
            yield ("p", (cid, SURNAMES[(n + k) % 20] + GIVEN[n % 18] + (GIVEN[(n // 18) % 18] if k else ""),
                         TITLES[(n + k) % 6], k == 0, mobile, f"0531-{(n * 13 + k) % 10**8:08d}", "", "", None,
                         PREFS[(n + k) % 4], ""))
        roll = random_()
        issued = today - timedelta(days=200 + n % 1800)
        if roll < 0.08:
            expires = today + timedelta(days=1 + n % 29)  # expiring soon
        elif roll < 0.11:
            expires = today - timedelta(days=1 + n % 59)  # expired
        elif roll < 0.7:
            expires = today + timedelta(days=60 + n % 1440)
        else:
            expires = None
        yield ("q", (cid, LicenceType.BUSINESS_LICENCE, uscc or f"BL{n:010d}", issued, expires, "",
                     verifier_id, now_s))


CUSTOMER_COLS = ("id", "code", "name", "short_name", "name_pinyin", "name_initials", "kind", "uscc", "status",
                 "owner_id", "unit_id", "region_id", "address", "is_important", "classifications", "notes",
                 "created_at", "updated_at", "version")
CONTACT_COLS = ("customer_id", "name", "title", "is_decision_maker", "mobile", "phone", "email", "id_number",
                "birthday", "preferences", "notes")
QUAL_COLS = ("customer_id", "licence_type", "number", "issued_on", "expires_on", "file", "verified_by_id",
             "verified_at")
TABLES = {"c": ("customers_customer", CUSTOMER_COLS), "p": ("customers_contact", CONTACT_COLS),
          "q": ("customers_qualification", QUAL_COLS)}


def _pg_secondary_indexes() -> list[tuple[str, str]]:
    """Non-constraint indexes on the loaded tables: dropped for the load, rebuilt afterwards."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [[t for t, _ in TABLES.values()]],
        )
        return list(cur.fetchall())


def _pg_create_index(indexdef: str) -> None:
    try:
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute(indexdef.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    finally:
        connection.close()


def _load_postgres(rows: Iterator[tuple], *, drop_indexes: bool, log: Callable[[str], None],
                   result: BulkLoadResult) -> None:
    indexes = _pg_secondary_indexes() if drop_indexes else []
    t0 = time.monotonic()
    with transaction.atomic(), connection.cursor() as wrapper:
        for name, _def in indexes:
            wrapper.execute(f'DROP INDEX IF EXISTS "{name}"')
        cur = wrapper.cursor
        # One COPY per table, streamed side by side through three buffers to keep memory flat.
        buffers: dict[str, list[tuple]] = {"c": [], "p": [], "q": []}

        def flush(kind: str) -> None:
            table, cols = TABLES[kind]
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in buffers[kind]:
                    copy.write_row(row)
            buffers[kind].clear()

        for kind, row in rows:
            buf = buffers[kind]
            buf.append(row)
            if len(buf) >= 50_000:
                flush(kind)
        for kind in buffers:
            flush(kind)
        wrapper.execute("SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
                        "(SELECT max(id) FROM customers_customer))")
    result.phases["copy"] = time.monotonic() - t0
    log(f"COPY done in {result.phases['copy']:.1f}s; rebuilding {len(indexes)} indexes")
    t0 = time.monotonic()
    if indexes:
        # Two cores here: build two indexes at a time, each on its own connection.
        defs = sorted((d for _n, d in indexes), key=lambda d: "gin" not in d)  # GIN (slowest) first
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(_pg_create_index, defs))
    result.phases["indexes"] = time.monotonic() - t0
    t0 = time.monotonic()
    with connection.cursor() as cur:
        for table, _cols in TABLES.values():
            cur.execute(f"ANALYZE {table}")
    result.phases["analyze"] = time.monotonic() - t0


def _sqlite_secondary_indexes() -> list[tuple[str, str]]:
    """Explicit (non-constraint) indexes on the loaded tables; automatic unique indexes have no SQL."""
    tables = [t for t, _ in TABLES.values()]
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cur:
        cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                    f"AND tbl_name IN ({marks})", tables)
        return list(cur.fetchall())


def _load_sqlite(rows: Iterator[tuple], *, drop_indexes: bool, log: Callable[[str], None],
                 result: BulkLoadResult) -> None:
    t0 = time.monotonic()
    indexes = _sqlite_secondary_indexes() if drop_indexes else []
    with connection.cursor() as cur:
        # A big page cache keeps the unique-index and FTS inserts in memory; the page cache is per connection.
        cur.execute("PRAGMA cache_size = -1000000")
    with transaction.atomic(), connection.cursor() as cur:
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        buffers: dict[str, list[tuple]] = {"c": [], "p": [], "q": []}

        def flush(kind: str) -> None:
            table, cols = TABLES[kind]
            marks = ", ".join(["%s"] * len(cols))
            cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", buffers[kind])  # noqa: S608
            buffers[kind].clear()

        for kind, row in rows:
            buf = buffers[kind]
            buf.append(row)
            if len(buf) >= 20_000:
                # Customers first: contacts and licences refer to them.
                if kind != "c":
                    flush("c")
                flush(kind)
        for kind in ("c", "p", "q"):
            flush(kind)
        for _name, sql in indexes:
            cur.execute(sql)
    result.phases["insert+indexes"] = time.monotonic() - t0
    t0 = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        if not connection.in_atomic_block:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # fold the big WAL back into the database file
    result.phases["analyze"] = time.monotonic() - t0


def demo_bulk_load(*, customers: int, seed: int = 42, managers: int = 200, drop_indexes: bool | None = None,
                   log: Callable[[str], None] = lambda _m: None, today: date | None = None) -> BulkLoadResult:
    """Add `customers` demo customers (with contacts and business licences) as fast as the database allows."""
    started = time.monotonic()
    result = BulkLoadResult()
    owners, company = _bulk_owners(managers)
    regions = [u.pk for u in company.units.values() if u.kind == OrgUnitKind.CITY]
    start = _next_code_number()
    first_id = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    used_uscc = set(Customer.objects.exclude(uscc=None).values_list("uscc", flat=True))
    today = today or timezone.localdate()
    counts = {"c": 0, "p": 0, "q": 0}

    def counted(it):
        for kind, row in it:
            counts[kind] += 1
            yield kind, row

    rows = counted(_rows(start=start, count=customers, first_id=first_id, seed=seed, owners=owners,
                         regions=regions, verifier_id=company.users["xiaoshou"].pk, used_uscc=used_uscc,
                         today=today, now=timezone.now()))
    log(f"loading {customers} customers (codes from KH{start + 1:08d}) on {connection.vendor}")
    if connection.vendor == "postgresql":
        _load_postgres(rows, drop_indexes=customers >= 100_000 if drop_indexes is None else drop_indexes,
                       log=log, result=result)
    else:
        _load_sqlite(rows, drop_indexes=customers >= 100_000 if drop_indexes is None else drop_indexes,
                     log=log, result=result)
    for alias in connections:
        if alias != "default":
            connections[alias].close()
    result.customers, result.contacts, result.qualifications = counts["c"], counts["p"], counts["q"]
    result.seconds = time.monotonic() - started
    return result

