"""Two clerks issuing tickets for one unit at the same moment: one succeeds, the other is told the unit is taken;
ticket numbers stay gap-free while several clerks issue at once and one attempt fails (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kehu.core.errors import ServiceError
from kehu.housing import services as hs
from kehu.housing.models import SelectionTicket, UnitStatus
from kehu.housing.tests.conftest import ticket_input, unit


def _run(jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def work(i, actor, data):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = hs.ticket_issue(actor=actor, data=data)
        except (ServiceError, ValidationError) as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, actor, data)) for i, (actor, data) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_clerks_one_unit_one_ticket(on_postgres, world):
    clerk1, clerk2 = world.people["housing_clerk"], world.people["clerk2"]
    outcomes = _run([(clerk1, ticket_input(world, "101", 0)), (clerk2, ticket_input(world, "101", 1))])
    tickets = [o for o in outcomes if isinstance(o, SelectionTicket)]
    refused = [o for o in outcomes if not isinstance(o, SelectionTicket)]
    assert len(tickets) == 1 and len(refused) == 1
    assert isinstance(refused[0], hs.UnitTakenError)
    assert f"已被选定（选房工作票 {tickets[0].number}）" in refused[0].message
    assert SelectionTicket.objects.filter(unit__number="101").count() == 1
    assert unit(world.project, "101").status == UnitStatus.TAKEN


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gap_free_under_concurrency(on_postgres, world):
    c1, c2 = world.people["housing_clerk"], world.people["clerk2"]
    jobs = [(c1, ticket_input(world, "101", 0)), (c2, ticket_input(world, "102", 1)),
            (c1, ticket_input(world, "501", 2)),
            (c2, ticket_input(world, "502", 0, unit_price=Decimal("1")))]  # refused: not the approved price
    outcomes = _run(jobs)
    assert isinstance(outcomes[3], ValidationError)
    assert sorted(SelectionTicket.objects.values_list("seq", flat=True)) == [1, 2, 3]
    assert hs.ticket_issue(actor=c1, data=ticket_input(world, "502", 1)).seq == 4
