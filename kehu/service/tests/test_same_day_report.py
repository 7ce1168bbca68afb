"""001 第十九条一: a complaint is logged and reported the same day to the marketing head, the QC head and the
responsible department — as in-app notifications (and e-mail) sent once the complaint is committed."""

import pytest
from django.core import mail

from kehu.org.services import org_unit_create
from kehu.service import services
from kehu.service.tests.conftest import sh
from kehu.workflow.models import Notification


@pytest.fixture
def cement_org(org, make_user):
    qc_dept = org_unit_create(code="C-Q", name="质检部", kind="department", parent=org["company"])
    qc_head = make_user("qc", qc_dept, username="qc_head", display_name="质检部刘部长", email="qc@example.cn")
    qc_clerk = make_user("qc", qc_dept, username="qc_clerk", display_name="质检员小周")
    qc_dept.head = qc_head
    qc_dept.save(update_fields=["head"])
    marketing_head = make_user("marketing_head", "marketing", username="mkt", display_name="营销部王部长",
                               email="mkt@example.cn")
    logistics = org_unit_create(code="C-L", name="物流部", kind="department", parent=org["company"])
    logistics_head = make_user("dept_manager", logistics, username="log_head", display_name="物流部陈部长")
    logistics.head = logistics_head
    logistics.save(update_fields=["head"])
    return {"qc_head": qc_head, "qc_clerk": qc_clerk, "marketing_head": marketing_head, "logistics": logistics,
            "logistics_head": logistics_head}


def _register(actor, customer, *, department=None, pack="shaanxi-cement"):
    return services.complaint_register(
        actor=actor, customer_id=customer.pk, complaint_type="bag_count_short" if pack == "shaanxi-cement"
        else "quality", description="到货少 12 袋", received_at=sh(2025, 9, 29, 9, 0), pack=pack,
        department_id=department.pk if department else None)


def _notified():
    return set(Notification.objects.filter(kind="complaint_reported").values_list("user__username", flat=True))


def test_marketing_qc_and_responsible_department_heads_are_notified(am_user, customer, cement_org,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = _register(am_user, customer, department=cement_org["logistics"])
    assert _notified() == {"mkt", "qc_head", "log_head"}
    note = Notification.objects.filter(user=cement_org["qc_head"]).get()
    assert c.code in note.title and "袋数不足" in note.title
    assert note.url.endswith(f"/complaints/{c.pk}/")
    assert "质检部刘部长" in c.reported_to and "物流部" in c.reported_to


def test_the_report_goes_out_by_e_mail_to_those_with_an_address(am_user, customer, cement_org,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(am_user, customer)
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert recipients == ["mkt@example.cn", "qc@example.cn"]


def test_nothing_is_sent_before_the_complaint_is_committed(am_user, customer, cement_org,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _register(am_user, customer)
    assert _notified() == set() and len(callbacks) >= 1


def test_qc_staff_are_notified_when_the_qc_unit_has_no_head(am_user, customer, cement_org,
                                                             django_capture_on_commit_callbacks):
    unit = cement_org["qc_head"].unit
    unit.head = None
    unit.save(update_fields=["head"])
    with django_capture_on_commit_callbacks(execute=True):
        _register(am_user, customer)
    assert _notified() == {"mkt", "qc_head", "qc_clerk"}


def test_department_managers_stand_in_for_a_department_without_a_head(am_user, customer, cement_org, org,
                                                                      manager_user,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(am_user, customer, department=org["sales"])
    assert "manager" in _notified()


def test_the_account_manager_who_logged_it_is_not_among_the_recipients(am_user, customer, cement_org,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(am_user, customer, department=cement_org["logistics"])
    assert "am1" not in _notified()


def test_a_pack_without_same_day_reporting_notifies_nobody(am_user, customer, cement_org,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = _register(am_user, customer, pack="hb-chemicals")
    assert _notified() == set() and c.reported_at is None
