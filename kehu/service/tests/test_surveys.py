from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kehu.core.errors import ServiceError
from kehu.service import services
from kehu.service.models import SurveyInvitation
from kehu.service.selectors import survey_report


@pytest.fixture
def marketing_head(make_user):
    return make_user("marketing_head", "marketing", username="mkt", display_name="营销部负责人")


@pytest.fixture
def questionnaire(marketing_head):
    q = services.questionnaire_create(actor=marketing_head, title="顾客满意度调查（附件1）")
    services.question_add(actor=marketing_head, questionnaire_id=q.pk, kind="scale", text="产品质量满意度",
                          scale_min=1, scale_max=5)
    services.question_add(actor=marketing_head, questionnaire_id=q.pk, kind="choice", text="供货及时性",
                          choices=["及时", "基本及时", "不及时"])
    services.question_add(actor=marketing_head, questionnaire_id=q.pk, kind="text", text="意见和建议",
                          required=False)
    return q


@pytest.fixture
def survey(marketing_head, questionnaire, customer_factory, am_user):
    customers = [customer_factory(owner=am_user) for _ in range(2)]
    rnd = services.survey_round_create(actor=marketing_head, questionnaire_id=questionnaire.pk, name="2025年度调查",
                                       year=2025, target="list", customer_ids=[c.pk for c in customers])
    return rnd, customers


def answers(q, scale=5, choice="及时", text=""):
    qs = list(q.questions.all())
    return {f"q{qs[0].pk}": str(scale), f"q{qs[1].pk}": choice, f"q{qs[2].pk}": text}


def test_answer_outside_the_scale_is_refused_with_the_question_named(am_user, survey, questionnaire):
    rnd, customers = survey
    with pytest.raises(ValidationError) as info:
        services.survey_response_enter(actor=am_user, round_id=rnd.pk, customer_id=customers[0].pk,
                                       answers=answers(questionnaire, scale=6))
    ((_key, messages),) = info.value.message_dict.items()
    assert "超出量表范围 1–5" in messages[0]


def test_one_time_link_works_once(survey, questionnaire):
    rnd, customers = survey
    token = SurveyInvitation.objects.get(round=rnd, customer=customers[0]).token
    services.survey_response_by_token(token=token, answers=answers(questionnaire))
    with pytest.raises(ServiceError):
        services.survey_response_by_token(token=token, answers=answers(questionnaire))


def test_report_breaks_down_each_question(am_user, survey, questionnaire):
    rnd, customers = survey
    services.survey_response_enter(actor=am_user, round_id=rnd.pk, customer_id=customers[0].pk,
                                   answers=answers(questionnaire, 5, "及时", "希望增加品种"))
    services.survey_response_enter(actor=am_user, round_id=rnd.pk, customer_id=customers[1].pk,
                                   answers=answers(questionnaire, 3, "不及时"))
    report = survey_report(round_id=rnd.pk)
    scale, choice, text = report["rows"]
    assert scale["counts"] == [0, 0, 1, 0, 1] and scale["mean"] == 4
    assert choice["counts"] == [1, 0, 1]
    assert len(text["texts"]) == 1 and report["rate"] == 100.0


def test_top_20_round_targets_the_biggest_buyers(marketing_head, questionnaire, customer_factory, am_user,
                                                 monkeypatch):
    big, small = customer_factory(owner=am_user), customer_factory(owner=am_user)
    monkeypatch.setattr("kehu.sales.selectors.pickup_totals",
                        lambda start, end, unit=None, **kw: {big.pk: Decimal("900000"), small.pk: Decimal("100")})
    rnd = services.survey_round_create(actor=marketing_head, questionnaire_id=questionnaire.pk, name="前1名",
                                       year=2025, target="top", top_n=1)
    assert list(rnd.invitations.values_list("customer_id", flat=True)) == [big.pk]
    assert "前1名" in rnd.target_note


def test_choice_question_needs_two_options(marketing_head, questionnaire):
    with pytest.raises(ValidationError) as info:
        services.question_add(actor=marketing_head, questionnaire_id=questionnaire.pk, kind="choice", text="x",
                              choices=["一"])
    assert "choices" in info.value.message_dict


def test_public_link_page_without_login_and_exports(client, marketing_head, survey, questionnaire):
    rnd, customers = survey
    token = SurveyInvitation.objects.get(round=rnd, customer=customers[0]).token
    url = reverse("service:public_answer", args=[token])
    bad = client.post(url, answers(questionnaire, scale=9))
    assert bad.status_code == 400 and "超出量表范围" in bad.content.decode()
    ok = client.post(url, answers(questionnaire))
    assert "提交成功" in ok.content.decode()
    assert "已使用过" in client.get(url).content.decode()
    client.force_login(marketing_head)
    xlsx = client.get(reverse("service:round_xlsx", args=[rnd.pk]))
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("service:round_pdf", args=[rnd.pk]))
    assert pdf.content[:4] == b"%PDF"
    page = client.get(reverse("service:round_detail", args=[rnd.pk]))
    assert "survey-chart-data" in page.content.decode()
    assert client.get(reverse("service:survey_list")).status_code == 200
    assert date.today()
