"""Disqualification (000 第十七条): ground recorded, approval required, business blocked, credit code blocked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kehu.customers.models import CustomerStatus
from kehu.workflow.models import AgencyLicence, BlockedCreditCode, Decision, StepStatus
from kehu.workflow.services import approval_step_decide, disqualification_request_submit


def _approve_all(approval, users):
    for user in users:
        step = approval.steps.get(status=StepStatus.PENDING)
        approval_step_decide(actor=user, step=step, decision=Decision.APPROVE, comment="属实")


def test_the_ground_must_be_one_of_the_three_in_article_17(am_user, active_customer):
    with pytest.raises(ValidationError) as exc:
        disqualification_request_submit(actor=am_user, customer=active_customer, ground="dislike", facts="短")
    assert set(exc.value.message_dict) == {"ground", "facts"}


def test_nothing_changes_until_approved(am_user, active_customer, sales_reviewer, general_manager):
    disqualification_request_submit(actor=am_user, customer=active_customer, ground="fraud",
                                    facts="提供伪造的营业执照复印件，经工商系统核实不符")
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.ACTIVE
    assert not BlockedCreditCode.objects.exists()


def test_approval_disqualifies_and_blocks_the_credit_code(am_user, active_customer, sales_reviewer,
                                                          general_manager):
    req = disqualification_request_submit(actor=am_user, customer=active_customer, ground="violation",
                                          facts="因偷税被税务机关立案查处，见立案通知书")
    _approve_all(req.approval, [sales_reviewer, general_manager])
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.DISQUALIFIED
    blocked = BlockedCreditCode.objects.get(uscc=active_customer.uscc)
    assert blocked.ground == "violation"
    assert active_customer.events.filter(summary__contains="取消资格").exists()


def test_a_rejected_request_leaves_the_customer_trading(am_user, active_customer, sales_reviewer):
    req = disqualification_request_submit(actor=am_user, customer=active_customer, ground="loss",
                                          facts="拖欠货款三个月，造成经济损失")
    step = req.approval.steps.get(order=1)
    approval_step_decide(actor=sales_reviewer, step=step, decision=Decision.REJECT, comment="已还清，不属实")
    active_customer.refresh_from_db()
    assert active_customer.status == CustomerStatus.ACTIVE


def test_disqualification_revokes_the_agency_licence(am_user, active_customer, sales_reviewer, general_manager):
    AgencyLicence.objects.create(customer=active_customer, year=2025, number="X1", region="济南",
                                 issued_on="2025-01-02", expires_on="2025-12-31", issued_by=am_user)
    req = disqualification_request_submit(actor=am_user, customer=active_customer, ground="fraud",
                                          facts="提供虚假的销售计划骗取资源量")
    _approve_all(req.approval, [sales_reviewer, general_manager])
    assert AgencyLicence.objects.get().revoked_at is not None
