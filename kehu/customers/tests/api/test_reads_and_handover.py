"""The read log (who read a customer) and handover (移交) through the API."""

from kehu.customers.models import ArchiveEvent, Customer


def test_manager_sees_who_read_a_customer(api, am_user, manager_user, customer):
    api(am_user).get(f"/api/customers/{customer.pk}/")
    resp = api(manager_user).get(f"/api/customers/{customer.pk}/reads/")
    assert resp.status_code == 200
    rows = resp.json()
    assert [(r["user"]["username"], r["channel"]) for r in rows] == [("am1", "api")]
    assert rows[0]["channel_display"] == "接口"


def test_read_log_needs_its_permission(api, am_user, customer):
    resp = api(am_user).get(f"/api/customers/{customer.pk}/reads/")
    assert resp.status_code == 403
    assert resp.json()["detail"] == "您没有查看查阅记录的权限。"


def test_read_log_outside_scope_is_404(api, make_user, org, customer):
    other_manager = make_user("dept_manager", "finance")
    assert api(other_manager).get(f"/api/customers/{customer.pk}/reads/").status_code == 404


def test_handover_moves_all_customers_and_records_the_reason(
    api, manager_user, am_user, am_user2, customer, customer_factory
):
    second = customer_factory(owner=am_user)
    resp = api(manager_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "吴经理调岗",
    }, format="json")
    assert resp.status_code == 200, resp.json()
    assert resp.json()["moved"] == 2 and resp.json()["to_user"]["id"] == am_user2.pk
    assert set(Customer.objects.filter(owner=am_user2).values_list("pk", flat=True)) == {customer.pk, second.pk}
    event = ArchiveEvent.objects.filter(customer=customer, kind="handover").get()
    assert event.reason == "吴经理调岗"
    history = api(manager_user).get(f"/api/customers/{customer.pk}/history/").json()
    assert any(e["reason"] == "吴经理调岗" for e in history)


def test_handover_of_chosen_customers_leaves_the_rest(api, manager_user, am_user, am_user2, customer,
                                                      customer_factory):
    kept = customer_factory(owner=am_user)
    resp = api(manager_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "区域调整", "customer_ids": [customer.pk],
    }, format="json")
    assert resp.json()["moved"] == 1
    assert Customer.objects.get(pk=kept.pk).owner_id == am_user.pk


def test_handover_without_a_reason_is_a_field_error(api, manager_user, am_user, am_user2, customer):
    resp = api(manager_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "",
    }, format="json")
    assert resp.status_code == 400 and resp.json()["reason"] == ["请填写移交原因。"]
    assert Customer.objects.get(pk=customer.pk).owner_id == am_user.pk


def test_handover_to_an_unknown_user_is_a_field_error(api, manager_user, am_user, customer):
    resp = api(manager_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": 999999, "reason": "调岗",
    }, format="json")
    assert resp.status_code == 400 and "to_user" in resp.json()


def test_handover_needs_its_permission(api, am_user, am_user2, customer):
    resp = api(am_user).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "想换人",
    }, format="json")
    assert resp.status_code == 403
    assert Customer.objects.get(pk=customer.pk).owner_id == am_user.pk


def test_handover_of_customers_outside_the_managers_scope_is_refused(
    api, make_user, am_user, am_user2, customer
):
    other_manager = make_user("dept_manager", "finance")
    resp = api(other_manager).post("/api/handovers/", {
        "from_user": am_user.pk, "to_user": am_user2.pk, "reason": "调岗",
    }, format="json")
    assert resp.status_code == 400 and "customers" in resp.json()
    assert Customer.objects.get(pk=customer.pk).owner_id == am_user.pk
