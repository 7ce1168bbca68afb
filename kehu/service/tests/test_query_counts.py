"""List pages do not grow in queries with the number of rows: the same count for 3 and for 30 rows, under a fixed
ceiling (CONVENTIONS: tests pin query counts on hot paths)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kehu.service import services
from kehu.service.tests.conftest import sh

CEILING = 20  # measured 17 on each page: session, user, permissions, navigation badges, the page's own selectors


@pytest.fixture
def marketing_head(make_user):
    return make_user("marketing_head", "marketing", username="mkt", display_name="营销部负责人")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _complaints(actor, customer_factory, org, n: int, start: int) -> None:
    for i in range(n):
        customer = customer_factory(owner=actor, name=f"测试客户{start + i:03d}有限公司")
        c = services.complaint_register(
            actor=actor, customer_id=customer.pk, complaint_type="quality", description=f"第 {i} 批质量问题",
            severity=("general", "major")[i % 2], received_at=sh(2025, 9, 29, 9, 0) + timedelta(minutes=i),
            pack="hb-chemicals")
        if i % 3 == 0:
            services.complaint_assign(actor=actor, complaint_id=c.pk, department_id=org["sales"].pk,
                                      assignee_id=actor.pk)
        if i % 3 == 1:
            services.complaint_resolve(actor=actor, complaint_id=c.pk, responsibility="ours", solution="换货",
                                       at=sh(2025, 10, 9, 9, 0))


@pytest.mark.parametrize("view", ["", "open", "overdue", "resolved"])
def test_complaint_list_queries_do_not_grow_with_rows(client, am_user, customer_factory, org, view):
    client.force_login(am_user)
    url = reverse("service:complaint_list") + f"?view={view}"
    _complaints(am_user, customer_factory, org, 3, 0)
    few = _queries(client, url)
    _complaints(am_user, customer_factory, org, 27, 3)
    many = _queries(client, url)
    assert many == few <= CEILING


def _visit_plan(actor, customer_factory, n: int, start: int, year: int) -> None:
    customers = [customer_factory(owner=actor, name=f"走访客户{start + i:03d}有限公司") for i in range(n)]
    services.visit_plan_generate(actor=actor, owner_id=actor.pk, year=year)
    for c in customers[::2]:
        services.visit_report_create(actor=actor, customer_id=c.pk, visited_on=timezone.localdate(),
                                     kind="onsite", product_info="产品稳定", needs="希望增加配送频次")


def test_visit_plan_queries_do_not_grow_with_rows(client, am_user, customer_factory):
    year = timezone.localdate().year  # months already past without a visit are listed as overdue too
    client.force_login(am_user)
    url = reverse("service:visit_plan") + f"?owner={am_user.pk}&year={year}"
    _visit_plan(am_user, customer_factory, 3, 0, year)
    few = _queries(client, url)
    _visit_plan(am_user, customer_factory, 27, 3, year)
    many = _queries(client, url)
    assert many == few <= CEILING


def _surveys(actor, customer, n: int, start: int) -> None:
    for i in range(n):
        q = services.questionnaire_create(actor=actor, title=f"顾客满意度调查 {start + i}")
        services.question_add(actor=actor, questionnaire_id=q.pk, kind="scale", text="产品质量满意度",
                              scale_min=1, scale_max=5)
        services.question_add(actor=actor, questionnaire_id=q.pk, kind="text", text="意见和建议", required=False)
        services.survey_round_create(actor=actor, questionnaire_id=q.pk, name=f"{2000 + start + i}年度调查",
                                     year=2000 + start + i, target="list", customer_ids=[customer.pk])


def test_survey_list_queries_do_not_grow_with_rows(client, marketing_head, customer_factory, am_user):
    customer = customer_factory(owner=am_user)
    client.force_login(marketing_head)
    url = reverse("service:survey_list")
    _surveys(marketing_head, customer, 3, 0)
    few = _queries(client, url)
    _surveys(marketing_head, customer, 27, 3)
    many = _queries(client, url)
    assert many == few <= CEILING
