"""Complaints: intake, deadlines over China's holidays, pause, resolution, follow-up and reopening."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError
from kehu.customers.models import ArchiveEvent
from kehu.service import services
from kehu.service.models import ComplaintStatus
from kehu.service.selectors import ComplaintFilters, complaint_counts, complaint_list, complaint_on_time_by_month
from kehu.service.tests.conftest import sh


def register(actor, customer, **kw):
    defaults = {"complaint_type": "quality", "description": "产品批次熔指偏高", "severity": "general",
                "received_at": sh(2025, 9, 30, 17, 59), "pack": "hb-chemicals"}
    defaults.update(kw)
    return services.complaint_register(actor=actor, customer_id=customer.pk if customer else None, **defaults)


def test_general_complaint_at_17_59_before_national_day_is_due_at_17_59_on_9_october(am_user, customer):
    c = register(am_user, customer)
    assert c.due_at == sh(2025, 10, 9, 17, 59)
    assert c.deadline_days == 1 and "第十二条" in c.deadline_article


def test_major_complaint_before_national_day_is_due_on_the_make_up_saturday(am_user, customer):
    c = register(am_user, customer, severity="major")
    assert c.due_at == sh(2025, 10, 11, 17, 59)


def test_major_complaint_received_before_spring_festival_2026_skips_the_holiday(am_user, customer):
    # 2026-02-13 (Fri) + 3 working days: 02-14 (Sat, make-up), 02-24, 02-25
    c = register(am_user, customer, severity="major", received_at=sh(2026, 2, 13, 10, 0))
    assert c.due_at == sh(2026, 2, 25, 10, 0)


def test_cement_complaint_is_reported_the_same_day_and_due_in_3_working_days(am_user, customer):
    c = register(am_user, customer, pack="shaanxi-cement", complaint_type="bag_count_short",
                 received_at=sh(2025, 9, 29, 9, 0))
    assert "质检部负责人" in c.reported_to
    assert c.due_at == sh(2025, 10, 10, 9, 0)  # 09-30, 10-09, 10-10
    assert c.type_name == "袋数不足"


def test_complaint_without_customer_or_type_is_refused_with_field_errors(am_user):
    with pytest.raises(ValidationError) as info:
        register(am_user, None, complaint_type="")
    assert set(info.value.message_dict) >= {"customer", "complaint_type"}


def test_complaint_with_a_type_the_pack_does_not_list_is_refused(am_user, customer):
    with pytest.raises(ValidationError) as info:
        register(am_user, customer, complaint_type="bag_count_short", pack="hb-chemicals")
    assert "complaint_type" in info.value.message_dict


def test_complaint_received_in_the_future_is_refused(am_user, customer):
    with pytest.raises(ValidationError) as info:
        register(am_user, customer, received_at=datetime.now().astimezone() + timedelta(days=1))
    assert "received_at" in info.value.message_dict


def test_complaint_whose_deadline_falls_in_an_unknown_year_shows_the_calendar_error(am_user, customer,
                                                                                       monkeypatch):
    # As if the library did not know 2025 and nobody had entered it: never a weekend-only guess.
    from kehu.workdays import calendar

    monkeypatch.setattr(calendar, "library_knows", lambda year: year != 2025)
    c = register(am_user, customer, received_at=sh(2025, 3, 3, 10, 0))
    assert c.due_at is None
    assert "2025" in c.deadline_error


def test_complaint_of_a_customer_outside_scope_is_refused(am_user2, customer):
    from kehu.core.errors import ScopeError

    with pytest.raises(ScopeError):
        register(am_user2, customer)


def test_every_step_lands_on_the_customer_archive(am_user, customer):
    c = register(am_user, customer)
    services.complaint_assign(actor=am_user, complaint_id=c.pk, department_id=customer.unit_id)
    kinds = list(ArchiveEvent.objects.filter(customer=customer).values_list("kind", flat=True))
    assert "complaint.registered" in kinds and "complaint.assigned" in kinds


def test_pause_while_waiting_on_the_customer_pushes_the_deadline_out(am_user, customer):
    c = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))
    assert c.due_at == sh(2025, 9, 30, 10, 0)
    services.complaint_pause(actor=am_user, complaint_id=c.pk, reason="等待客户提供样品", at=sh(2025, 9, 29, 14, 0))
    c = services.complaint_resume(actor=am_user, complaint_id=c.pk, at=sh(2025, 9, 30, 14, 0))
    # 24 working hours paused (09-29 14:00 → 09-30 14:00): 09-30 10:00 + 24 h of working days → 10-09 10:00
    assert c.due_at == sh(2025, 10, 9, 10, 0)
    assert c.pauses.get().working_seconds == 24 * 3600


def test_paused_complaint_is_not_listed_as_overdue(am_user, customer):
    c = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))
    services.complaint_pause(actor=am_user, complaint_id=c.pk, reason="等待客户确认", at=sh(2025, 9, 29, 11, 0))
    later = sh(2025, 10, 20, 9, 0)
    assert not complaint_list(actor=am_user, filters=ComplaintFilters(view="overdue"), at=later).exists()
    assert complaint_counts(actor=am_user, at=later)["waiting"] == 1


def test_due_today_and_overdue_lists(am_user, customer):
    c = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))  # due 09-30 10:00
    assert list(complaint_list(actor=am_user, filters=ComplaintFilters(view="due_today"),
                               at=sh(2025, 9, 30, 8, 0))) == [c]
    assert list(complaint_list(actor=am_user, filters=ComplaintFilters(view="overdue"),
                               at=sh(2025, 9, 30, 10, 1))) == [c]


def resolve(actor, c, at=None):
    return services.complaint_resolve(actor=actor, complaint_id=c.pk, responsibility="ours",
                                      solution="补发 2 吨并承担运费", at=at)


def test_satisfied_follow_up_closes_the_complaint(am_user, customer):
    c = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))
    resolve(am_user, c, at=sh(2025, 9, 30, 9, 0))
    services.complaint_follow_up(actor=am_user, complaint_id=c.pk, satisfaction="satisfied",
                                 called_at=sh(2025, 9, 30, 15, 0))
    c.refresh_from_db()
    assert c.status == ComplaintStatus.CLOSED and c.resolved_on_time


def test_unsatisfied_follow_up_reopens_with_a_new_deadline(am_user, customer):
    c = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))
    resolve(am_user, c, at=sh(2025, 9, 30, 9, 0))
    services.complaint_follow_up(actor=am_user, complaint_id=c.pk, satisfaction="unsatisfied",
                                 comments="补发数量不足", called_at=sh(2025, 9, 30, 15, 0))
    c.refresh_from_db()
    assert c.status == ComplaintStatus.INVESTIGATING
    assert c.reopen_count == 1
    assert c.due_at == sh(2025, 10, 9, 15, 0)
    assert ArchiveEvent.objects.filter(customer=customer, kind="complaint.reopened").exists()


def test_closing_without_resolution_is_refused(am_user, customer):
    c = register(am_user, customer)
    with pytest.raises(ServiceError):
        services.complaint_follow_up(actor=am_user, complaint_id=c.pk, satisfaction="satisfied")


def test_resolution_needs_responsibility_and_solution(am_user, customer):
    c = register(am_user, customer)
    with pytest.raises(ValidationError) as info:
        services.complaint_resolve(actor=am_user, complaint_id=c.pk, responsibility="unknown", solution="")
    assert set(info.value.message_dict) == {"responsibility", "solution"}


def test_late_resolution_counts_against_the_monthly_on_time_rate(am_user, customer):
    a = register(am_user, customer, received_at=sh(2025, 9, 29, 10, 0))
    b = register(am_user, customer, received_at=sh(2025, 9, 29, 11, 0))
    resolve(am_user, a, at=sh(2025, 9, 30, 9, 0))
    resolve(am_user, b, at=sh(2025, 10, 9, 9, 0) - timedelta(days=8))  # 10-01: a holiday, still before due
    rows = complaint_on_time_by_month(actor=am_user, at=sh(2025, 10, 15, 9, 0))
    assert sum(r["total"] for r in rows) == 2


def test_extension_to_seven_working_days_needs_a_supervisor(am_user, manager_user, customer):
    c = register(am_user, customer, severity="major", received_at=sh(2025, 9, 29, 10, 0))
    services.complaint_extension_request(actor=am_user, complaint_id=c.pk, days=7, reason="需第三方检测")
    c.refresh_from_db()
    assert c.extension_status == "pending" and c.deadline_days == 3
    services.complaint_extension_decide(actor=manager_user, complaint_id=c.pk, approve=True)
    c.refresh_from_db()
    # 7 working days after 09-29: 09-30, 10-09, 10-10, 10-11(Sat), 10-13, 10-14, 10-15
    assert c.deadline_days == 7 and c.due_at == sh(2025, 10, 15, 10, 0)


def test_extension_beyond_seven_working_days_is_refused(am_user, customer):
    c = register(am_user, customer, severity="major")
    with pytest.raises(ValidationError) as info:
        services.complaint_extension_request(actor=am_user, complaint_id=c.pk, days=8, reason="x")
    assert "days" in info.value.message_dict


def test_serious_complaint_escalated_to_a_general_manager_meeting_with_minutes(am_user, gm_user, customer):
    c = register(am_user, customer, severity="serious")
    services.complaint_escalate(actor=am_user, complaint_id=c.pk, reason="涉及多批次质量问题")
    m = services.complaint_meeting_record(actor=gm_user, complaint_id=c.pk, held_at=sh(2025, 10, 9, 9, 0),
                                          chaired_by="总经理", attendees="销售部、质检部", minutes="决定全额退货")
    assert m.complaint.escalated
    assert ArchiveEvent.objects.filter(customer=customer, kind="complaint.meeting").exists()


def test_qc_sees_a_complaint_assigned_to_its_department(am_user, qc_user, customer, org):
    c = register(am_user, customer)
    services.complaint_assign(actor=am_user, complaint_id=c.pk, department_id=org["company"].pk,
                              assignee_id=qc_user.pk)
    assert list(complaint_list(actor=qc_user)) == [c]
