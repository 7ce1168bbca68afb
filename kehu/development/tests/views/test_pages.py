"""The development pages: what each role sees, bad input shown beside the field with nothing saved."""

from datetime import date

import pytest
from django.urls import reverse

from kehu.development.models import DevelopmentPlan, Prospect
from kehu.development.services import LineInput, development_plan_save, pool_sweep, prospect_create
from kehu.policy.models import AdminValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_a_prospect_form_without_the_surveys_columns_shows_what_is_missing(login, station_manager):
    response = login(station_manager).post(reverse("development:prospect_new"), {"name": "某公司", "potential": "high"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "请填写联系人。" in text and "目前消费地点" in text
    assert not Prospect.objects.exists()


def test_recording_a_prospect_leads_to_its_page_with_the_conversion_form(login, station_manager, survey_fields):
    data = {k: str(v) for k, v in survey_fields.items()} | {"potential": "high"}
    client = login(station_manager)
    response = client.post(reverse("development:prospect_new"), data, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "济南市历下区交通运输局" in text and "转开户申请" in text and "QK00000001" in text


def test_converting_from_the_page_opens_the_admission_application(login, station_manager, survey_fields):
    prospect = prospect_create(actor=station_manager, **survey_fields)
    response = login(station_manager).post(reverse("development:prospect_convert", args=[prospect.pk]),
                                           {"customer_type": "direct", "expected_products": "柴油"})
    prospect.refresh_from_db()
    application = prospect.customer.admission_applications.get()
    assert response.status_code == 302 and response["Location"] == reverse("workflow:admission_detail",
                                                                           args=[application.pk])


def test_the_plan_form_is_prefilled_with_the_regulations_minimums_and_shows_errors(login, retail_head, sd):
    client = login(retail_head)
    url = reverse("development:plan_new") + f"?unit={sd['city'].pk}&period=2027-01-01"
    page = client.get(url).content.decode()
    assert page.count('value="10" inputmode') == 3 and "历下区" in page
    rows = {"unit": sd["city"].pk, "period": "2027-01-01", "rows": 2, "category_0": "institutional",
            "unit_0": sd["lixia"].pk, "target_0": "1", "category_1": "card", "unit_1": sd["s1"].pk, "target_1": "9"}
    response = client.post(reverse("development:plan_new"), rows)
    text = response.content.decode()
    assert "以下区县没有计划：市中区" in text and "计划合计9个" in text
    assert not DevelopmentPlan.objects.exists()


def test_a_plan_page_shows_targets_and_computed_completion(login, retail_head, sd):
    start = date.today().replace(day=1)
    lines = [LineInput(category="institutional", target=1, unit=sd["lixia"]),
             LineInput(category="institutional", target=1, unit=sd["shizhong"]),
             *[LineInput(category="card", target=10, unit=sd[s]) for s in ("s1", "s2", "s3")]]
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=start, lines=lines)
    text = login(retail_head).get(reverse("development:plan_detail", args=[plan.pk])).content.decode()
    assert "历下第一加油站" in text and "vendor/echarts/echarts.min.js" in text and "报送 / 下达" in text


def test_the_pool_page_lists_claimable_customers_and_a_claim_above_the_cap_is_explained(
        login, customer_factory, station_manager, sd):
    AdminValue.objects.create(pack_name="shandong-retail", key="sd.pool_claim_cap", value=1)
    a, b = customer_factory(owner=None, unit=sd["s1"], name="甲物流"), customer_factory(owner=None, unit=sd["s1"],
                                                                                         name="乙物流")
    pool_sweep()
    client = login(station_manager)
    page = client.get(reverse("development:pool")).content.decode()
    assert "甲物流" in page and "乙物流" in page and "sd.pool_days_without_follow_up" in page
    client.post(reverse("development:pool_claim", args=[a.pk]))
    response = client.post(reverse("development:pool_claim", args=[b.pk]), follow=True)
    assert "已达每人上限 1 个" in response.content.decode()
    b.refresh_from_db()
    assert b.owner is None


@pytest.mark.parametrize("who", ["station_manager", "retail_head", "jiaguan"])
def test_every_role_opens_its_pages(login, request, who, sd):
    user = request.getfixturevalue(who)
    client = login(user)
    for name in ("dashboard", "prospect_list", "survey_list", "plan_list", "completion", "report_list"):
        assert client.get(reverse(f"development:{name}")).status_code == 200, name
    expected_pool = 200 if user.has_perm("development.claim_pool_customer") else 403
    assert client.get(reverse("development:pool")).status_code == expected_pool


def test_the_department_head_sees_his_unit_against_plan(login, retail_head, sd):
    text = login(retail_head).get(reverse("development:dashboard")).content.decode()
    assert "本单位对照计划" in text and "历下区" in text
