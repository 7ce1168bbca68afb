"""Data for the load bench, in the bench's own database (run by run.py with the application's environment):
the demo company, 20,000 customers spread over 200 extra 客户经理, five 市场营销部负责人 who decide archive-access
requests, the accounts' password, users.json for locust and a CSV of 1,000,000 pickups for the import."""

from __future__ import annotations

import csv
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402

PASSWORD = "kehu-load-2026"  # noqa: S105 - throw-away accounts of a throw-away database
PRODUCTS = (("PE-LLDP", "吨"), ("PE-HD", "吨"), ("PP-T30S", "t"))


def main(out: Path, customers: int, pickups: int) -> None:
    from kehu.customers.models import Customer
    from kehu.org.models import OrgUnit, Role, User
    from kehu.org.services import user_create
    from kehu.sales.models import Warehouse

    call_command("migrate", interactive=False, verbosity=0)
    call_command("kehu_demo", customers=60)
    call_command("kehu_demo_bulk", customers=customers, managers=200)
    Warehouse.objects.get_or_create(code="JN-01", defaults={"name": "济南库"})
    marketing = Role.objects.get(code="marketing_head")
    unit = OrgUnit.objects.get(code="HB-MKT")
    for i in range(1, 5):
        if not User.objects.filter(username=f"load_mkt{i}").exists():
            user_create(username=f"load_mkt{i}", password=PASSWORD, display_name=f"营销部审批人{i}", unit=unit,
                        roles=[marketing])
    approvers = ["yingxiao", *[f"load_mkt{i}" for i in range(1, 5)]]
    managers = list(User.objects.filter(username__startswith="bulk_am").order_by("username"))
    User.objects.filter(pk__in=[u.pk for u in managers] + list(
        User.objects.filter(username__in=approvers).values_list("pk", flat=True))).update(
        password=make_password(PASSWORD))
    rng = random.Random(7)
    owned: dict[int, list[int]] = {}
    for pk, owner in Customer.objects.filter(owner__in=managers).values_list("pk", "owner_id"):
        owned.setdefault(owner, []).append(pk)
    all_ids = [pk for ids in owned.values() for pk in ids]
    users = {"password": PASSWORD, "approvers": [{"username": u} for u in approvers], "account_managers": []}
    for m in managers:
        mine = owned.get(m.pk, [])[:50]
        if not mine:
            continue
        others = [pk for pk in rng.sample(all_ids, 40) if pk not in set(owned.get(m.pk, []))][:20]
        users["account_managers"].append({"username": m.username, "customers": mine, "others": others})
    (out / "users.json").write_text(json.dumps(users), encoding="utf-8")

    # only 正式客户 may pick up (the import refuses the others, and so it should)
    codes = list(Customer.objects.filter(owner__in=managers, status="active").order_by("code")
                 .values_list("code", flat=True))
    path = out / f"pickups-{pickups}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["客户编码", "产品编码", "数量", "单位", "金额", "提货日期", "库点", "单据号"])
        for i in range(pickups):
            product, unit_label = PRODUCTS[i % len(PRODUCTS)]
            w.writerow([codes[i % len(codes)], product, f"{(i % 97) + 1}.{i % 1000:03d}", unit_label,
                        f"{(i % 99991) + 1}.{i % 100:02d}", f"2026-{9 + i % 3:02d}-{(i % 28) + 1:02d}",
                        "JN-01" if i % 3 else "", f"LOAD{i:010d}"])
    print(json.dumps({"account_managers": len(users["account_managers"]), "customers": Customer.objects.count(),
                      "pickup_file": str(path)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
