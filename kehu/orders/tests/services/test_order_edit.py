"""A draft is corrected before it is submitted: priced and termed again, with the version read, so that two people
editing one order never overwrite each other; a submitted order, someone else's order and bad input change nothing."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from kehu.core.errors import ConflictError, ScopeError
from kehu.orders.models import Order, OrderStatus
from kehu.orders.services.orders import OrderStateError, order_create, order_submit, order_update
from kehu.orders.tests.conftest import give_limit, line

D = Decimal


def enter(users, customer, catalogue, qty="10"):
    return order_create(actor=users["am"], customer_id=customer.pk, lines=[line(catalogue["pe"], qty)],
                        order_date=date(2026, 12, 6))


def edit(users, order, catalogue, qty, *, version=None, price=None, actor=None, **kw):
    return order_update(actor=actor or users["am"], order_id=order.pk,
                        version=order.version if version is None else version,
                        lines=[line(catalogue["pe"], qty, price)], order_date=date(2026, 12, 6), **kw)


def quantities(order):
    return [ln.quantity for ln in Order.objects.get(pk=order.pk).lines.order_by("line_no")]


@pytest.mark.django_db
def test_a_draft_edited_is_priced_again_and_the_change_is_in_its_record(graded, users, catalogue):
    order = enter(users, graded["A"], catalogue, "10")
    assert order.total_amount == D("80000.00") and order.version == 1
    edited = edit(users, order, catalogue, "20", reason="客户追加 10 吨", is_rush=True)
    assert (edited.total_amount, edited.version, edited.is_rush) == (D("160000.00"), 2, True)
    assert quantities(order) == [D("20.000")]
    last = edited.transitions.order_by("-at", "-pk").first()
    assert (last.from_status, last.to_status) == ("draft", "draft")
    assert "80,000.00 → 160,000.00" in last.reason and "客户追加 10 吨" in last.reason
    newest = edited.history.order_by("-history_date").first()
    assert newest.history_user == users["am"] and newest.history_change_reason == "客户追加 10 吨"
    # A discount beyond the A-class cap (≤ 5 %) asks for an approval, as at entry.
    capped = edit(users, edited, catalogue, "20", price="7500")
    assert [n["kind"] for n in capped.needs] and capped.lines.get().beyond_cap


@pytest.mark.django_db
def test_a_stale_version_is_refused_and_nothing_is_overwritten(graded, users, catalogue):
    order = enter(users, graded["A"], catalogue, "10")
    edit(users, order, catalogue, "12")
    with pytest.raises(ConflictError) as caught:
        edit(users, order, catalogue, "30", version=1)
    assert caught.value.current_version == 2 and "他人修改" in caught.value.message
    assert quantities(order) == [D("12.000")]


@pytest.mark.django_db
def test_a_submitted_order_someone_elses_order_and_bad_input_change_nothing(graded, users, catalogue, am_user2):
    give_limit(graded["A"], "500000", users)
    order = enter(users, graded["A"], catalogue, "10")
    with pytest.raises(ScopeError):
        edit(users, order, catalogue, "99", actor=am_user2)
    with pytest.raises(ValidationError):
        edit(users, order, catalogue, "0")
    assert quantities(order) == [D("10.000")] and Order.objects.get(pk=order.pk).version == 1
    submitted = order_submit(actor=users["am"], order_id=order.pk)  # the contract review's approval is pending
    assert submitted.status == OrderStatus.DRAFT and submitted.submitted_at is not None
    with pytest.raises(OrderStateError):
        edit(users, submitted, catalogue, "11")
    assert quantities(order) == [D("10.000")]


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_one_draft_at_once_one_wins_the_other_is_told(on_postgres, graded, users, catalogue):
    order = enter(users, graded["A"], catalogue, "10")
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(qty):
        try:
            barrier.wait()
            edit(users, order, catalogue, qty, version=1)
            outcomes[qty] = "saved"
        except ConflictError:
            outcomes[qty] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(q,)) for q in ("15", "25")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(q for q, o in outcomes.items() if o == "saved")
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.version == 2 and quantities(order) == [D(winner)]
    assert fresh.total_amount == D(winner) * 8000


@pytest.mark.django_db
def test_the_api_edits_with_the_version_and_answers_409_and_400(graded, users, catalogue):
    client = APIClient()
    client.force_authenticate(users["am"])
    order = enter(users, graded["A"], catalogue, "10")
    read = client.get(f"/api/orders/{order.pk}/").json()
    assert read["version"] == 1
    body = {"version": 1, "order_date": "2026-12-06", "lines": [{"product": "PE-LLDP", "quantity": "20"}]}
    ok = client.patch(f"/api/orders/{order.pk}/", body, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["version"] == 2 and ok.json()["total_amount"] == "160000.00"
    stale = client.patch(f"/api/orders/{order.pk}/", {**body, "lines": [{"product": "PE-LLDP", "quantity": "5"}]},
                         format="json")
    assert stale.status_code == 409
    bad = client.patch(f"/api/orders/{order.pk}/", {**body, "version": 2, "lines": [{"product": "NOPE",
                                                                                      "quantity": "5"}]},
                       format="json")
    assert bad.status_code == 400 and "lines" in bad.json()
    assert quantities(order) == [D("20.000")]


@pytest.mark.django_db
def test_the_edit_page_shows_the_draft_and_saves_a_correction(client, graded, users, catalogue):
    client.force_login(users["am"])
    order = enter(users, graded["A"], catalogue, "10")
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"/orders/{order.pk}/edit/" in detail
    page = client.get(f"/orders/{order.pk}/edit/")
    text = page.content.decode()
    assert page.status_code == 200 and f"修改订单 {order.number}" in text and 'value="10.000"' in text
    form = {"order_date": "2026-12-06", "product_1": catalogue["pe"].pk, "quantity_1": "15", "version": "1",
            "reason": "改为 15 吨", "action": "save"}
    saved = client.post(f"/orders/{order.pk}/edit/", form)
    assert saved.status_code == 302 and saved["Location"] == f"/orders/{order.pk}/"
    assert quantities(order) == [D("15.000")]
    stale = client.post(f"/orders/{order.pk}/edit/", {**form, "quantity_1": "99"})
    assert stale.status_code == 200 and "保存冲突" in stale.content.decode()
    zero = client.post(f"/orders/{order.pk}/edit/", {**form, "version": "2", "quantity_1": "0"})
    assert zero.status_code == 200 and "数量必须大于 0" in zero.content.decode()
    assert quantities(order) == [D("15.000")]
