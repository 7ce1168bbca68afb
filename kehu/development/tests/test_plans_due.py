"""A department head is reminded of next month's plan in the ten days before the 25th (002 6.5.3), until sent."""

from datetime import date

import pytest

from kehu.development.selectors import plans_due
from kehu.development.services import development_plan_save, development_plan_submit, plan_regulation_lines

pytestmark = pytest.mark.django_db


def test_the_plan_is_due_on_the_25th_and_the_reminder_stops_once_it_is_sent(retail_head, sd):
    assert plans_due(actor=retail_head, today=date(2026, 12, 14)) == []  # eleven days before
    [due] = plans_due(actor=retail_head, today=date(2026, 12, 15))
    assert (due["unit"], due["period_start"], due["due_on"], due["overdue"]) == (
        sd["city"], date(2027, 1, 1), date(2026, 12, 25), False)
    assert plans_due(actor=retail_head, today=date(2026, 12, 26))[0]["overdue"] is True
    plan = development_plan_save(actor=retail_head, unit=sd["city"], period_start=date(2027, 1, 1),
                                 lines=plan_regulation_lines(unit=sd["city"]))
    assert len(plans_due(actor=retail_head, today=date(2026, 12, 20))) == 1  # a draft is not sent
    development_plan_submit(actor=retail_head, plan=plan)
    assert plans_due(actor=retail_head, today=date(2026, 12, 20)) == []
