from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kehu.customers.models import ArchiveEvent
from kehu.policy.models import AdminValue
from kehu.policy.services import admin_value_set, classification_set, grade_override_create, regrade

MAY = date(2024, 5, 10)


def test_override_wins_and_the_explanation_names_reason_and_approver(
    make_customers, pickup, seed_grade, grade_of, admin_user, manager_user
):
    (c,) = make_customers(1)
    seed_grade(c, "普通")
    pickup(c, "10", MAY)
    grade_override_create(actor=admin_user, customer=c, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                          grade="三星", reason="战略客户，总经理办公会决定", approver=manager_user)
    regrade(pack_name="hb-chemicals", period="2024-05")
    a = grade_of(c)
    assert (a.grade, a.rule) == ("三星", "override")
    assert "战略客户，总经理办公会决定" in a.explanation and "钱部长" in a.explanation
    assert a.override_id is not None


def test_override_needs_a_reason(make_customers, admin_user, manager_user):
    (c,) = make_customers(1)
    with pytest.raises(ValidationError) as exc:
        grade_override_create(actor=admin_user, customer=c, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                              grade="三星", reason=" ", approver=manager_user)
    assert "reason" in exc.value.message_dict


def test_override_to_an_unknown_grade_is_refused(make_customers, admin_user, manager_user):
    (c,) = make_customers(1)
    with pytest.raises(ValidationError) as exc:
        grade_override_create(actor=admin_user, customer=c, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                              grade="五星", reason="x", approver=manager_user)
    assert "grade" in exc.value.message_dict


def test_admin_value_outside_the_allowed_range_is_refused(admin_user):
    with pytest.raises(ValidationError) as exc:
        admin_value_set(actor=admin_user, pack_name="guangdong-post", key="guangdong-post.coefficient.group2",
                        value="0.95")
    assert "0.8" in exc.value.message_dict["value"][0]
    assert not AdminValue.objects.exists()


def test_admin_value_is_stored_with_who_set_it(admin_user):
    row = admin_value_set(actor=admin_user, pack_name="shaanxi-cement", key="shaanxi-cement.volume.medium_min",
                          value="5000")
    assert row.set_by == admin_user and row.history.count() == 1


def test_admin_values_that_would_overlap_are_refused(admin_user):
    admin_value_set(actor=admin_user, pack_name="shaanxi-cement", key="shaanxi-cement.volume.medium_min", value=5000)
    with pytest.raises(ValidationError):
        admin_value_set(actor=admin_user, pack_name="shaanxi-cement", key="shaanxi-cement.volume.large_min",
                        value=3000)


def test_regrade_without_the_administrator_values_is_refused(make_customers):
    from kehu.sales.models import ProductGroup

    ProductGroup.objects.create(code="cement-bagged", name="袋装水泥")
    ProductGroup.objects.create(code="cement-bulk", name="散装水泥")
    make_customers(1)
    with pytest.raises(ValidationError) as exc:
        regrade(pack_name="shaanxi-cement", period="2024")
    assert "shaanxi-cement.volume" in str(exc.value)


def test_classification_is_validated_and_kept_in_history(make_customers, admin_user):
    (c,) = make_customers(1)
    with pytest.raises(ValidationError):
        classification_set(actor=admin_user, customer=c, pack_name="shaanxi-cement", dimension="settlement",
                           value="赊销")
    c = classification_set(actor=admin_user, customer=c, pack_name="shaanxi-cement", dimension="settlement",
                           value="月结", reason="签订月结协议")
    assert c.classifications["settlement"] == "月结"
    assert c.history.first().history_change_reason == "签订月结协议"


def test_override_goes_on_the_timeline(make_customers, admin_user, manager_user):
    (c,) = make_customers(1)
    grade_override_create(actor=admin_user, customer=c, pack_name="hb-chemicals", scheme_code="polyolefin_star",
                          grade="一星", reason="考核其他指标", approver=manager_user)
    assert ArchiveEvent.objects.filter(customer=c, kind="grade_override").exists()
