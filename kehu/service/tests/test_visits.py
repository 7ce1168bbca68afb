from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kehu.customers.models import ArchiveEvent
from kehu.service import services
from kehu.service.grades import register_grade_provider, unregister_grade_provider
from kehu.service.models import VisitPlanItem
from kehu.service.selectors import visit_overdue_items, visit_plan_detail
from kehu.service.services.visits import spread_months

NEXT_YEAR = timezone.localdate().year + 1


def test_quarterly_visits_are_spread_over_the_four_quarters():
    assert spread_months(4, 0) == [1, 4, 7, 10]
    assert spread_months(4, 1) == [2, 5, 8, 11]
    assert spread_months(1, 5) == [6]


def test_plan_gives_every_customer_one_visit_a_year_by_default(am_user, customer_factory):
    for _ in range(3):
        customer_factory(owner=am_user)
    plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    assert plan.items.count() == 3
    assert "第十一条" in plan.items.first().basis


def test_a_class_customers_get_quarterly_visits(am_user, customer_factory):
    a = customer_factory(owner=am_user)
    customer_factory(owner=am_user)

    def provider(ids, year):
        return {a.pk: ["abcd:A"]}

    register_grade_provider(provider)
    try:
        plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    finally:
        unregister_grade_provider(provider)
    months = sorted(plan.items.filter(customer=a).values_list("month", flat=True))
    assert len(months) == 4 and months[3] - months[0] == 9


def test_generating_again_keeps_edited_months_and_adds_new_customers(am_user, customer_factory):
    customer_factory(owner=am_user)
    plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    item = plan.items.get()
    services.visit_plan_item_update(actor=am_user, item_id=item.pk, month=9)
    customer_factory(owner=am_user)
    services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    item.refresh_from_db()
    assert item.month == 9 and plan.items.count() == 2


def test_visit_dated_in_the_future_cannot_be_recorded_as_done(am_user, customer):
    with pytest.raises(ValidationError) as info:
        services.visit_report_create(actor=am_user, customer_id=customer.pk,
                                     visited_on=timezone.localdate() + timedelta(days=1), needs="扩大采购")
    assert "visited_on" in info.value.message_dict


def test_visit_report_ticks_off_the_plan_item_and_lands_on_the_archive(am_user, customer):
    year = timezone.localdate().year
    plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=year)
    report = services.visit_report_create(actor=am_user, customer_id=customer.pk, visited_on=timezone.localdate(),
                                          product_info="熔指稳定", needs="希望缩短交货期", follow_up_actions="协调物流")
    assert plan.items.get().report == report
    assert ArchiveEvent.objects.filter(customer=customer, kind="visit.onsite").exists()


def test_visit_report_needs_some_content(am_user, customer):
    with pytest.raises(ValidationError) as info:
        services.visit_report_create(actor=am_user, customer_id=customer.pk, visited_on=timezone.localdate())
    assert "needs" in info.value.message_dict


def test_past_month_without_a_visit_is_flagged_overdue(am_user, customer):
    plan = services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    item = plan.items.get()
    assert visit_overdue_items(actor=am_user, today=date(NEXT_YEAR, 12, 31)) == [item] or item.month == 12
    assert visit_overdue_items(actor=am_user, today=date(NEXT_YEAR + 1, 1, 1)) == [item]
    assert visit_plan_detail(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)["total"] == 1


def test_another_managers_plan_is_out_of_scope(am_user, am_user2, customer):
    from kehu.core.errors import ScopeError

    with pytest.raises(ScopeError):
        services.visit_plan_generate(actor=am_user2, owner_id=am_user.pk, year=NEXT_YEAR)


def test_visit_plan_page_and_future_visit_form_error(client, am_user, customer):
    services.visit_plan_generate(actor=am_user, owner_id=am_user.pk, year=NEXT_YEAR)
    client.force_login(am_user)
    page = client.get(reverse("service:visit_plan") + f"?year={NEXT_YEAR}")
    assert page.status_code == 200 and customer.name in page.content.decode()
    response = client.post(reverse("service:visit_report_create"), {
        "customer": customer.code, "kind": "onsite",
        "visited_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "needs": "x"})
    assert "不能登记为已完成的走访" in response.content.decode()
    assert not VisitPlanItem.objects.filter(report__isnull=False).exists()
