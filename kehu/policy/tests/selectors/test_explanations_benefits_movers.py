from __future__ import annotations

from datetime import date

from kehu.policy.selectors import customer_benefits, customer_grade, customer_grade_explanations, grade_movers
from kehu.policy.services import regrade

MAY = date(2024, 5, 10)


def test_explanation_says_metric_threshold_article_and_what_moves_it(make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    pickup(c, "2150", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    (e,) = customer_grade_explanations(c)
    assert e.grade_name == "二星客户"
    assert "2,150 吨" in e.explanation and "大于等于2000吨而小于3000吨" in e.explanation
    assert e.article == "第九条" and "二星客户:单月提货量大于等于2000吨而小于3000吨的客户" in e.quote
    assert "850 吨" in e.to_next and "三星" in e.to_next
    assert "2,000 吨" in e.to_previous and "一星" in e.to_previous
    assert any(t.is_current and t.grade == "二星" for t in e.thresholds)
    assert [m.label for m in e.metrics] == ["单月聚烯烃提货量"]


def test_customer_grade_returns_the_current_grade(make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    pickup(c, "3100", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert customer_grade(c, "polyolefin_star") == "三星"


def test_benefits_come_from_the_pack_not_from_the_caller(make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "二星")
    pickup(c, "2500", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    benefits = customer_benefits(customer=c, pack_name="hb-chemicals")
    assert benefits.payment_terms.value.startswith("款到发货")
    assert benefits.payment_terms.citation.article == "第二条"
    assert benefits.grades == {"polyolefin_star": "二星"}


def test_benefits_give_the_owning_level(make_customers, pickup):
    (c,) = make_customers(1, classifications={"customer_kind": "机构", "company_framework_agreement": True})
    regrade(pack_name="shandong-retail", period="2024-05")
    benefits = customer_benefits(customer=c, pack_name="shandong-retail")
    assert benefits.owning_level.value == "省级"
    assert benefits.owner_org_unit.value == "公司加管处"


def test_movers_list_keeps_to_the_users_scope(make_customers, pickup, seed_grade, am_user, am_user2):
    mine = make_customers(1, owner=am_user)[0]
    theirs = make_customers(1, owner=am_user2)[0]
    for c in (mine, theirs):
        seed_grade(c, "一星")
        pickup(c, "2500", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    assert [a.customer_id for a in grade_movers(actor=am_user, pack_name="hb-chemicals")] == [mine.pk]
    ups = grade_movers(actor=am_user2, pack_name="hb-chemicals", direction="up")
    assert [a.customer_id for a in ups] == [theirs.pk]
    assert list(grade_movers(actor=am_user, pack_name="hb-chemicals", direction="down")) == []


def test_grades_in_period_list_every_customer_with_the_grade_in_force(make_customers, pickup, seed_grade,
                                                                      django_assert_num_queries):
    """附录5 lists every customer's grade per month: a customer not graded in a month (churned then) keeps the
    grade it had; a customer graded for the first time later has none before."""
    from kehu.customers.models import CustomerStatus
    from kehu.policy.selectors import grade_in_period, grades_in_period

    graded, gone = make_customers(2)
    seed_grade(graded, "一星")
    seed_grade(gone, "二星")
    (late,) = make_customers(1)
    pickup(graded, "3100", MAY)
    type(gone).objects.filter(pk=gone.pk).update(status=CustomerStatus.CHURNED)
    regrade(pack_name="hb-chemicals", period="2024-05")
    with django_assert_num_queries(2):
        may = grades_in_period(pack_name="hb-chemicals", scheme_code="polyolefin_star", period="2024-05")
    assert may == {graded.pk: "二星", gone.pk: "二星", late.pk: "网拍"}  # one step up; late: first graded in May
    april = grades_in_period(pack_name="hb-chemicals", scheme_code="polyolefin_star", period="2024-04")
    assert april == {graded.pk: "一星", gone.pk: "二星"}
    assert grades_in_period(pack_name="hb-chemicals", scheme_code="polyolefin_star", period="2024-05",
                            customer_ids=[gone.pk]) == {gone.pk: "二星"}
    assert grade_in_period(gone, pack_name="hb-chemicals", scheme_code="polyolefin_star", period="2024-05") == "二星"
    assert grade_in_period(late, pack_name="hb-chemicals", scheme_code="polyolefin_star", period="2024-04") is None
    assert customer_grade(gone, "polyolefin_star") == "二星"  # the current grade is the latest row it has
