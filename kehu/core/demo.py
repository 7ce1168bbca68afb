"""A believable demo company: org tree, a user for every role, customers with valid credit codes,
contacts and qualifications (some expiring soon). Deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kehu.customers.models import (
    Contact,
    Customer,
    CustomerKind,
    CustomerStatus,
    InvoicingProfile,
    LicenceType,
    Qualification,
)
from kehu.customers.pinyin import customer_search_keys
from kehu.customers.validators import USCC_ALPHABET, uscc_check_char
from kehu.org.models import OrgUnit, OrgUnitKind, User
from kehu.org.roles import roles_bootstrap
from kehu.org.services import org_unit_create, user_create

DEMO_PASSWORD = "kehu-demo-2026"  # noqa: S105 - printed at start-up for the demo only

REGIONS = {
    "济南市": ("370100", ["历下区", "市中区", "槐荫区", "章丘区"]),
    "青岛市": ("370200", ["市南区", "黄岛区", "即墨区"]),
    "菏泽市": ("371700", ["牡丹区", "单县", "曹县"]),
    "淄博市": ("370300", ["张店区", "临淄区"]),
}
WORDS = ["鲁兴", "华泰", "齐鲁", "恒通", "金诚", "宏达", "瑞丰", "泰和", "永盛", "信达", "联创", "中诚", "东岳",
         "海晟", "新元", "万隆", "正大", "天衡", "润泽", "鼎盛", "博远", "汇丰", "广源", "德隆", "凯胜"]
TRADES = ["塑料制品", "包装材料", "化工", "管业", "薄膜", "物流", "建材", "商贸", "新材料", "纺织", "运输", "混凝土"]
SUFFIX = ["有限公司", "有限责任公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚"]
TITLES = ["总经理", "采购经理", "财务经理", "董事长", "采购员", "生产厂长"]
BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "齐鲁银行"]

DEMO_USERS = [
    # username, display name, unit code, role codes, manager username
    ("admin", "系统管理员", "HB", ("sysadmin",), None),
    ("zongjingli", "赵总（总经理）", "HB-GMO", ("general_manager",), None),
    ("xiaoshou", "钱部长（销售部经理）", "HB-SALES", ("dept_manager", "sales_reviewer"), None),
    ("caiwu", "孙会计（财务审核）", "HB-FIN", ("finance_reviewer",), None),
    ("yingxiao", "李主任（市场营销部）", "HB-MKT", ("marketing_head",), None),
    ("zhijian", "周工（质检）", "HB-QC", ("qc",), None),
    ("jingli1", "吴经理（客户经理）", "HB-SALES-1", ("account_manager",), "xiaoshou"),
    ("jingli2", "郑经理（客户经理）", "HB-SALES-1", ("account_manager",), "xiaoshou"),
    ("jingli3", "王经理（客户经理）", "HB-SALES-2", ("account_manager",), "xiaoshou"),
    ("yewu", "冯员（业务人员）", "HB-SALES-2", ("staff",), "jingli3"),
    # The 山东 retail network under 002 (shandong-retail): 加管处, 济南's 零售管理部门, two 历下区 stations.
    ("jiaguan", "马处长（加管处）", "SD", ("station_mgmt",), None),
    ("lingshou", "孔经理（济南零售管理部门）", "SD-01", ("dept_manager",), None),
    ("zhanzhang1", "刘站长（历下区第一加油站）", "SD-01-01-S1", ("account_manager",), "lingshou"),
    ("zhanzhang2", "陈站长（历下区第二加油站）", "SD-01-01-S2", ("account_manager",), "lingshou"),
    ("jihua", "陈计划（计划员）", "HB-SALES", ("planner",), None),  # registered by kehu.orders (003 一、5)
]
# 济南's counties have a second station, so that 002 6.5.3's station average (站均) means something in the demo.
SECOND_STATION_CITIES = ("济南市",)


@dataclass(frozen=True)
class DemoLoader:
    """An app's demo data, loaded after the core activity (customers, pickups, grades, approvals, service).

    `load(today=...)` goes through the app's services, is deterministic and idempotent (a second run adds nothing),
    and returns a one-line message for the console (中文 / English) or "" when it added nothing."""

    key: str
    order: int
    load: Callable[..., str]


_DEMO_LOADERS: dict[str, DemoLoader] = {}


def register_demo_loader(loader: DemoLoader) -> None:
    """Apps register their demo data from AppConfig.ready; `kehu_demo` runs them in `order`."""
    _DEMO_LOADERS[loader.key] = loader


def demo_loaders() -> list[DemoLoader]:
    return sorted(_DEMO_LOADERS.values(), key=lambda loader: (loader.order, loader.key))


def org_code_check(digits8: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(digits8, weights, strict=True)) % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def make_uscc(rng: random.Random, region_code: str = "370100") -> str:
    digits = f"{rng.randrange(10**8):08d}"
    first17 = "91" + region_code + digits + org_code_check(digits)
    assert all(ch in USCC_ALPHABET for ch in first17)
    return first17 + uscc_check_char(first17)


def make_company_name(rng: random.Random, city: str, n: int) -> tuple[str, str]:
    word = rng.choice(WORDS) + rng.choice(WORDS)[0]
    trade = rng.choice(TRADES)
    # The number keeps names unique in large runs without looking machine-made in small ones.
    tag = "" if n < 2000 else str(n)
    return f"{city[:-1]}{word}{tag}{trade}{rng.choice(SUFFIX)}", f"{word}{trade}"


def make_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@dataclass
class DemoCompany:
    units: dict[str, OrgUnit]
    users: dict[str, User]


@transaction.atomic
def demo_org_load() -> DemoCompany:
    """The org tree and users (idempotent: returns what exists)."""
    roles = roles_bootstrap()
    units: dict[str, OrgUnit] = {u.code: u for u in OrgUnit.objects.all()}

    def unit(code, name, kind, parent=None, region_group=""):
        if code not in units:
            units[code] = org_unit_create(code=code, name=name, kind=kind, parent=parent, region_group=region_group)
        return units[code]

    company = unit("HB", "hb石油销售公司", OrgUnitKind.COMPANY)
    unit("HB-GMO", "总经理办公室", OrgUnitKind.DEPARTMENT, company)
    sales = unit("HB-SALES", "销售部", OrgUnitKind.DEPARTMENT, company)
    unit("HB-SALES-1", "销售一组", OrgUnitKind.DEPARTMENT, sales)
    unit("HB-SALES-2", "销售二组", OrgUnitKind.DEPARTMENT, sales)
    unit("HB-FIN", "财务部", OrgUnitKind.DEPARTMENT, company)
    unit("HB-QC", "质检部", OrgUnitKind.DEPARTMENT, company)
    unit("HB-MKT", "市场营销部", OrgUnitKind.DEPARTMENT, company)
    unit("HB-OFFICE", "驻厂办", OrgUnitKind.OFFICE, company)
    province = unit("SD", "山东省", OrgUnitKind.PROVINCE, company)
    for i, (city, (_code, counties)) in enumerate(REGIONS.items()):
        c = unit(f"SD-{i + 1:02d}", city, OrgUnitKind.CITY, province, region_group="一类城市" if i < 2 else "二类城市")
        for j, county in enumerate(counties):
            k = unit(f"SD-{i + 1:02d}-{j + 1:02d}", county, OrgUnitKind.COUNTY, c)
            unit(f"SD-{i + 1:02d}-{j + 1:02d}-S1", f"{county}第一加油站", OrgUnitKind.STATION, k)
            if city in SECOND_STATION_CITIES:
                unit(f"SD-{i + 1:02d}-{j + 1:02d}-S2", f"{county}第二加油站", OrgUnitKind.STATION, k)

    users: dict[str, User] = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    for username, display, unit_code, role_codes, manager in DEMO_USERS:
        if username in users:
            continue
        users[username] = user_create(
            username=username, password=DEMO_PASSWORD, display_name=display, unit=units[unit_code],
            roles=[roles[r] for r in role_codes], manager=users.get(manager) if manager else None,
            email=f"{username}@demo.kehu.local", is_staff=username == "admin", is_superuser=username == "admin",
        )
    return DemoCompany(units=units, users=users)


@transaction.atomic
def demo_customers_load(*, count: int, seed: int = 42, today: date | None = None) -> int:
    """Add `count` customers with contacts, qualifications and invoicing data, in bulk (with history rows)."""
    company = demo_org_load()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = today or timezone.localdate()
    owners = [company.users[u] for u in ("jingli1", "jingli2", "jingli3")]
    cities = list(REGIONS.items())
    city_units = {u.name: u for u in company.units.values() if u.kind == OrgUnitKind.CITY}
    start = Customer.objects.count()
    used_uscc = set(Customer.objects.exclude(uscc=None).values_list("uscc", flat=True))
    customers = []
    for n in range(start, start + count):
        city, (region_code, _counties) = cities[n % len(cities)]
        name, short = make_company_name(rng, city, n)
        uscc = make_uscc(rng, region_code)
        while uscc in used_uscc:
            uscc = make_uscc(rng, region_code)
        used_uscc.add(uscc)
        owner = owners[n % len(owners)]
        status = rng.choices(
            [CustomerStatus.ACTIVE, CustomerStatus.PROSPECT, CustomerStatus.APPLYING, CustomerStatus.SUSPENDED],
            weights=[80, 10, 5, 5],
        )[0]
        pinyin, initials = customer_search_keys(name, short)
        customers.append(Customer(
            code=f"KH{n + 1:08d}", name=name, short_name=short, name_pinyin=pinyin, name_initials=initials,
            kind=CustomerKind.ENTERPRISE, uscc=uscc, status=status, owner=owner, unit_id=owner.unit_id,
            region=city_units[city], address=f"山东省{city}{rng.choice(WORDS)}路{rng.randrange(1, 999)}号",
            is_important=n % 10 == 0,
            # hb-chemicals' dimensions (第九条, 第十条) with their allowed values; mostly planned dealers, as
            # in a chemicals sales book: 直销客户 are managed as 普通 and 网拍 customers stay 网拍.
            classifications={
                "sales_object": rng.choices(["经销商", "直销客户"], weights=[85, 15])[0],
                "sales_form": rng.choices(["计划", "网拍"], weights=[90, 10])[0],
                "other_products_channel": rng.choice(["直销客户", "独家代理商", "经销商"]),
            },
        ))
    created = bulk_create_with_history(customers, Customer, batch_size=1000, default_change_reason="演示数据")
    contacts, quals, invoicing = [], [], []
    for c in created:
        for k in range(2 if c.is_important else rng.choice([1, 1, 2])):
            contacts.append(Contact(
                customer=c, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if k else ""),
                title=rng.choice(TITLES), is_decision_maker=k == 0, mobile=make_mobile(rng),
                phone=f"0531-{rng.randrange(10**7, 10**8)}",
                preferences=rng.choice(["", "喜欢喝茶", "关注价格", "重视交期"]),
            ))
        issued = today - timedelta(days=rng.randrange(200, 2000))
        roll = rng.random()
        expires = (today + timedelta(days=rng.randrange(1, 30)) if roll < 0.08
                   else today - timedelta(days=rng.randrange(1, 60)) if roll < 0.11
                   else today + timedelta(days=rng.randrange(60, 1500)))
        quals.append(Qualification(customer=c, licence_type=LicenceType.BUSINESS_LICENCE, number=c.uscc,
                                   issued_on=issued, expires_on=None if roll > 0.7 else expires,
                                   verified_by=company.users["xiaoshou"], verified_at=timezone.now()))
        quals.append(Qualification(customer=c, licence_type=LicenceType.HAZARDOUS_CHEMICALS,
                                   number=f"鲁危化经字〔{issued.year}〕{rng.randrange(1000, 9999)}",
                                   issued_on=issued, expires_on=expires))
        invoicing.append(InvoicingProfile(
            customer=c, bank_name=rng.choice(BANKS) + c.address[3:6] + "支行",
            bank_account="".join(str(rng.randrange(10)) for _ in range(19)), address=c.address,
            phone=f"0531-{rng.randrange(10**7, 10**8)}", tax_number=c.uscc,
        ))
    bulk_create_with_history(contacts, Contact, batch_size=2000, default_change_reason="演示数据")
    bulk_create_with_history(quals, Qualification, batch_size=2000, default_change_reason="演示数据")
    bulk_create_with_history(invoicing, InvoicingProfile, batch_size=2000, default_change_reason="演示数据")
    return len(created)
