"""Two reviewers deciding the same step at the same moment: one wins, the other is told clearly (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kehu.core.errors import ServiceError
from kehu.workflow.models import ApprovalStatus, Decision, StepStatus
from kehu.workflow.services import admission_apply, approval_step_decide
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_the_same_step_at_once_one_wins(on_postgres, am_user, prospect, make_user,
                                                            finance_reviewer, general_manager):
    first = make_user("sales_reviewer", "sales", display_name="审核甲")
    second = make_user("sales_reviewer", "sales", display_name="审核乙")
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    step = app.approval.steps.get(order=1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(user, decision, comment):
        try:
            barrier.wait(timeout=10)
            approval_step_decide(actor=user, step=step, decision=decision, comment=comment)
            outcomes[user.display_name] = "ok"
        except ServiceError as exc:
            outcomes[user.display_name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(first, Decision.APPROVE, "同意")),
               threading.Thread(target=decide, args=(second, Decision.REJECT, "不同意"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    wins = [k for k, v in outcomes.items() if v == "ok"]
    losses = [v for v in outcomes.values() if v != "ok"]
    assert len(wins) == 1 and len(losses) == 1
    assert "不能重复审批" in losses[0].message
    step.refresh_from_db()
    assert step.status == StepStatus.DONE and step.decided_by.display_name == wins[0]
    app.approval.refresh_from_db()
    expected = ApprovalStatus.PENDING if step.decision == Decision.APPROVE else ApprovalStatus.REJECTED
    assert app.approval.status == expected
    # Exactly one decision row and one follow-up state: the next step is pending only if the winner approved.
    assert app.approval.steps.filter(status=StepStatus.DONE).count() == 1
