"""The generic approval mechanism: order, ownership, double decisions, withdrawal, resubmission, delegation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.core.errors import ForbiddenError
from kehu.customers.models import CustomerStatus
from kehu.workflow.models import ApprovalStatus, Decision, Notification, StepStatus
from kehu.workflow.selectors import approvals_submitted_by, inbox_counts, steps_waiting_for
from kehu.workflow.services import (
    admission_apply,
    approval_resubmit,
    approval_step_decide,
    approval_withdraw,
    delegation_create,
    step_delegate,
)
from kehu.workflow.services.approvals import StepStateError
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


@pytest.fixture
def approval(am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    return app.approval


def _pending(approval):
    return approval.steps.get(round=approval.round, status=StepStatus.PENDING)


def test_submission_creates_the_three_admission_steps_in_order(approval):
    steps = list(approval.steps.order_by("order"))
    assert [s.role_code for s in steps] == ["sales_reviewer", "finance_reviewer", "general_manager"]
    assert [s.status for s in steps] == [StepStatus.PENDING, StepStatus.WAITING, StepStatus.WAITING]
    assert approval.status == ApprovalStatus.PENDING and approval.pack_version


def test_the_first_step_is_in_the_sales_reviewers_inbox_only(approval, sales_reviewer, finance_reviewer):
    assert [s.pk for s in steps_waiting_for(sales_reviewer)] == [_pending(approval).pk]
    assert not steps_waiting_for(finance_reviewer).exists()
    assert inbox_counts(sales_reviewer).waiting == 1


def test_the_reviewers_are_notified_in_the_app_and_by_mail_after_commit(
    am_user, prospect, sales_reviewer, finance_reviewer, general_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
        assert mail.outbox == []
    assert Notification.objects.filter(user=sales_reviewer, kind="approval_step").count() == 1
    for callback in callbacks:
        callback()
    assert any("xs@example.com" in m.to for m in mail.outbox)
    assert not any("cw@example.com" in m.to for m in mail.outbox)


def test_deciding_a_step_that_is_not_yours_is_refused(approval, finance_reviewer):
    with pytest.raises(ForbiddenError, match="不是该步骤的审批人"):
        approval_step_decide(actor=finance_reviewer, step=_pending(approval), decision=Decision.APPROVE)


def test_the_submitter_cannot_approve_their_own_application(approval, am_user):
    with pytest.raises(ForbiddenError, match="自己提交"):
        approval_step_decide(actor=am_user, step=_pending(approval), decision=Decision.APPROVE)


def test_a_later_step_cannot_be_decided_before_its_turn(approval, finance_reviewer):
    step2 = approval.steps.get(order=2)
    with pytest.raises(StepStateError, match="尚未轮到"):
        approval_step_decide(actor=finance_reviewer, step=step2, decision=Decision.APPROVE)


def test_deciding_twice_is_refused_naming_who_decided(approval, sales_reviewer):
    step = _pending(approval)
    approval_step_decide(actor=sales_reviewer, step=step, decision=Decision.APPROVE, comment="材料齐全")
    with pytest.raises(StepStateError, match=r"钱审核.*不能重复审批"):
        approval_step_decide(actor=sales_reviewer, step=step, decision=Decision.APPROVE)


def test_three_approvals_make_the_approval_approved(approval, reviewers):
    for user in reviewers:
        approval_step_decide(actor=user, step=_pending(approval), decision=Decision.APPROVE)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.finished_at is not None
    assert [s.decided_by for s in approval.steps.order_by("order")] == reviewers


def test_rejection_needs_a_reason(approval, sales_reviewer):
    with pytest.raises(ValidationError) as exc:
        approval_step_decide(actor=sales_reviewer, step=_pending(approval), decision=Decision.REJECT)
    assert "comment" in exc.value.message_dict


def test_rejection_ends_the_round_and_tells_the_submitter(approval, sales_reviewer, am_user):
    approval_step_decide(actor=sales_reviewer, step=_pending(approval), decision=Decision.REJECT, comment="执照模糊")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    assert set(approval.steps.values_list("status", flat=True)) == {StepStatus.DONE, StepStatus.CANCELLED}
    assert Notification.objects.filter(user=am_user, kind="approval_rejected").exists()


def test_a_withdrawn_approval_cannot_be_decided(approval, am_user, sales_reviewer):
    step = _pending(approval)
    approval_withdraw(actor=am_user, approval=approval)
    with pytest.raises(StepStateError, match="撤回"):
        approval_step_decide(actor=sales_reviewer, step=step, decision=Decision.APPROVE)


def test_only_the_submitter_may_withdraw(approval, sales_reviewer):
    with pytest.raises(ForbiddenError):
        approval_withdraw(actor=sales_reviewer, approval=approval)


def test_resubmission_starts_a_new_round_and_keeps_the_old_one(approval, sales_reviewer, am_user):
    approval_step_decide(actor=sales_reviewer, step=_pending(approval), decision=Decision.RETURN, comment="补开票资料")
    approval = approval_resubmit(actor=am_user, approval=approval)
    assert approval.round == 2 and approval.status == ApprovalStatus.PENDING
    assert approval.steps.filter(round=1, decision=Decision.RETURN).exists()
    assert approval.steps.filter(round=2).count() == 3
    assert _pending(approval).order == 1


def test_a_pending_approval_cannot_be_resubmitted(approval, am_user):
    with pytest.raises(StepStateError):
        approval_resubmit(actor=am_user, approval=approval)


def test_a_step_delegated_to_a_colleague_can_be_decided_by_them(approval, sales_reviewer, make_user):
    colleague = make_user("staff", "sales", display_name="冯员")
    step = step_delegate(actor=sales_reviewer, step=_pending(approval), to_user=colleague, reason="出差")
    assert steps_waiting_for(colleague).filter(pk=step.pk).exists()
    decided = approval_step_decide(actor=colleague, step=step, decision=Decision.APPROVE)
    assert decided.decided_by == colleague and decided.decided_for == sales_reviewer


def test_while_the_owner_is_away_the_stand_in_decides_on_their_behalf(approval, sales_reviewer, make_user):
    stand_in = make_user("staff", "sales", display_name="代理人")
    today = timezone.localdate()
    delegation_create(actor=sales_reviewer, to_user=stand_in, start=today, end=today + timedelta(days=3))
    assert steps_waiting_for(stand_in).count() == 1
    step = approval_step_decide(actor=stand_in, step=_pending(approval), decision=Decision.APPROVE)
    assert step.decided_for == sales_reviewer


def test_an_expired_delegation_gives_nothing(approval, sales_reviewer, make_user):
    stand_in = make_user("staff", "sales")
    today = timezone.localdate()
    delegation_create(actor=sales_reviewer, to_user=stand_in, start=today - timedelta(days=5),
                      end=today - timedelta(days=1))
    assert not steps_waiting_for(stand_in).exists()
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=stand_in, step=_pending(approval), decision=Decision.APPROVE)


def test_delegation_end_before_start_is_refused(sales_reviewer, make_user):
    other = make_user("staff", "sales")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        delegation_create(actor=sales_reviewer, to_user=other, start=today, end=today - timedelta(days=1))
    assert "end" in exc.value.message_dict


def test_every_decision_is_on_the_customer_timeline(approval, sales_reviewer, prospect):
    approval_step_decide(actor=sales_reviewer, step=_pending(approval), decision=Decision.APPROVE, comment="齐全")
    summaries = list(prospect.events.values_list("summary", flat=True))
    assert any("同意" in s for s in summaries) and any("提交" in s for s in summaries)


def test_submitted_list_shows_my_applications(approval, am_user):
    assert list(approvals_submitted_by(am_user)) == [approval]


def test_inbox_query_count_does_not_grow_with_the_number_of_steps(
    approval, sales_reviewer, django_assert_max_num_queries, customer_factory, am_user
):
    for i in range(5):
        c = customer_factory(owner=am_user, status=CustomerStatus.PROSPECT, name=f"客户{i}")
        from kehu.customers.tests.factories import InvoicingProfileFactory, QualificationFactory

        QualificationFactory(customer=c)
        InvoicingProfileFactory(customer=c)
        admission_apply(actor=am_user, customer=c, customer_type="direct", conditions=DIRECT_CONDITIONS)
    fresh = type(sales_reviewer).objects.get(pk=sales_reviewer.pk)
    with django_assert_max_num_queries(5):
        rows = list(steps_waiting_for(fresh))
        [(r.approval.title, r.approval.submitted_by.label) for r in rows]
    assert len(rows) == 6
