"""Admission (000 第七条): materials, conditions per customer type, the path to an active customer, rejection and
resubmission, the blocklist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.customers.models import CustomerStatus, LicenceType
from kehu.customers.tests.factories import QualificationFactory
from kehu.workflow.models import ApprovalStatus, BlockedCreditCode, Decision, StepStatus
from kehu.workflow.pdf import admission_pdf
from kehu.workflow.services import (
    admission_apply,
    admission_blocklist_override,
    admission_submit,
    admission_update,
    approval_step_decide,
)
from kehu.workflow.tests.conftest import AGENT_CONDITIONS, DIRECT_CONDITIONS


def _decide_all(approval, users, decision=Decision.APPROVE):
    for user in users:
        step = approval.steps.get(round=approval.round, status=StepStatus.PENDING)
        approval_step_decide(actor=user, step=step, decision=decision, comment="同意")


def test_three_approvals_make_the_prospect_an_active_customer(am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.APPLYING
    _decide_all(app.approval, reviewers[:2])
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.APPLYING  # not before the general manager approves
    _decide_all(app.approval, reviewers[2:])
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.ACTIVE


def test_missing_invoicing_data_is_refused_naming_it(am_user, customer_factory, reviewers):
    c = customer_factory(owner=am_user, status=CustomerStatus.PROSPECT)
    QualificationFactory(customer=c, licence_type=LicenceType.BUSINESS_LICENCE)
    with pytest.raises(ValidationError) as exc:
        admission_apply(actor=am_user, customer=c, customer_type="direct", conditions=DIRECT_CONDITIONS)
    assert "开票资料" in exc.value.message_dict["materials"][0]
    c.refresh_from_db()
    assert c.status == CustomerStatus.PROSPECT


def test_an_expired_business_licence_does_not_count(am_user, prospect, reviewers):
    prospect.qualifications.update(expires_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    assert "过期" in exc.value.message_dict["materials"][0]


def test_without_a_credit_code_tax_registration_and_org_code_are_required(am_user, prospect, reviewers):
    prospect.uscc = None
    prospect.save()
    with pytest.raises(ValidationError) as exc:
        admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    msg = exc.value.message_dict["materials"][0]
    assert "税务登记证" in msg and "组织机构代码证" in msg


def test_an_exclusive_agent_must_confirm_it_sells_only_our_products(am_user, prospect, reviewers):
    with pytest.raises(ValidationError) as exc:
        admission_apply(actor=am_user, customer=prospect, customer_type="exclusive_agent",
                        conditions={"sound_business": True, "monthly_plan": True})
    assert "只经营本公司化工产品" in exc.value.message_dict["conditions"][0]


def test_rejected_application_keeps_its_history_and_can_be_corrected_and_resubmitted(
    am_user, prospect, reviewers, sales_reviewer
):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    step = app.approval.steps.get(order=1)
    approval_step_decide(actor=sales_reviewer, step=step, decision=Decision.REJECT, comment="经营范围未填写")
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.PROSPECT
    admission_update(actor=am_user, application=app, business_scope="年产塑料制品2万吨")
    admission_submit(actor=am_user, application=app)
    app.approval.refresh_from_db()
    assert app.approval.round == 2 and app.approval.status == ApprovalStatus.PENDING
    _decide_all(app.approval, reviewers)
    prospect.refresh_from_db()
    assert prospect.status == CustomerStatus.ACTIVE
    assert app.approval.steps.filter(round=1, decision=Decision.REJECT, comment="经营范围未填写").exists()


def test_an_application_under_review_cannot_be_edited(am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    with pytest.raises(ServiceError, match="审批中"):
        admission_update(actor=am_user, application=app, notes="改")


def test_an_active_customer_cannot_apply_again(am_user, active_customer, reviewers):
    with pytest.raises(ServiceError, match="已是公司客户"):
        admission_apply(actor=am_user, customer=active_customer, customer_type="direct",
                        conditions=DIRECT_CONDITIONS)


def test_a_blocked_credit_code_is_refused_at_submission(am_user, prospect, reviewers):
    BlockedCreditCode.objects.create(uscc=prospect.uscc, customer_name="旧公司", ground="fraud")
    with pytest.raises(ValidationError) as exc:
        admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    assert "被取消客户资格" in exc.value.message_dict["uscc"][0]


def test_a_documented_override_by_the_general_manager_lets_it_through(am_user, prospect, reviewers, general_manager):
    BlockedCreditCode.objects.create(uscc=prospect.uscc, customer_name="旧公司", ground="loss")
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS,
                          submit=False)
    with pytest.raises(ForbiddenError):
        admission_blocklist_override(actor=am_user, application=app, reason="已全额赔付损失并更换法定代表人")
    admission_blocklist_override(actor=general_manager, application=app, reason="已全额赔付损失并更换法定代表人")
    admission_submit(actor=am_user, application=app)
    app.refresh_from_db()
    assert app.approval.status == ApprovalStatus.PENDING and app.override_by == general_manager


def test_a_customer_outside_my_scope_cannot_be_applied_for(am_user2, prospect, reviewers):
    from kehu.core.errors import ScopeError

    with pytest.raises(ScopeError):
        admission_apply(actor=am_user2, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)


def test_the_printed_form_is_a_pdf_with_every_signature(am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="exclusive_agent",
                          conditions=AGENT_CONDITIONS)
    _decide_all(app.approval, reviewers)
    data = admission_pdf(app)
    assert data.startswith(b"%PDF") and len(data) > 2000
