"""What a database made by an older release holds, read with plain SQL (no models: the schema is the old one).

    python bench/upgrade/expected.py sqlite:///path/to/db.sqlite3   > expected.json
    python bench/upgrade/expected.py postgres://postgres@127.0.0.1:55441/kehu_v02

The upgrade test migrates the fixture to the current schema and checks the same figures through the current models.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from decimal import Decimal

COUNTED = ("customers_customer", "customers_contact", "customers_qualification", "customers_historicalcustomer",
           "customers_customerread", "customers_archiveevent", "org_user", "org_orgunit", "sales_pickup",
           "sales_payment", "workflow_approval", "workflow_approvalstep", "policy_gradeassignment",
           "service_complaint", "core_jobrun")


def _connect(url: str):
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        return conn, "?"
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1)), "%s"


def expected(url: str) -> dict:
    conn, p = _connect(url)
    cur = conn.cursor()

    def rows(sql: str, params=()):
        cur.execute(sql.replace("%s", p), params)
        return cur.fetchall()

    counts = {t: rows(f"SELECT count(*) FROM {t}")[0][0] for t in COUNTED}
    customers = [
        {"code": code, "name": name, "status": status, "uscc": uscc, "owner": owner,
         "classifications": json.loads(cls) if isinstance(cls, str) else cls}
        for code, name, status, uscc, owner, cls in rows(
            "SELECT c.code, c.name, c.status, c.uscc, u.username, c.classifications FROM customers_customer c "
            "LEFT JOIN org_user u ON u.id = c.owner_id ORDER BY c.code LIMIT 5")
    ]
    pickups = {code: str(Decimal(str(total)).quantize(Decimal("0.001"))) for code, total in rows(
        "SELECT c.code, SUM(p.base_quantity) FROM sales_pickup p JOIN customers_customer c ON c.id = p.customer_id "
        "GROUP BY c.code ORDER BY c.code LIMIT 5")}
    approvals = {f"{kind}/{status}": n for kind, status, n in rows(
        "SELECT kind, status, count(*) FROM workflow_approval GROUP BY kind, status ORDER BY kind, status")}
    history = {code: n for code, n in rows(
        "SELECT c.code, count(*) FROM customers_historicalcustomer h JOIN customers_customer c ON c.id = h.id "
        "GROUP BY c.code ORDER BY c.code LIMIT 5")}
    migrations = {app: name for app, name in rows(
        "SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")}
    conn.close()
    return {"counts": counts, "customers": customers, "pickup_base_quantity": pickups, "approvals": approvals,
            "customer_history_rows": history, "migrations": migrations}


if __name__ == "__main__":
    print(json.dumps(expected(sys.argv[1]), ensure_ascii=False, indent=1, sort_keys=True))
