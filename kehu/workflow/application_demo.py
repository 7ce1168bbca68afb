"""Demo data for the big-client applications (003 铁路大客户, 电力大客户): a railway application waiting for
铁道部, and a power connection whose scheme was approved, its validity running and the next milestone open.
Through the services; deterministic; a second run adds nothing (an application of the first two customers is
the marker)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.org.models import OrgUnit, User
from kehu.workflow.application_models import Application

USERS = (
    ("tieluju", "邹科长（铁路局货运处）", "railway_bureau"),
    ("tieluju2", "钟干事（铁路局货运处）", "railway_bureau"),
    ("tiedaobu", "梁处长（铁道部）", "railway_ministry"),
    ("gongdiansuo", "白所长（供电所业扩员）", "power_station_clerk"),
    ("yekuo", "夏专责（客户服务中心业扩专责）", "power_expansion_specialist"),
)


def _users() -> dict[str, User]:
    from kehu.core.demo import DEMO_PASSWORD
    from kehu.org.roles import roles_bootstrap
    from kehu.org.services import user_create

    roles = roles_bootstrap()
    unit = OrgUnit.objects.filter(code="HB-MKT").first()
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS] + ["yingxiao"])}
    for username, display, role in USERS:
        if username not in users:
            users[username] = user_create(username=username, password=DEMO_PASSWORD, display_name=display,
                                          unit=unit, roles=[roles[role]], email=f"{username}@demo.kehu.local")
    return users


def _working_day_before(today: date, n: int) -> date:
    from kehu.workdays.calendar import CalendarYearMissing, add_working_days

    try:
        return add_working_days(today, -n)
    except CalendarYearMissing:
        return today - timedelta(days=n + 2 * (n // 5))


@transaction.atomic
def load_demo(*, today: date | None = None) -> str:
    from kehu.workflow.services import approval_step_decide
    from kehu.workflow.services.applications import application_receive, milestone_complete

    customers = list(Customer.objects.order_by("code")[:2])
    if len(customers) < 2 or Application.objects.filter(customer__in=customers).exists():
        return ""
    today = today or timezone.localdate()
    users = _users()
    shipper, plant = customers
    railway = application_receive(
        actor=users["tieluju"], pack_name="railway-big-client", program_code="railway_big_client", customer=shipper,
        received_on=_working_day_before(today, 6), facts={
            "station": "济南西站", "direction": "send", "annual_tons": "1250000", "annual_freight_yuan": "86000000",
            "key_enterprise": True, "obeys_railway_rules": True, "fmos_station": True, "independent_payer": True,
            "accepts_charter": True})
    milestone_complete(actor=users["tieluju"], milestone=railway.milestones.get(code="submitted"),
                       done_on=_working_day_before(today, 5))
    railway.refresh_from_db()
    approval_step_decide(actor=users["tieluju2"], step=railway.approval.steps.get(order=1), decision="approve",
                         comment="已核实发站年运量")
    received = _working_day_before(today, 12)
    power = application_receive(
        actor=users["gongdiansuo"], pack_name="power-big-client", program_code="power_expansion", customer=plant,
        received_on=received, facts={"request_kind": "new", "voltage": "high", "power_sources": "dual",
                                     "capacity_kva": "10000"})
    milestone_complete(actor=users["gongdiansuo"], milestone=power.milestones.get(code="handed_on"),
                       done_on=_working_day_before(today, 9), note="已现场勘察")
    power.refresh_from_db()
    approver = users.get("yingxiao")  # the demo company's 市场营销部负责人 countersigns
    approval_step_decide(actor=users["yekuo"], step=power.approval.steps.get(order=1), decision="approve",
                         comment="双电源供电方案")
    if approver is not None:
        approval_step_decide(actor=approver, step=power.approval.steps.get(order=2), decision="approve")
    return ("大客户申请：铁路大客户申请1件（待铁道部审核）、业扩报装1件"
            " / big-client applications: 1 railway (at the ministry), 1 power connection")
