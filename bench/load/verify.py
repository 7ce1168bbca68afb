"""After the load run: does the database hold exactly what the users were told? (run by run.py)

- every edit answered 200 is in the archive history, with its reason and author; no edit answered 409 is;
- every archive open answered 200 is in the read log (same user, customer, channel);
- no approval step was decided twice, and every decision answered 200 is the step's recorded decision;
- every complaint and access request answered 201 exists once; rows created equal what the load tool counted;
- the 1,000,000-pickup import is there whole, once, and the interrupted attempts left nothing behind.
Prints a JSON report; exit code 1 when anything is missing or doubled.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()


def main(ledger_path: Path, started: float, pickups: int) -> dict:
    from django.db.models import Count

    from kehu.customers.models import Customer, CustomerRead
    from kehu.org.models import User
    from kehu.policy.models import RegradeRun
    from kehu.sales.models import ImportJob, Pickup
    from kehu.service.models import Complaint
    from kehu.workflow.models import AccessRequest, ApprovalStep

    entries = [json.loads(line) for line in ledger_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_kind: dict[str, list[dict]] = {}
    for e in entries:
        by_kind.setdefault(e["kind"], []).append(e)
    since = datetime.fromtimestamp(started, UTC)
    users = dict(User.objects.values_list("username", "pk"))
    problems: list[str] = []

    # edits ------------------------------------------------------------------------------------------------------
    History = Customer.history.model
    reasons = {e["reason"] for k in ("edit", "edit_conflict", "edit_unknown") for e in by_kind.get(k, [])}
    rows = Counter()
    authors: dict[str, int] = {}
    for reason, user_id in History.objects.filter(history_change_reason__in=reasons, history_type="~").values_list(
            "history_change_reason", "history_user_id").iterator(chunk_size=5000):
        rows[reason] += 1
        authors[reason] = user_id
    ok_edits = by_kind.get("edit", [])
    missing_edits = [e["reason"] for e in ok_edits if rows[e["reason"]] != 1]
    wrong_author = [e["reason"] for e in ok_edits if authors.get(e["reason"]) != users[e["user"]]]
    conflicts_saved = [e["reason"] for e in by_kind.get("edit_conflict", []) if rows[e["reason"]]]
    unknown_saved = sum(1 for e in by_kind.get("edit_unknown", []) if rows[e["reason"]])
    if missing_edits or wrong_author or conflicts_saved:
        problems.append(f"edits: {len(missing_edits)} missing/doubled, {len(wrong_author)} wrong author, "
                        f"{len(conflicts_saved)} refused edits saved")

    # reads ------------------------------------------------------------------------------------------------------
    told = Counter((users[e["user"]], e["customer"], e["channel"]) for e in by_kind.get("read", []))
    logged = Counter({(u, c, ch): n for u, c, ch, n in CustomerRead.objects.filter(at__gte=since)
                      .values_list("user_id", "customer_id", "channel").annotate(n=Count("id"))
                      .values_list("user_id", "customer_id", "channel", "n")})
    missing_reads = sum((told - logged).values())
    extra_reads = sum((logged - told).values())
    if missing_reads:
        problems.append(f"reads: {missing_reads} archive opens answered 200 are not in the read log")

    # approvals --------------------------------------------------------------------------------------------------
    decisions = Counter(e["step"] for e in by_kind.get("decision", []))
    twice_by_ledger = [s for s, n in decisions.items() if n > 1]
    decided = dict(ApprovalStep.objects.filter(pk__in=list(decisions)).values_list("pk", "decided_by_id"))
    wrong_decider = [e["step"] for e in by_kind.get("decision", []) if decided.get(e["step"]) != users[e["user"]]]
    if twice_by_ledger or wrong_decider:
        problems.append(f"approvals: {len(twice_by_ledger)} steps answered 200 twice, "
                        f"{len(wrong_decider)} decisions not recorded as told")
    submitted = {e["approval"] for e in by_kind.get("approval_submitted", [])}
    bench_requests = AccessRequest.objects.filter(created_at__gte=since) if hasattr(AccessRequest, "created_at") \
        else AccessRequest.objects.filter(approval__submitted_at__gte=since)
    found_approvals = set(bench_requests.values_list("approval_id", flat=True))
    missing_approvals = submitted - found_approvals
    if missing_approvals:
        problems.append(f"approvals: {len(missing_approvals)} access requests answered 201 are missing")

    # complaints -------------------------------------------------------------------------------------------------
    told_complaints = {e["id"] for e in by_kind.get("complaint", [])}
    bench_complaints = Complaint.objects.filter(description__contains="（load-")
    found = set(bench_complaints.values_list("pk", flat=True))
    missing_complaints = told_complaints - found
    if missing_complaints:
        problems.append(f"complaints: {len(missing_complaints)} answered 201 are missing")

    # import and jobs --------------------------------------------------------------------------------------------
    loaded = Pickup.objects.filter(source_ref__startswith="LOAD").count()
    distinct = Pickup.objects.filter(source_ref__startswith="LOAD").values("source_ref").distinct().count()
    jobs = list(ImportJob.objects.order_by("pk").values("pk", "status", "attempts", "inserted_rows", "total_rows"))
    if loaded not in (0, pickups) or distinct != loaded:
        problems.append(f"import: {loaded} pickups ({distinct} distinct) — half-written or doubled")
    regrades = list(RegradeRun.objects.filter(started_at__gte=since).order_by("pk")
                    .values("pk", "status", "customers", "written", "total_ms", "error"))

    return {
        "ok": not problems, "problems": problems,
        "edits": {"ok": len(ok_edits), "in_history": len(ok_edits) - len(missing_edits),
                  "conflicts_409": len(by_kind.get("edit_conflict", [])), "conflicts_saved": len(conflicts_saved),
                  "outcome_unknown": len(by_kind.get("edit_unknown", [])), "outcome_unknown_saved": unknown_saved},
        "reads": {"answered_200": sum(told.values()), "in_read_log": sum(told.values()) - missing_reads,
                  "logged_without_answer": extra_reads},
        "approvals": {"submitted_201": len(submitted), "found": len(submitted & found_approvals),
                      "decisions_200": sum(decisions.values()), "steps_decided_twice": len(twice_by_ledger),
                      "decisions_refused": len(by_kind.get("decision_refused", []))},
        "complaints": {"answered_201": len(told_complaints), "found": len(told_complaints & found),
                       "created_in_db": len(found),
                       "outcome_unknown": len(by_kind.get("complaint_unknown", []))},
        "import": {"pickups_loaded": loaded, "distinct": distinct, "jobs": jobs},
        "regrade_runs": regrades,
    }


if __name__ == "__main__":
    report = main(Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    sys.exit(0 if report["ok"] else 1)
