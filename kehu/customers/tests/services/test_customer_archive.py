import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kehu.core.errors import ConflictError, ScopeError
from kehu.customers.models import Customer
from kehu.customers.selectors import contact_masked_values, customer_timeline
from kehu.customers.services import (
    contact_save,
    customer_create,
    customer_handover,
    customer_update,
    user_deactivate,
)

USCC = "91350100M000100Y43"


def test_new_customer_gets_code_owner_unit_and_pinyin(am_user):
    c = customer_create(actor=am_user, name="中国石化销售股份有限公司山东单县加油站", short_name="单县站", uscc=USCC)
    assert c.code.startswith("KH") and c.owner == am_user and c.unit == am_user.unit
    assert "zgsh" in c.name_initials and "shanxian" in c.name_pinyin


def test_duplicate_credit_code_is_refused_and_nothing_is_saved(am_user):
    customer_create(actor=am_user, name="甲公司", uscc=USCC)
    with pytest.raises(ValidationError) as exc:
        customer_create(actor=am_user, name="乙公司", uscc=USCC.lower())
    assert "uscc" in exc.value.message_dict
    assert Customer.objects.filter(name="乙公司").count() == 0


def test_over_long_name_is_refused_naming_the_field(am_user):
    with pytest.raises(ValidationError) as exc:
        customer_create(actor=am_user, name="很" * 101)
    assert "name" in exc.value.message_dict


def test_stale_version_is_a_conflict_not_an_overwrite(am_user):
    c = customer_create(actor=am_user, name="甲公司")
    customer_update(actor=am_user, customer=c, expected_version=1, address="经十路1号")
    with pytest.raises(ConflictError) as exc:
        customer_update(actor=am_user, customer=c, expected_version=1, address="经十路2号")
    assert exc.value.current["address"] == "经十路1号"
    assert Customer.objects.get(pk=c.pk).address == "经十路1号"


def test_customer_outside_scope_is_not_found(am_user, am_user2):
    c = customer_create(actor=am_user, name="甲公司")
    with pytest.raises(ScopeError):
        customer_update(actor=am_user2, customer=c, expected_version=c.version, address="x")


def test_manager_sees_subordinates_customers(am_user, manager_user):
    c = customer_create(actor=am_user, name="甲公司")
    updated = customer_update(actor=manager_user, customer=c, expected_version=c.version, notes="经理批注")
    assert updated.notes == "经理批注"


def test_important_customer_needs_two_contacts(am_user):
    c = customer_create(actor=am_user, name="甲公司")
    contact_save(actor=am_user, customer=c, name="张三", mobile="13912345678")
    c.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        customer_update(actor=am_user, customer=c, expected_version=c.version, is_important=True)
    assert "两名联系人" in exc.value.message_dict["is_important"][0]


def test_contact_change_appears_in_timeline_with_who_and_what(am_user):
    c = customer_create(actor=am_user, name="甲公司")
    contact = contact_save(actor=am_user, customer=c, name="张三", mobile="13912345678")
    contact_save(actor=am_user, customer=c, contact=contact, name="张三", mobile="13987654321", reason="客户换号")
    entry = customer_timeline(customer=c)[0]
    assert entry.what == "联系人 张三" and entry.action == "修改" and entry.reason == "客户换号"
    assert [(ch.label, ch.old, ch.new) for ch in entry.changes] == [("手机", "13912345678", "13987654321")]
    assert entry.actor == str(am_user)


def test_mobile_is_masked_without_personal_data_permission(am_user, make_user):
    c = customer_create(actor=am_user, name="甲公司")
    contact = contact_save(actor=am_user, customer=c, name="张三", mobile="13912345678")
    finance = make_user("finance_reviewer", "finance")
    assert contact_masked_values(finance, contact)["mobile"] == "139****5678"
    assert contact_masked_values(am_user, contact)["mobile"] == "13912345678"


def test_handover_moves_all_customers_in_one_go_with_history(am_user, am_user2, manager_user):
    for i in range(3):
        customer_create(actor=am_user, name=f"甲{i}公司")
    moved = customer_handover(actor=manager_user, from_user=am_user, to_user=am_user2, reason="岗位调整")
    assert moved == 3
    assert Customer.objects.filter(owner=am_user2).count() == 3
    c = Customer.objects.filter(owner=am_user2).first()
    assert c.history.first().history_change_reason == "移交：岗位调整"
    assert any("移交" in e.action for e in customer_timeline(customer=c))


def test_departing_user_cannot_leave_customers_ownerless(am_user, admin_user):
    customer_create(actor=am_user, name="甲公司")
    with pytest.raises(ValidationError):
        user_deactivate(actor=admin_user, user=am_user, successor=None, reason="离职")
    am_user.refresh_from_db()
    assert am_user.is_active


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_one_conflicts(on_postgres, am_user):
    c = customer_create(actor=am_user, name="甲公司")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(address):
        try:
            barrier.wait()
            customer_update(actor=am_user, customer=c, expected_version=1, address=address)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()  # the thread's own connection: persistent connections (CONN_MAX_AGE) outlive it

    threads = [threading.Thread(target=save, args=(a,)) for a in ("一号", "二号")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Customer.objects.get(pk=c.pk).version == 2


def test_history_masks_contact_phones_for_users_without_personal_data_permission(am_user, make_user):
    c = customer_create(actor=am_user, name="甲公司")
    contact = contact_save(actor=am_user, customer=c, name="张三", mobile="13912345678")
    contact_save(actor=am_user, customer=c, contact=contact, name="张三", mobile="13987654321")
    finance = make_user("finance_reviewer", "finance")
    change = customer_timeline(customer=c, actor=finance)[0].changes[0]
    assert (change.old, change.new) == ("139****5678", "139****4321")
    change = customer_timeline(customer=c, actor=am_user)[0].changes[0]
    assert (change.old, change.new) == ("13912345678", "13987654321")


def test_a_company_wide_user_sees_every_customer_even_with_access_grants_registered(am_user, make_user):
    from kehu.customers.selectors import customer_queryset_for_actor

    c = customer_create(actor=am_user, name="甲公司")
    finance = make_user("finance_reviewer", "finance")
    assert list(customer_queryset_for_actor(finance)) == [c]
