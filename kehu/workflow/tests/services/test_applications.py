"""The generic application with deadlines, configured by the railway and power packs (003)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.workdays.calendar import add_working_days
from kehu.workflow.models import Application, ApplicationStatus, MilestoneStatus
from kehu.workflow.services import approval_step_decide
from kehu.workflow.services.applications import application_receive, milestone_complete, validity_extend

pytestmark = pytest.mark.django_db

RAILWAY = {"station": "济南西站", "direction": "send", "annual_tons": "1000000", "key_enterprise": True,
           "obeys_railway_rules": True, "fmos_station": True, "independent_payer": True, "accepts_charter": True}
POWER = {"request_kind": "new", "voltage": "high", "power_sources": "single", "capacity_kva": "8000"}


@pytest.fixture
def staff(make_user):
    made = {code: make_user(code, "company", username=code) for code in (
        "railway_bureau", "railway_ministry", "power_station_clerk", "power_expansion_specialist", "marketing_head",
        "power_metering")}
    made["bureau2"] = make_user("railway_bureau", "company", username="bureau2")
    return made


@pytest.fixture
def shipper(customer_factory, am_user):
    return customer_factory(name="山东钢铁集团有限公司", owner=am_user)


def _today(day):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def _milestone(app, code):
    return app.milestones.filter(code=code).order_by("-attempt").first()


def _approve(app, staff):
    app.refresh_from_db()
    for step in app.approval.steps.order_by("order"):
        step.refresh_from_db()
        holder = next(u for u in staff.values() if u.roles.filter(code=step.role_code).exists()
                      and u.pk != app.approval.submitted_by_id)
        approval_step_decide(actor=holder, step=step, decision="approve")


def test_exactly_one_million_tons_qualifies(staff, shipper):
    app = application_receive(actor=staff["railway_bureau"], pack_name="railway-big-client",
                              program_code="railway_big_client", customer=shipper, received_on=date(2026, 11, 2),
                              facts=RAILWAY)
    assert app.status == ApplicationStatus.OPEN
    assert all(e["met"] for e in app.eligibility)


def test_a_ton_under_the_line_is_refused_with_the_article(staff, shipper):
    with pytest.raises(ValidationError) as exc:
        application_receive(actor=staff["railway_bureau"], pack_name="railway-big-client",
                            program_code="railway_big_client", customer=shipper, received_on=date(2026, 11, 2),
                            facts={**RAILWAY, "annual_tons": "999999.999", "annual_freight_yuan": "99999999.99"})
    assert exc.value.message_dict["facts"] == ["不符合第五条3：同一发站或到站年运量100万吨以上或运输付费1亿元以上"]
    assert not Application.objects.exists()


def test_freight_of_exactly_one_hundred_million_qualifies_alone(staff, shipper):
    app = application_receive(actor=staff["railway_bureau"], pack_name="railway-big-client",
                              program_code="railway_big_client", customer=shipper, received_on=date(2026, 11, 2),
                              facts={**RAILWAY, "annual_tons": "", "annual_freight_yuan": "100000000"})
    assert app.pk


def test_railway_application_goes_bureau_then_ministry_then_certificate(staff, shipper):
    bureau = staff["railway_bureau"]
    app = application_receive(actor=bureau, pack_name="railway-big-client", program_code="railway_big_client",
                              customer=shipper, received_on=date(2026, 11, 2), facts=RAILWAY)
    with pytest.raises(ServiceError, match="须先完成"):
        milestone_complete(actor=staff["railway_ministry"], milestone=_milestone(app, "certificate"),
                           done_on=date(2026, 11, 20), records={"certificate_no": "TL-2026-001"})
    milestone_complete(actor=bureau, milestone=_milestone(app, "submitted"), done_on=date(2026, 11, 3))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_APPROVAL
    assert [s.role_code for s in app.approval.steps.order_by("order")] == ["railway_bureau", "railway_ministry"]
    # The bureau's clerk who received it cannot approve it too: a second bureau officer verifies, then the ministry.
    approval_step_decide(actor=staff["bureau2"], step=app.approval.steps.get(order=1), decision="approve")
    approval_step_decide(actor=staff["railway_ministry"], step=app.approval.steps.get(order=2), decision="approve")
    app.refresh_from_db()
    assert _milestone(app, "ministry_approved").status == MilestoneStatus.DONE
    with pytest.raises(ValidationError, match="铁路大客户证书编号"):
        milestone_complete(actor=staff["railway_ministry"], milestone=_milestone(app, "certificate"),
                           done_on=app.received_on)
    with pytest.raises(ForbiddenError, match="铁道部"):
        milestone_complete(actor=bureau, milestone=_milestone(app, "certificate"), done_on=app.received_on,
                           records={"certificate_no": "TL-2026-001"})
    milestone_complete(actor=staff["railway_ministry"], milestone=_milestone(app, "certificate"),
                       done_on=app.received_on, records={"certificate_no": "TL-2026-001"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED and app.facts["certificate_no"] == "TL-2026-001"


def test_the_yearly_volume_form_needs_a_certificate_and_falls_due_in_december(staff, shipper):
    bureau = staff["railway_bureau"]
    volume = {"volume_year": "2027", "total_tons": "1800000"}
    with pytest.raises(ValidationError, match="尚无已办结的“铁路大客户申请”"):
        application_receive(actor=bureau, pack_name="railway-big-client", program_code="railway_annual_volume",
                            customer=shipper, received_on=date(2026, 11, 25), facts=volume)
    Application.objects.create(pack_name="railway-big-client", pack_version="x", program_code="railway_big_client",
                               program_name="铁路大客户申请", article="第六条", customer=shipper, title="t",
                               received_on=date(2026, 1, 5), status=ApplicationStatus.COMPLETED, created_by=bureau)
    app = application_receive(actor=bureau, pack_name="railway-big-client", program_code="railway_annual_volume",
                              customer=shipper, received_on=date(2026, 11, 25), facts=volume)
    dues = {m.code: (m.due_on, m.status) for m in app.milestones.all()}
    assert dues == {"client_filed": (date(2026, 12, 10), MilestoneStatus.OPEN),
                    "bureau_signed": (date(2026, 12, 20), MilestoneStatus.WAITING),
                    "ministry_signed": (date(2026, 12, 31), MilestoneStatus.WAITING)}


def _power(staff, customer, facts=POWER, received=date(2026, 11, 2)):
    return application_receive(actor=staff["power_station_clerk"], pack_name="power-big-client",
                               program_code="power_expansion", customer=customer, received_on=received, facts=facts)


@pytest.mark.parametrize(("sources", "days"), [("single", 20), ("dual", 30)])
def test_power_deadlines_count_working_days_from_acceptance(staff, shipper, sources, days):
    app = _power(staff, shipper, {**POWER, "power_sources": sources})
    assert _milestone(app, "handed_on").due_on == add_working_days(date(2026, 11, 2), 5) == date(2026, 11, 9)
    assert _milestone(app, "scheme_reply").due_on == add_working_days(date(2026, 11, 2), days)


def test_a_deadline_in_a_year_the_calendar_lacks_is_left_open_with_a_clear_note(staff, shipper):
    with _today(date(2027, 12, 1)):
        app = _power(staff, shipper, received=date(2027, 11, 29))
    row = _milestone(app, "handed_on")
    assert row.due_on is None and "2027年的节假日与调休数据缺失" in row.note


def _to_scheme(staff, app, day=date(2026, 11, 6)):
    milestone_complete(actor=staff["power_station_clerk"], milestone=_milestone(app, "handed_on"), done_on=day)
    with _today(day):
        _approve(app, staff)
    app.refresh_from_db()
    return _milestone(app, "scheme_reply")


def test_scheme_validity_one_year_and_one_extension_asked_ten_days_ahead(staff, shipper):
    app = _power(staff, shipper)
    scheme = _to_scheme(staff, app)
    assert scheme.status == MilestoneStatus.DONE and scheme.valid_until == date(2027, 11, 6)
    with pytest.raises(ValidationError, match="前10天提出"):
        validity_extend(actor=staff["power_station_clerk"], milestone=scheme, requested_on=date(2027, 10, 28))
    extended = validity_extend(actor=staff["power_station_clerk"], milestone=scheme, requested_on=date(2027, 10, 27))
    assert extended.valid_until == date(2028, 11, 6)  # at most one more validity period
    with pytest.raises(ValidationError, match="只能延长1次"):
        validity_extend(actor=staff["power_station_clerk"], milestone=extended, requested_on=date(2027, 11, 1))


def test_low_voltage_scheme_lasts_three_months_and_construction_after_it_is_refused(staff, shipper):
    app = _power(staff, shipper, {**POWER, "voltage": "low"})
    scheme = _to_scheme(staff, app)
    assert scheme.valid_until == date(2027, 2, 6)
    with _today(date(2027, 3, 1)), pytest.raises(ValidationError, match="已于 2027-02-06 失效"):
        milestone_complete(actor=staff["power_expansion_specialist"],
                           milestone=_milestone(app, "construction_started"), done_on=date(2027, 2, 8))


def test_a_failed_inspection_opens_a_re_inspection_with_its_fee(staff, shipper):
    app = _power(staff, shipper)
    _to_scheme(staff, app)
    specialist, station = staff["power_expansion_specialist"], staff["power_station_clerk"]
    day = date(2026, 11, 20)
    with _today(day):
        milestone_complete(actor=specialist, milestone=_milestone(app, "construction_started"), done_on=day)
        milestone_complete(actor=station, milestone=_milestone(app, "completion_report"), done_on=day)
        with pytest.raises(ValidationError, match="合格或不合格"):
            milestone_complete(actor=specialist, milestone=_milestone(app, "inspection"), done_on=day)
        first = _milestone(app, "inspection")
        milestone_complete(actor=specialist, milestone=first, done_on=day, outcome="failed", note="接地电阻超标")
        second = _milestone(app, "inspection")
        assert (second.attempt, second.fee_due, first.fee_due) == (2, True, False)
        assert _milestone(app, "contract_signed").status == MilestoneStatus.WAITING
        milestone_complete(actor=specialist, milestone=second, done_on=day, outcome="passed")
        assert _milestone(app, "contract_signed").status == MilestoneStatus.OPEN


def test_the_meter_ticket_is_due_five_days_after_installation(staff, shipper):
    app = _power(staff, shipper)
    _to_scheme(staff, app)
    specialist = staff["power_expansion_specialist"]
    day = date(2026, 11, 20)
    with _today(day + timedelta(days=10)):
        for code, who, extra in (("construction_started", specialist, {}),
                                 ("completion_report", staff["power_station_clerk"], {}),
                                 ("inspection", specialist, {"outcome": "passed"}),
                                 ("contract_signed", specialist, {"records": {"contract_no": "GY-1"}}),
                                 ("meter_installed", staff["power_metering"], {})):
            milestone_complete(actor=who, milestone=_milestone(app, code), done_on=day, **extra)
    # 2026-11-20 is a Friday: five calendar days end on Wednesday 11-25.
    assert _milestone(app, "meter_ticket_returned").due_on == date(2026, 11, 25)
    assert Decimal(app.facts["capacity_kva"]) == 8000
