"""Transfer between management levels (002 6.1.1): from-unit head, then to-unit head; on approval the customer's
managing unit changes, with history and an archive event."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.customers.models import ArchiveEvent
from kehu.workflow.models import ApprovalStatus, StepStatus
from kehu.workflow.selectors import steps_waiting_for
from kehu.workflow.services import approval_step_decide, level_transfer_request_submit


@pytest.fixture
def team_head(make_user, org):
    head = make_user("dept_manager", "team1", username="zuzhang", display_name="冯组长")
    org["team1"].head = head
    org["team1"].save(update_fields=["head"])
    return head


@pytest.fixture
def sales_head(manager_user, org):
    org["sales"].head = manager_user
    org["sales"].save(update_fields=["head"])
    return manager_user


@pytest.fixture
def customer(customer_factory, am_user):
    return customer_factory(owner=am_user, name="济南公交集团")  # managed by 销售一组 (team1)


def _submit(actor, customer, org, to="sales"):
    return level_transfer_request_submit(actor=actor, customer=customer, to_unit=org[to],
                                         reason="一组客户过剩，上收至销售部管理")


def _pending(req):
    return req.approval.steps.get(status=StepStatus.PENDING)


def test_approval_by_both_heads_moves_the_customer_to_the_receiving_unit(
        sales_reviewer, customer, org, team_head, sales_head):
    req = _submit(sales_reviewer, customer, org)
    approval_step_decide(actor=team_head, step=_pending(req), decision="approve")
    customer.refresh_from_db()
    assert customer.unit == org["team1"]  # nothing changes until the receiving head agrees
    approval_step_decide(actor=sales_head, step=_pending(req), decision="approve", comment="同意接收")
    customer.refresh_from_db()
    req.refresh_from_db()
    assert customer.unit == org["sales"]
    assert req.approval.status == ApprovalStatus.APPROVED and req.applied_at is not None
    last = customer.history.order_by("-history_id").first()
    assert (last.unit_id, last.history_user_id) == (org["sales"].pk, sales_head.pk)
    assert "002 6.1.1" in last.history_change_reason
    event = ArchiveEvent.objects.filter(customer=customer, kind="level_transfer").get()
    assert "销售一组 → 销售部" in event.summary


def test_the_receiving_head_cannot_decide_the_from_units_step(sales_reviewer, customer, org, team_head, sales_head):
    req = _submit(sales_reviewer, customer, org)
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=sales_head, step=_pending(req), decision="approve")


def test_a_manager_of_a_sub_unit_does_not_hold_the_upper_units_step(
        sales_reviewer, customer, org, team_head, sales_head):
    customer.unit = org["sales"]
    customer.save(update_fields=["unit"])
    req = _submit(sales_reviewer, customer, org, to="team1")  # downward: 销售部 → 销售一组
    assert steps_waiting_for(team_head).count() == 0
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=team_head, step=_pending(req), decision="approve")
    approval_step_decide(actor=sales_head, step=_pending(req), decision="approve")
    assert steps_waiting_for(team_head).count() == 1


def test_a_rejection_leaves_the_customer_where_it_was(sales_reviewer, customer, org, team_head, sales_head):
    req = _submit(sales_reviewer, customer, org)
    approval_step_decide(actor=team_head, step=_pending(req), decision="reject", comment="本组仍有余力")
    customer.refresh_from_db()
    assert customer.unit == org["team1"]


def test_a_sibling_unit_is_not_a_level_transfer(sales_reviewer, customer, org):
    with pytest.raises(ValidationError) as exc:
        _submit(sales_reviewer, customer, org, to="team2")
    assert "上、下级" in exc.value.message_dict["to_unit"][0]


def test_the_same_unit_is_refused(sales_reviewer, customer, org):
    with pytest.raises(ValidationError) as exc:
        _submit(sales_reviewer, customer, org, to="team1")
    assert "相同" in exc.value.message_dict["to_unit"][0]


def test_a_second_request_while_one_is_pending_is_refused(sales_reviewer, customer, org, team_head):
    _submit(sales_reviewer, customer, org)
    with pytest.raises(ServiceError, match="审批中"):
        _submit(sales_reviewer, customer, org, to="company")


def test_an_account_manager_may_not_request_a_transfer(am_user, customer, org):
    with pytest.raises(ForbiddenError):
        _submit(am_user, customer, org)


def test_a_change_of_unit_while_pending_blocks_the_final_approval(
        sales_reviewer, customer, org, team_head, sales_head):
    req = _submit(sales_reviewer, customer, org)
    approval_step_decide(actor=team_head, step=_pending(req), decision="approve")
    customer.unit = org["team2"]
    customer.save(update_fields=["unit"])
    with pytest.raises(ServiceError, match="与申请时的移出单位不同"):
        approval_step_decide(actor=sales_head, step=_pending(req), decision="approve")
    req.approval.refresh_from_db()
    assert req.approval.status == ApprovalStatus.PENDING
