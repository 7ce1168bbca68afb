"""000 第十二条(三): special cases up to 7 working days "经各级主管领导批准" — through kehu.workflow's approval chain
`complaint_extension`; approved → the deadline extends (never beyond 7 working days from receipt), rejected → it
stays."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.service import services
from kehu.service.models import ComplaintStep
from kehu.service.tests.conftest import sh
from kehu.workflow.models import Approval, Notification
from kehu.workflow.services import approval_step_decide, approval_withdraw

RECEIVED = sh(2025, 9, 29, 10, 0)
DUE_3 = sh(2025, 10, 10, 10, 0)  # 09-30, 10-09, 10-10
DUE_7 = sh(2025, 10, 15, 10, 0)  # … 10-11 (make-up Saturday), 10-13, 10-14, 10-15


def major(actor, customer, **kw):
    defaults = {"complaint_type": "quality", "description": "批次熔指偏高，需第三方检测", "severity": "major",
                "received_at": RECEIVED, "pack": "hb-chemicals"}
    defaults.update(kw)
    return services.complaint_register(actor=actor, customer_id=customer.pk, **defaults)


def request(actor, complaint, days=7, reason="需送第三方检测机构复检"):
    return services.complaint_extension_request(actor=actor, complaint_id=complaint.pk, days=days, reason=reason)


def pending_step(complaint):
    approval = Approval.objects.get(kind="complaint_extension", object_id=complaint.pk)
    return approval, approval.steps.get(status="pending")


def test_request_opens_the_pack_chain_and_leaves_the_deadline_as_it_is(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer))
    approval, step = pending_step(c)
    assert approval.chain_code == "complaint_extension" and "第十二条" in approval.article
    assert approval.pack_name == "hb-chemicals" and approval.customer == customer
    assert step.role_code == "dept_manager" and step.assignee == manager_user
    assert c.extension_status == "pending" and c.deadline_days == 3 and c.due_at == DUE_3


def test_the_supervisor_is_notified_of_the_request(am_user, manager_user, customer):
    request(am_user, major(am_user, customer))
    note = Notification.objects.get(user=manager_user, kind="approval_step")
    assert "投诉延期" in note.title


def test_approval_in_the_inbox_extends_the_deadline_to_7_working_days_from_receipt(am_user, manager_user,
                                                                                   customer):
    c = request(am_user, major(am_user, customer))
    _, step = pending_step(c)
    approval_step_decide(actor=manager_user, step=step, decision="approve", comment="同意延期")
    c.refresh_from_db()
    assert c.extension_status == "approved" and c.deadline_days == 7 and c.due_at == DUE_7
    assert ComplaintStep.objects.filter(complaint=c, kind="extension_decided", detail="同意延期").exists()


def test_rejection_keeps_the_original_deadline(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer))
    _, step = pending_step(c)
    approval_step_decide(actor=manager_user, step=step, decision="reject", comment="3 个工作日内可以完成")
    c.refresh_from_db()
    assert c.extension_status == "rejected" and c.deadline_days == 3 and c.due_at == DUE_3


def test_decision_from_the_complaint_page_service_uses_the_same_chain(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer))
    c = services.complaint_extension_decide(actor=manager_user, complaint_id=c.pk, approve=True, comment="同意")
    assert c.due_at == DUE_7
    assert Approval.objects.get(kind="complaint_extension").status == "approved"


def test_rejection_needs_a_reason(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer))
    with pytest.raises(ValidationError) as info:
        services.complaint_extension_decide(actor=manager_user, complaint_id=c.pk, approve=False)
    assert "comment" in info.value.message_dict


def test_the_requester_cannot_approve_his_own_extension(make_user, manager_user, customer_factory):
    supervisor = make_user("dept_manager", "team1", username="team_lead", manager=manager_user)
    customer = customer_factory(owner=supervisor)
    c = request(supervisor, major(supervisor, customer))
    with pytest.raises(ForbiddenError):
        services.complaint_extension_decide(actor=supervisor, complaint_id=c.pk, approve=True)


def test_a_manager_of_another_department_cannot_approve(am_user, make_user, customer):
    outsider = make_user("dept_manager", "finance", username="fin_mgr")
    c = request(am_user, major(am_user, customer))
    _, step = pending_step(c)
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=outsider, step=step, decision="approve")


def test_an_account_manager_cannot_approve(am_user, am_user2, customer):
    c = request(am_user, major(am_user, customer))
    _, step = pending_step(c)
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=am_user2, step=step, decision="approve")


def test_more_than_7_working_days_is_refused_before_any_approval(am_user, customer):
    c = major(am_user, customer)
    with pytest.raises(ValidationError) as info:
        request(am_user, c, days=8)
    assert "days" in info.value.message_dict
    assert not Approval.objects.filter(kind="complaint_extension").exists()


def test_a_second_request_while_one_is_pending_is_refused(am_user, customer):
    c = request(am_user, major(am_user, customer), days=5)
    with pytest.raises(ServiceError):
        request(am_user, c, days=7)


def test_a_general_complaint_cannot_be_extended(am_user, customer):
    c = major(am_user, customer, severity="general")
    with pytest.raises(ServiceError):
        request(am_user, c, days=3)


def test_approval_after_a_reopening_extends_from_the_reopened_deadline(am_user, manager_user, customer):
    c = major(am_user, customer)
    services.complaint_resolve(actor=am_user, complaint_id=c.pk, responsibility="ours", solution="换货",
                               at=sh(2025, 10, 9, 9, 0))
    services.complaint_follow_up(actor=am_user, complaint_id=c.pk, satisfaction="unsatisfied",
                                 called_at=sh(2025, 10, 9, 15, 0))
    c.refresh_from_db()
    assert c.due_at == sh(2025, 10, 13, 15, 0)  # 10-10, 10-11 (make-up Saturday), 10-13
    request(am_user, c)
    services.complaint_extension_decide(actor=manager_user, complaint_id=c.pk, approve=True, comment="同意")
    c.refresh_from_db()
    assert c.deadline_days == 7 and c.due_at == sh(2025, 10, 17, 15, 0)  # four more: 10-14 … 10-17


def test_extension_of_5_days_moves_the_deadline_to_the_5th_working_day(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer), days=5)
    services.complaint_extension_decide(actor=manager_user, complaint_id=c.pk, approve=True, comment="同意")
    c.refresh_from_db()
    # 5 working days after 09-29: 09-30, 10-09, 10-10, 10-11 (Sat, make-up), 10-13
    assert c.due_at == sh(2025, 10, 13, 10, 0)


def test_withdrawn_request_leaves_no_pending_extension(am_user, customer):
    c = request(am_user, major(am_user, customer))
    approval, _ = pending_step(c)
    approval_withdraw(actor=am_user, approval=approval)
    c.refresh_from_db()
    assert c.extension_status == "" and c.due_at == DUE_3


def test_a_pack_without_the_chain_falls_back_to_the_default_pack(am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer, pack="abcd-scoring"))
    approval, _ = pending_step(c)
    assert approval.pack_name == "hb-chemicals"


def test_no_chain_anywhere_is_a_clear_error(am_user, customer, monkeypatch):
    from kehu.workflow import chains

    def missing(kind, *, pack_name=None):
        raise LookupError(kind)

    monkeypatch.setattr(chains, "chain_for", missing)
    c = major(am_user, customer)
    with pytest.raises(ServiceError, match="complaint_extension"):
        request(am_user, c)
    c.refresh_from_db()
    assert c.extension_status == ""


def test_the_complaint_page_shows_the_approval_and_the_approvers_form(client, am_user, manager_user, customer):
    c = request(am_user, major(am_user, customer))
    client.force_login(manager_user)
    page = client.get(reverse("service:complaint_detail", args=[c.pk])).content.decode()
    assert 'id="extension-approval"' in page and 'id="form-extension_decide"' in page
    client.force_login(am_user)
    page = client.get(reverse("service:complaint_detail", args=[c.pk])).content.decode()
    assert 'id="form-extension_decide"' not in page and "待主管领导批准" in page
