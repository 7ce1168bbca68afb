"""Submitting a form freezes its figures; a correction is a new version and the old one is kept."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.reports.models import ReportSubmission
from kehu.reports.registry import ReportResult
from kehu.reports.selectors import submission_report
from kehu.reports.services import AlreadySubmitted, report_correct, report_submit

TODAY = date(2026, 12, 6)


@pytest.fixture
def november(sd, institution, pickup, regrade_sd):
    customer = institution("冻结客户", unit="station1")
    pickup(customer, "3", date(2026, 11, 3))
    regrade_sd("2026-11")
    return customer


def _grade_of(submission_or_report, code):
    result = submission_or_report if isinstance(submission_or_report, ReportResult) else \
        ReportResult.from_json(submission_or_report.data)
    detail = result.tables[0]
    names = [c.title for c in detail.columns]
    return next(dict(zip(names, row, strict=True)) for row in detail.rows if row[1] == code)


def test_a_submitted_form_keeps_its_figures_when_the_data_changes(november, sd, pickup, regrade_sd):
    submission = report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    assert (submission.version, submission.is_current) == (1, True)
    assert _grade_of(submission, november.code)["本月规模"] == "中型"
    pickup(november, "10", date(2026, 11, 20))  # a late pickup makes the customer 大型
    regrade_sd("2026-11")
    submission.refresh_from_db()
    frozen = submission_report(submission)
    row = _grade_of(frozen.result, november.code)
    assert row["本月规模"] == "中型"
    assert str(row["汽油月需求量（吨）"]) == "3.000"


def test_submitting_on_the_5th_is_on_time_and_on_the_6th_late(november, sd):
    on_time = report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=date(2026, 12, 5))
    assert (on_time.due_on, on_time.is_late) == (date(2026, 12, 5), False)
    late = report_correct(actor=sd["head"], submission_id=on_time.pk, reason="复核", today=date(2026, 12, 6))
    assert late.is_late


def test_a_second_submission_of_the_same_form_is_refused(november, sd):
    report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    with pytest.raises(AlreadySubmitted) as err:
        report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    assert "提交更正" in err.value.message
    assert ReportSubmission.objects.count() == 1


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(november, sd, pickup, regrade_sd):
    first = report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    pickup(november, "10", date(2026, 11, 20))
    regrade_sd("2026-11")
    second = report_correct(actor=sd["head"], submission_id=first.pk, reason="补录11月20日提货单", today=TODAY)
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert second.version == 2 and second.supersedes_id == first.pk
    assert _grade_of(first, november.code)["本月规模"] == "中型"
    assert _grade_of(second, november.code)["本月规模"] == "大型"
    assert second.correction_reason == "补录11月20日提货单"
    assert first.history.count() == 2  # submitted, then superseded


def test_a_correction_needs_a_reason(november, sd):
    first = report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    with pytest.raises(ServiceError) as err:
        report_correct(actor=sd["head"], submission_id=first.pk, reason="  ", today=TODAY)
    assert err.value.field == "reason"
    assert ReportSubmission.objects.count() == 1


def test_a_superseded_version_cannot_be_corrected_again(november, sd):
    first = report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", today=TODAY)
    report_correct(actor=sd["head"], submission_id=first.pk, reason="更正一次", today=TODAY)
    with pytest.raises(ServiceError) as err:
        report_correct(actor=sd["head"], submission_id=first.pk, reason="再次更正", today=TODAY)
    assert err.value.code == "superseded"


def test_a_future_period_is_refused_and_nothing_is_saved(november, sd):
    with pytest.raises(ValidationError) as err:
        report_submit(actor=sd["head"], code="sd_grade_table", period="2027-01", today=TODAY)
    assert "尚未开始" in err.value.message_dict["period"][0]
    assert not ReportSubmission.objects.exists()


def test_the_running_month_cannot_be_submitted(november, sd):
    with pytest.raises(ValidationError):
        report_submit(actor=sd["head"], code="sd_grade_table", period="2026-12", today=TODAY)


def test_an_account_manager_cannot_submit(november, sd):
    with pytest.raises(ForbiddenError):
        report_submit(actor=sd["am"], code="sd_grade_table", period="2026-11", today=TODAY)


def test_a_head_cannot_submit_for_a_unit_outside_his_scope(november, sd):
    with pytest.raises(ServiceError) as err:
        report_submit(actor=sd["head"], code="sd_grade_table", period="2026-11", unit_id=sd["province"].pk,
                      today=TODAY)
    assert err.value.field == "unit"


@pytest.mark.django_db(transaction=True)
def test_two_people_submitting_at_once_give_one_version(on_postgres, roles, sd, institution, pickup, regrade_sd):
    customer = institution()
    pickup(customer, "3", date(2026, 11, 3))
    regrade_sd("2026-11")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit(user):
        try:
            barrier.wait()
            report_submit(actor=user, code="sd_grade_table", period="2026-11", today=TODAY)
            outcomes.append("ok")
        except AlreadySubmitted:
            outcomes.append("refused")
        finally:
            connection.close()

    from kehu.org.models import User

    users = [User.objects.get(pk=sd["head"].pk), User.objects.get(pk=sd["head"].pk)]
    threads = [threading.Thread(target=submit, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert ReportSubmission.objects.filter(is_current=True).count() == 1
