"""In real Chromium: the city's retail head compiles and sends this month's plan; a station manager records a
prospect and converts it into an admission application, which is approved; the plan's completion shows it; the
station manager claims a customer from the pool; the dashboard fits a phone."""

import random

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.core.demo import make_uscc
from kehu.development.models import DevelopmentPlan, Prospect
from kehu.development.services import pool_sweep
from kehu.workflow.models import AdmissionApplication, StepStatus
from kehu.workflow.services import approval_step_decide

USCC = make_uscc(random.Random(3))


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("button[type=submit]")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_prospect_to_admission_to_plan_completion_and_a_pool_claim(live_server, page, retail_head, station_manager,
                                                                  jiaguan, sd, complete_materials,
                                                                  reviewers_for_admission, customer_factory):
    month = timezone.localdate().replace(day=1)

    # 1. The retail head opens the plan form prefilled with 6.5.3's minimums, saves and sends it to 加管处.
    _login(page, live_server, "lingshou")
    page.goto(f"{live_server.url}/development/plans/new/?unit={sd['city'].pk}&period={month:%Y-%m-%d}")
    page.locator("[data-save-plan]").click()
    expect(page.locator("[data-plan-status]")).to_contain_text("草稿")
    page.locator("[data-submit-plan]").click()
    expect(page.locator("[data-plan-status]")).to_contain_text("审核中")
    plan = DevelopmentPlan.objects.get()
    assert plan.lines.count() == 5

    # 2. The station manager records a prospect: a missing column is named, then the full survey row is saved.
    _login(page, live_server, "zhan1")
    page.goto(f"{live_server.url}/development/prospects/new/")
    page.fill("#id_name", "济南市历下区交通运输局")
    page.locator("form.card button.btn-primary").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("请填写联系人。")
    assert not Prospect.objects.exists()
    for field, value in {"area": "解放路街道", "address": "济南市历下区解放路1号", "contact_name": "张科长",
                         "contact_phone": "0531-86001234", "diesel_month_t": "22",
                         "current_supplier": "中石化解放路加油站", "uscc": USCC}.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_category", "government")
    page.select_option("#id_kind", "institutional")
    page.select_option("#id_fuel_type", "diesel")
    page.locator("form.card button.btn-primary").click()
    expect(page.locator("[data-status]")).to_contain_text("已调查")

    # 3. Conversion opens the draft admission application; with the materials it is submitted and approved.
    page.locator("[data-convert]").click()
    expect(page.locator("body")).to_contain_text("已建立客户档案")
    application = AdmissionApplication.objects.get()
    complete_materials(application.customer)
    application.conditions = {"production_enterprise": True, "sound_credit": True}
    application.save()
    page.reload()
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("body")).to_contain_text("审批中")
    application.refresh_from_db()
    for reviewer in reviewers_for_admission:
        step = application.approval.steps.get(status=StepStatus.PENDING)
        approval_step_decide(actor=reviewer, step=step, decision="approve", comment="同意")

    # 4. The retail head reads the completion: 历下区 has its one institutional client, computed.
    _login(page, live_server, "lingshou")
    page.goto(f"{live_server.url}/development/completion/?month={month:%Y-%m}")
    row = page.locator("[data-completion] tr[data-unit='历下区']")
    expect(row.locator("[data-admitted]")).to_have_text("1")
    expect(row).to_contain_text("100.0%")

    # 5. A pool claim: the customer moves to the station manager, the pool page says so.
    orphan = customer_factory(owner=None, unit=sd["s1"], name="历下区某运输公司", code="KH90000001")
    pool_sweep()
    _login(page, live_server, "zhan1")
    page.goto(f"{live_server.url}/development/pool/")
    page.locator("tr[data-customer='历下区某运输公司'] [data-claim]").click()
    expect(page.locator(".alert-success")).to_contain_text("已领取客户“历下区某运输公司”")
    orphan.refresh_from_db()
    assert orphan.owner_id == station_manager.pk

    # 6. The dashboard on a phone: no sideways scrolling, the trend chart drawn by the app's own ECharts.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/development/dashboard/")
    expect(page.locator("[data-today-counts]")).to_be_visible()
    expect(page.locator("[data-dev-chart='trend'][data-chart-ready]").first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
