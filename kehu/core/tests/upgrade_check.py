"""Run in a subprocess by test_upgrade.py, with DATABASE_URL pointing at a copy of an older release's database:
migrate it to the current schema, then read the old data through the current models and print what it shows, in
the shape of bench/upgrade/expected.py's output (which read the same data with SQL from the old schema)."""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402


def main() -> dict:
    call_command("migrate", interactive=False, verbosity=0)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())

    from kehu.core.models import JobRun
    from kehu.customers.models import ArchiveEvent, Contact, Customer, CustomerRead, Qualification
    from kehu.customers.selectors import customer_list, customer_timeline
    from kehu.org.models import OrgUnit, User
    from kehu.policy.models import GradeAssignment
    from kehu.sales.models import Payment, Pickup
    from kehu.service.models import Complaint
    from kehu.workflow.models import Approval, ApprovalStep

    models = {"customers_customer": Customer, "customers_contact": Contact, "customers_qualification": Qualification,
              "customers_historicalcustomer": Customer.history.model, "customers_customerread": CustomerRead,
              "customers_archiveevent": ArchiveEvent, "org_user": User, "org_orgunit": OrgUnit,
              "sales_pickup": Pickup, "sales_payment": Payment, "workflow_approval": Approval,
              "workflow_approvalstep": ApprovalStep, "policy_gradeassignment": GradeAssignment,
              "service_complaint": Complaint, "core_jobrun": JobRun}
    counts = {table: model._default_manager.count() for table, model in models.items()}
    customers = [{"code": c.code, "name": c.name, "status": c.status, "uscc": c.uscc,
                  "owner": c.owner.username if c.owner else None, "classifications": c.classifications}
                 for c in Customer.objects.select_related("owner").order_by("code")[:5]]
    pickups = {row["customer__code"]: str(row["total"].quantize(Decimal("0.001"))) for row in
               Pickup.objects.values("customer__code").annotate(total=Sum("base_quantity"))
               .order_by("customer__code")[:5]}
    approvals = {f"{r['kind']}/{r['status']}": r["n"] for r in
                 Approval.objects.values("kind", "status").annotate(n=Count("id")).order_by("kind", "status")}
    codes = [c["code"] for c in customers]
    history = {code: Customer.history.filter(code=code).count() for code in codes}
    manager = User.objects.get(username="jingli1")
    edited = Customer.objects.filter(owner=manager).order_by("code").first()
    timeline = customer_timeline(customer=edited, actor=manager)
    return {
        "counts": counts, "customers": customers, "pickup_base_quantity": pickups, "approvals": approvals,
        "customer_history_rows": history,
        "pending_migrations": [f"{m.app_label}.{m.name}" for m, _ in pending],
        "applied_apps": sorted({app for app, _ in executor.loader.applied_migrations}),
        "timeline_reasons": sorted({e.reason for e in timeline if e.reason}),
        "edited_contact_mobiles": sorted(edited.contacts.values_list("mobile", flat=True)),
        "manager_sees": customer_list(actor=manager).count(),
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, sort_keys=True))
