"""The planners' queue: 插单 first, then A类优先/B类保障/C类让步, within a class by score (同一类别按积分由高到低),
then by confirmation time (003 一、5)."""

from datetime import date
from decimal import Decimal

import pytest

from kehu.orders.selectors import order_queue
from kehu.orders.services.orders import order_create, order_submit
from kehu.orders.tests.conftest import give_limit, line, set_grade
from kehu.policy.models import AdminValue

pytestmark = pytest.mark.django_db


def test_the_queue_orders_rush_then_class_then_score_then_time(graded, users, catalogue, customer_factory):
    AdminValue.objects.create(pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value=Decimal("1e7"))
    a2 = customer_factory(code="GA2", owner=users["am"])
    set_grade(a2, "A", score="95")
    customers = {"A": graded["A"], "A2": a2, "B": graded["B"], "C": graded["C"]}
    for c in customers.values():
        give_limit(c, "10000000", users)
    numbers = {}
    for key in ("C", "B", "A", "A2"):
        order = order_create(actor=users["am"], customer_id=customers[key].pk, lines=[line(catalogue["pe"], "1")],
                             order_date=date(2026, 12, 6))
        numbers[key] = order_submit(actor=users["am"], order_id=order.pk).number
    rush = order_create(actor=users["am"], customer_id=graded["A"].pk, lines=[line(catalogue["pe"], "1")],
                        order_date=date(2026, 12, 6), is_rush=True)
    numbers["rush"] = order_submit(actor=users["am"], order_id=rush.pk).number
    queue = [o.number for o in order_queue(actor=users["planner"])]
    assert queue == [numbers[k] for k in ("rush", "A2", "A", "B", "C")]  # A2 scores 95 > A's 92
