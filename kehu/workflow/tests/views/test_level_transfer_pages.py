"""The level-transfer pages (002 6.1.1): the form offers only units above or below, the page shows the chain and the
receiving head decides from it; the archive page offers the action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.workflow.models import LevelTransferRequest, StepStatus


@pytest.fixture
def customer(customer_factory, am_user):
    return customer_factory(owner=am_user, name="济南公交集团")


@pytest.fixture
def heads(make_user, manager_user, org):
    head = make_user("dept_manager", "team1", username="zz", display_name="冯组长")
    org["team1"].head = head
    org["team1"].save(update_fields=["head"])
    org["sales"].head = manager_user
    org["sales"].save(update_fields=["head"])
    return head, manager_user


def test_the_form_offers_the_units_above_and_below_only(client, sales_reviewer, customer):
    client.force_login(sales_reviewer)
    html = client.get(reverse("workflow:level_transfer_new", args=[customer.pk])).content.decode()
    assert "销售部" in html and "测试公司" in html
    assert "销售二组" not in html and "财务部" not in html


def test_submitting_the_form_opens_the_request_page_with_its_chain(client, sales_reviewer, customer, org, heads):
    client.force_login(sales_reviewer)
    resp = client.post(reverse("workflow:level_transfer_new", args=[customer.pk]),
                       {"to_unit": org["sales"].pk, "reason": "一组客户过剩，上收"}, follow=True)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "移出单位负责人同意" in html and "接收单位负责人同意" in html and "销售一组" in html


def test_a_sibling_unit_posted_by_hand_is_refused_on_the_field(client, sales_reviewer, customer, org):
    client.force_login(sales_reviewer)
    resp = client.post(reverse("workflow:level_transfer_new", args=[customer.pk]),
                       {"to_unit": org["team2"].pk, "reason": "一组客户过剩"})
    assert resp.status_code == 200 and LevelTransferRequest.objects.count() == 0


def test_both_heads_approve_from_the_page_and_the_unit_changes(client, sales_reviewer, customer, org, heads):
    from kehu.workflow.services import level_transfer_request_submit

    req = level_transfer_request_submit(actor=sales_reviewer, customer=customer, to_unit=org["sales"],
                                        reason="一组客户过剩")
    for head in heads:
        client.force_login(head)
        step = req.approval.steps.get(status=StepStatus.PENDING)
        page = client.get(reverse("workflow:level_transfer_detail", args=[req.pk])).content.decode()
        assert 'data-testid="decide-form"' in page
        client.post(reverse("workflow:step_decide", args=[step.pk]), {"decision": "approve", "comment": ""})
    customer.refresh_from_db()
    assert customer.unit == org["sales"]
    page = client.get(reverse("workflow:level_transfer_detail", args=[req.pk])).content.decode()
    assert "已于" in page and "生效" in page


def test_the_list_shows_requests_to_the_requester(client, sales_reviewer, customer, org):
    from kehu.workflow.services import level_transfer_request_submit

    level_transfer_request_submit(actor=sales_reviewer, customer=customer, to_unit=org["sales"], reason="一组客户过剩")
    client.force_login(sales_reviewer)
    html = client.get(reverse("workflow:level_transfer_list")).content.decode()
    assert "济南公交集团" in html and "审批中" in html


def test_someone_outside_the_scope_gets_404(client, am_user2, sales_reviewer, customer, org):
    from kehu.workflow.services import level_transfer_request_submit

    req = level_transfer_request_submit(actor=sales_reviewer, customer=customer, to_unit=org["sales"],
                                        reason="一组客户过剩")
    client.force_login(am_user2)
    assert client.get(reverse("workflow:level_transfer_detail", args=[req.pk])).status_code == 404


def test_the_lifecycle_block_offers_the_transfer_to_a_manager(rf, manager_user, am_user, customer):
    from django.template import Context, Template

    template = Template("{% load workflow %}{% customer_lifecycle customer %}")
    request = rf.get("/")
    request.user = manager_user
    assert reverse("workflow:level_transfer_new", args=[customer.pk]) in template.render(
        Context({"request": request, "customer": customer}))
    request.user = am_user
    assert "level-transfer" not in template.render(Context({"request": request, "customer": customer}))
