"""In a real browser: a visit report recorded from the visit plan; a satisfaction survey answered by the customer
through the one-time link (no login), then the report page showing the answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kehu.service import services
from kehu.service.models import SurveyInvitation, SurveyResponse, VisitPlan, VisitPlanItem

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_visit_report_recorded_from_the_visit_plan(browser, live_server, am_user, customer_factory):
    today = timezone.localdate()
    if today.month == 1:
        pytest.skip("no past month in January to hold an overdue visit")
    customer = customer_factory(owner=am_user, name="咸阳渭河商混站")
    plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=today.year)
    item = services.visit_plan_item_add(actor=am_user, plan_id=plan.pk, customer_id=customer.pk,
                                        month=today.month - 1)
    page = browser.new_page(locale="zh-CN")
    login(page, live_server, "am1")
    page.goto(f"{live_server.url}/service/visits/?owner={am_user.pk}&year={today.year}")
    assert "逾期 1 次" in page.content()
    page.click(f"a.badge.text-bg-danger[href*='plan_item={item.pk}']")
    page.wait_for_selector("#save-visit")
    assert page.input_value("input[name=customer]") == customer.code
    page.fill("input[name=contact_name]", "王站长")
    page.fill("textarea[name=product_info]", "P.O 42.5 袋装水泥质量稳定")
    page.fill("textarea[name=needs]", "希望雨季前增加散装供应")
    page.fill("textarea[name=follow_up_actions]", "报市场营销部安排散装车辆")
    # A visit dated in the future cannot be recorded as done.
    page.fill("input[name=visited_on]", (today + timedelta(days=3)).isoformat())
    page.click("#save-visit")
    page.wait_for_selector(".invalid-feedback")
    assert "走访日期在未来" in page.content()
    page.fill("input[name=visited_on]", today.isoformat())
    page.click("#save-visit")
    page.wait_for_url("**/service/visits/reports/**")
    assert "希望雨季前增加散装供应" in page.content()
    item.refresh_from_db()
    assert item.report is not None and item.report.visited_on == today
    page.goto(f"{live_server.url}/service/visits/?owner={am_user.pk}&year={today.year}")
    assert "逾期 0 次" in page.content()
    assert page.locator(f"a.badge.text-bg-danger[href*='plan_item={item.pk}']").count() == 0
    assert VisitPlanItem.objects.filter(plan=VisitPlan.objects.get(), report__isnull=False).count() == 1
    page.close()


def test_survey_answered_through_the_one_time_link_shows_on_the_report(browser, live_server, make_user,
                                                                       customer_factory, am_user):
    head = make_user("marketing_head", "marketing", username="mkt", display_name="营销部负责人")
    customer = customer_factory(owner=am_user, name="宝鸡高新混凝土有限公司")
    q = services.questionnaire_create(actor=head, title="顾客满意度调查（附件1）")
    services.question_add(actor=head, questionnaire_id=q.pk, kind="scale", text="产品质量满意度", scale_min=1,
                          scale_max=5)
    services.question_add(actor=head, questionnaire_id=q.pk, kind="choice", text="供货及时性",
                          choices=["及时", "基本及时", "不及时"])
    services.question_add(actor=head, questionnaire_id=q.pk, kind="text", text="意见和建议", required=False)
    rnd = services.survey_round_create(actor=head, questionnaire_id=q.pk, name="2026年度顾客满意度调查", year=2026,
                                       target="list", customer_ids=[customer.pk])
    token = SurveyInvitation.objects.get(round=rnd, customer=customer).token
    scale, choice, _text = list(q.questions.all())

    anonymous = browser.new_context(locale="zh-CN")
    page = anonymous.new_page()
    page.goto(f"{live_server.url}/service/s/{token}/")
    assert "宝鸡高新混凝土有限公司" in page.content() and "/login/" not in page.url
    page.click("button.btn-primary")  # nothing answered: the required questions are named
    page.wait_for_selector(".invalid-feedback")
    assert "第1题为必答题" in page.content()
    page.check(f"input[name=q{scale.pk}][value='4']")
    page.select_option(f"select[name=q{choice.pk}]", "基本及时")
    page.fill("textarea[aria-label=意见和建议]", "希望雨季加强防潮包装")
    page.fill("#respondent", "采购部 刘女士")
    page.click("button.btn-primary")
    page.wait_for_selector("text=提交成功")
    page.goto(f"{live_server.url}/service/s/{token}/")
    assert "该链接已使用过" in page.content()
    anonymous.close()
    response = SurveyResponse.objects.get()
    assert response.via_link and response.respondent == "采购部 刘女士"

    staff = browser.new_context(locale="zh-CN")
    page = staff.new_page()
    login(page, live_server, "mkt")
    page.goto(f"{live_server.url}/service/surveys/rounds/{rnd.pk}/")
    body = page.content()
    assert "希望雨季加强防潮包装" in body and "已回收" in body
    assert "平均分 4" in page.inner_text("body")
    assert "回收 1 份" in page.inner_text("body")
    staff.close()
