from django.urls import reverse

from kehu.customers.models import ArchiveEvent, Customer


def test_handover_page_needs_the_handover_permission(am_client):
    assert am_client.get(reverse("customers:handover")).status_code == 403


def test_manager_hands_over_all_customers_with_a_reason(client, manager_user, am_user, am_user2, customer_factory):
    a = customer_factory(name="甲公司", owner=am_user)
    b = customer_factory(name="乙公司", owner=am_user)
    client.force_login(manager_user)
    response = client.post(reverse("customers:handover"), {
        "from_user": am_user.pk, "to_user": am_user2.pk, "mode": "all", "reason": "人员调岗",
    })
    assert response.status_code == 302
    assert set(Customer.objects.filter(owner=am_user2).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert ArchiveEvent.objects.filter(kind="handover", reason="人员调岗").count() == 2


def test_handover_of_chosen_customers_only(client, manager_user, am_user, am_user2, customer_factory):
    a = customer_factory(name="甲公司", owner=am_user)
    b = customer_factory(name="乙公司", owner=am_user)
    client.force_login(manager_user)
    client.post(reverse("customers:handover"), {
        "from_user": am_user.pk, "to_user": am_user2.pk, "mode": "chosen", "customers": [a.pk], "reason": "分担",
    })
    assert Customer.objects.get(pk=a.pk).owner == am_user2
    assert Customer.objects.get(pk=b.pk).owner == am_user


def test_handover_without_reason_is_refused_and_nothing_moves(client, manager_user, am_user, am_user2,
                                                               customer_factory):
    a = customer_factory(name="甲公司", owner=am_user)
    client.force_login(manager_user)
    body = client.post(reverse("customers:handover"), {
        "from_user": am_user.pk, "to_user": am_user2.pk, "mode": "all", "reason": "",
    }).content.decode()
    assert "请填写移交原因。" in body
    assert Customer.objects.get(pk=a.pk).owner == am_user


def test_choosing_the_from_user_lists_their_customers(client, manager_user, am_user, customer_factory):
    customer_factory(name="甲公司", owner=am_user)
    client.force_login(manager_user)
    body = client.get(reverse("customers:handover_customers"), {"from_user": am_user.pk}).content.decode()
    assert "甲公司" in body and 'name="customers"' in body
