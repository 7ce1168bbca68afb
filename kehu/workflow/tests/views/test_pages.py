"""The pages a user sees: inbox with counts, the admission form and page with its approval panel, the PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.workflow.models import ApprovalStatus, StepStatus
from kehu.workflow.services import admission_apply
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


@pytest.fixture
def submitted(am_user, prospect, reviewers):
    return admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)


def test_the_nav_badge_counts_what_waits_for_me(client, submitted, sales_reviewer):
    client.force_login(sales_reviewer)
    html = client.get(reverse("home")).content.decode()
    assert "审批" in html and 'badge rounded-pill text-bg-warning">1<' in html


def test_the_inbox_lists_the_waiting_step(client, submitted, sales_reviewer):
    client.force_login(sales_reviewer)
    resp = client.get(reverse("workflow:inbox"))
    assert resp.status_code == 200 and "济南恒通化工有限公司" in resp.content.decode()


def test_the_admission_form_submits_an_application(client, am_user, prospect, reviewers):
    client.force_login(am_user)
    resp = client.post(reverse("workflow:admission_new"), {
        "customer": prospect.pk, "customer_type": "direct", "quantity_unit": "吨",
        "conditions": ["production_enterprise", "sound_credit"],
    })
    assert resp.status_code == 302
    page = client.get(resp["Location"]).content.decode()
    assert "审批中" in page and "销售部" in page


def test_the_admission_form_shows_missing_conditions_beside_the_field(client, am_user, prospect, reviewers):
    client.force_login(am_user)
    resp = client.post(reverse("workflow:admission_new"), {
        "customer": prospect.pk, "customer_type": "direct", "quantity_unit": "吨",
    })
    assert resp.status_code == 200 and "准入条件未确认" in resp.content.decode()


def test_the_reviewer_decides_on_the_page(client, submitted, sales_reviewer):
    client.force_login(sales_reviewer)
    url = reverse("workflow:admission_detail", args=[submitted.pk])
    assert "提交审批意见" in client.get(url).content.decode()
    step = submitted.approval.steps.get(status=StepStatus.PENDING)
    resp = client.post(reverse("workflow:step_decide", args=[step.pk]),
                       {"decision": "approve", "comment": "材料齐全", "next": url})
    assert resp.status_code == 302
    step.refresh_from_db()
    assert step.decision == "approve"


def test_deciding_twice_on_the_page_shows_a_message_not_an_error(client, submitted, sales_reviewer):
    client.force_login(sales_reviewer)
    step = submitted.approval.steps.get(status=StepStatus.PENDING)
    client.post(reverse("workflow:step_decide", args=[step.pk]), {"decision": "approve"})
    resp = client.post(reverse("workflow:step_decide", args=[step.pk]), {"decision": "approve"}, follow=True)
    assert resp.status_code == 200 and "不能重复审批" in resp.content.decode()


def test_an_unrelated_user_cannot_see_the_application(client, submitted, am_user2):
    client.force_login(am_user2)
    assert client.get(reverse("workflow:admission_detail", args=[submitted.pk])).status_code == 404


def test_the_printed_form_downloads_as_pdf(client, submitted, am_user):
    client.force_login(am_user)
    resp = client.get(reverse("workflow:admission_pdf", args=[submitted.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ["workflow:access_list", "workflow:expiring", "workflow:licences",
                                  "workflow:blocklist", "workflow:delegations", "workflow:notifications",
                                  "workflow:admission_list", "workflow:admission_new"])
def test_every_page_renders(client, am_user, name, submitted):
    client.force_login(am_user)
    assert client.get(reverse(name)).status_code == 200


def test_the_withdraw_button_withdraws(client, submitted, am_user):
    client.force_login(am_user)
    client.post(reverse("workflow:approval_withdraw", args=[submitted.approval.pk]))
    submitted.approval.refresh_from_db()
    assert submitted.approval.status == ApprovalStatus.WITHDRAWN


def test_access_request_by_customer_code(client, make_user, active_customer, marketing_head):
    outsider = make_user("qc", "marketing")
    client.force_login(outsider)
    resp = client.post(reverse("workflow:access_list"),
                       {"customer_ref": active_customer.code, "reason": "核对投诉记录", "days": 3})
    assert resp.status_code == 302
    assert outsider.access_grants.count() == 0 and active_customer.access_requests.count() == 1


def test_the_customer_lifecycle_include_renders_for_the_archive_page(rf, am_user, submitted):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = am_user
    html = Template("{% load workflow %}{% customer_lifecycle c %}").render(
        Context({"c": submitted.customer, "request": request}))
    assert "无独家代理许可证" in html and "客户开户审批表" in html
