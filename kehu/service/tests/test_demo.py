"""service_demo_load: believable service data through the services, deterministic and idempotent."""

import pytest
from django.utils import timezone

from kehu.service.demo import service_demo_load
from kehu.service.models import (
    Complaint,
    ComplaintFollowUp,
    ComplaintStatus,
    CustomerEvent,
    SurveyResponse,
    VisitPlanItem,
    VisitReport,
)
from kehu.service.selectors import ComplaintFilters, complaint_counts, complaint_list, survey_report
from kehu.workdays.calendar import is_working_day

MODELS = (Complaint, ComplaintFollowUp, VisitPlanItem, VisitReport, CustomerEvent, SurveyResponse)


@pytest.fixture
def loaded(db):
    today = timezone.localdate()
    return today, service_demo_load(today=today)


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_running_it_twice_adds_nothing(loaded):
    today, first = loaded
    before = _counts()
    second = service_demo_load(today=today)
    assert second.added == 0 and _counts() == before
    assert first.complaints == 10


def test_complaints_in_every_state(loaded):
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == {ComplaintStatus.REGISTERED, ComplaintStatus.INVESTIGATING, ComplaintStatus.WAITING,
                        ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED}
    assert Complaint.objects.filter(escalated=True, meetings__isnull=False).exists()
    assert Complaint.objects.filter(reopen_count=1, status=ComplaintStatus.CLOSED).exists()
    assert Complaint.objects.filter(extension_status="pending").exists()


def test_closed_complaints_have_their_follow_up_calls(loaded):
    for c in Complaint.objects.filter(status=ComplaintStatus.CLOSED):
        assert c.follow_ups.exists()
    assert ComplaintFollowUp.objects.filter(satisfaction="unsatisfied").count() == 1


def test_some_are_overdue_and_some_due_today(loaded):
    from kehu.core.demo import demo_org_load

    today, _ = loaded
    boss = demo_org_load().users["xiaoshou"]
    counts = complaint_counts(actor=boss)
    assert counts["overdue"] >= 2
    # Due dates always fall on working days: on a weekend or holiday nothing can be due today.
    due_today = {c.description[:6] for c in complaint_list(actor=boss, filters=ComplaintFilters(view="due_today"))}
    if not is_working_day(today):
        # On a weekend or holiday nothing falls due: the "due today" complaints are due on the next working day.
        assert counts["due_today"] == 0 and not due_today
        return
    assert counts["overdue"] + counts["due_today"] >= 3
    if timezone.localtime().hour < 16:
        assert len(due_today) == 2


def test_visit_plan_has_done_and_overdue_visits(loaded):
    today, _ = loaded
    if today.month <= 1:
        pytest.skip("no past month in January")
    assert VisitPlanItem.objects.filter(report__isnull=False).exists()
    assert VisitPlanItem.objects.filter(report__isnull=True, month__lt=today.month).exists()
    assert VisitReport.objects.filter(kind="phone").exists()


def test_events_and_survey_with_answers(loaded):
    from kehu.service.models import SurveyRound

    assert set(CustomerEvent.objects.values_list("status", flat=True)) == {"held", "planned"}
    rnd = SurveyRound.objects.get()
    report = survey_report(round_id=rnd.pk)
    assert report["responded"] == 8 and report["invited"] == 12
    assert SurveyResponse.objects.filter(via_link=True).count() == 1
    assert all(r["total"] > 0 for r in report["rows"] if "counts" in r)
