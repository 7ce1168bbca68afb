"""Two API clients saving the same archive at once: one wins, the other gets 409 — nothing is overwritten."""

import threading

import pytest
from django.db import connection

from kehu.customers.models import Customer


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_of_the_same_version_give_one_save_and_one_conflict(
    on_postgres, api, am_user, manager_user, customer
):
    clients = {"am": api(am_user), "manager": api(manager_user)}
    version = customer.version
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def save(who: str) -> None:
        try:
            barrier.wait(timeout=10)
            resp = clients[who].patch(
                f"/api/customers/{customer.pk}/", {"version": version, "address": f"{who} 的地址"}, format="json"
            )
            results[who] = (resp.status_code, resp.json())
        finally:
            connection.close()  # the thread's own connection: persistent connections (CONN_MAX_AGE) outlive it

    threads = [threading.Thread(target=save, args=(who,)) for who in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(code for code, _ in results.values()) == [200, 409]
    winner = next(who for who, (code, _) in results.items() if code == 200)
    loser_body = next(body for code, body in results.values() if code == 409)
    assert loser_body["current"]["address"] == f"{winner} 的地址"
    assert loser_body["current_version"] == version + 1
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.address == f"{winner} 的地址" and saved.version == version + 1
