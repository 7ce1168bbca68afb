"""The one-box customer search: every path, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

import pytest

from kehu.customers.models import Customer
from kehu.customers.selectors import CustomerFilters, customer_count_bounded, customer_list, search_filter
from kehu.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sinopec(customer_factory, am_user):
    c = customer_factory(code="KH00000101", name="中国石化销售股份有限公司山东石油分公司", short_name="山东石化",
                         owner=am_user, uscc="91370000863035434F")
    ContactFactory(customer=c, mobile="13905310001", phone="0531-88881234")
    return c


@pytest.fixture
def tencent(customer_factory, am_user):
    return customer_factory(code="KH00000102", name="深圳市腾讯计算机系统有限公司", short_name="腾讯",
                            owner=am_user, uscc="91440300708461136T")


@pytest.fixture
def bank(customer_factory, am_user):
    # 银行: 行 reads "hang" here, "xing" elsewhere.
    return customer_factory(code="KH00000103", name="齐鲁银行股份有限公司", short_name="齐鲁银行", owner=am_user,
                            uscc="91370000264352296L")


@pytest.fixture
def customers(sinopec, tencent, bank):
    return {"sinopec": sinopec, "tencent": tencent, "bank": bank}


def found(query: str) -> set[str]:
    return set(Customer.objects.filter(search_filter(query)).values_list("code", flat=True))


def test_chinese_substring_of_the_name_finds_the_customer(customers):
    assert found("石化销售") == {"KH00000101"}


def test_three_character_chinese_substring_finds_the_customer(customers):
    assert found("计算机") == {"KH00000102"}


def test_two_character_chinese_query_finds_the_customer(customers):
    assert found("腾讯") == {"KH00000102"}


def test_two_character_query_with_a_polyphone_finds_the_customer(customers):
    assert found("银行") == {"KH00000103"}


def test_one_character_chinese_query_finds_the_customers_containing_it(customers):
    assert found("腾") == {"KH00000102"}


def test_two_character_query_does_not_match_pinyin_of_other_characters(customers, customer_factory, am_user):
    customer_factory(code="KH00000104", name="济南藤训贸易有限公司", short_name="藤训", owner=am_user)  # téng xùn too
    assert found("腾讯") == {"KH00000102"}


def test_one_character_query_finds_a_name_ending_with_it(customers, customer_factory, am_user):
    customer_factory(code="KH00000105", name="济南鹏", short_name="", owner=am_user)
    assert found("鹏") == {"KH00000105"}


def test_two_characters_split_between_name_and_short_name_do_not_match(customers, customer_factory, am_user):
    customer_factory(code="KH00000106", name="济南腾", short_name="讯达", owner=am_user)
    assert found("腾讯") == {"KH00000102"}


def test_two_character_query_finds_the_short_name(customers, customer_factory, am_user):
    customer_factory(code="KH00000107", name="济南市第一加油站", short_name="鹏程", owner=am_user)
    assert found("鹏程") == {"KH00000107"}


def test_short_name_substring_finds_the_customer(customers):
    assert found("山东石化") == {"KH00000101"}


def test_pinyin_initials_find_the_customer(customers):
    assert found("zgsh") == {"KH00000101"}


def test_pinyin_initials_are_case_insensitive(customers):
    assert found("ZGSH") == {"KH00000101"}


def test_full_pinyin_finds_the_customer(customers):
    assert found("tengxun") == {"KH00000102"}


def test_full_pinyin_follows_the_reading_in_context(customers):
    assert found("yinhang") == {"KH00000103"}


def test_latin_letters_in_a_name_are_found_in_either_case(customers, customer_factory, am_user):
    customer_factory(code="KH00000108", name="TCL科技集团股份有限公司", short_name="TCL科技", owner=am_user)
    assert found("tcl") == {"KH00000108"}
    assert found("TCL科技") == {"KH00000108"}


def test_full_credit_code_finds_the_customer(customers):
    assert found("91440300708461136T") == {"KH00000102"}


def test_lower_case_credit_code_finds_the_customer(customers):
    assert found("91440300708461136t") == {"KH00000102"}


def test_credit_code_prefix_finds_the_customer(customers):
    assert found("914403007084611") == {"KH00000102"}


def test_customer_code_finds_the_customer(customers):
    assert found("KH00000103") == {"KH00000103"}


def test_customer_code_in_lower_case_finds_the_customer(customers):
    assert found("kh00000103") == {"KH00000103"}


def test_start_of_the_customer_code_finds_the_customers(customers):
    assert found("KH0000010") == {"KH00000101", "KH00000102", "KH00000103"}


def test_digits_of_the_customer_code_find_the_customer(customers):
    assert found("00000103") == {"KH00000103"}


def test_contact_mobile_finds_the_customer(customers):
    assert found("13905310001") == {"KH00000101"}


def test_contact_mobile_with_country_code_and_spaces_finds_the_customer(customers):
    assert found("+86 139 0531 0001") == {"KH00000101"}


def test_contact_mobile_prefix_finds_the_customer(customers):
    assert found("1390531") == {"KH00000101"}


def test_contact_landline_finds_the_customer(customers):
    assert found("0531-88881234") == {"KH00000101"}


def test_full_width_characters_are_normalised(customers):
    assert found("ＺＧＳＨ") == {"KH00000101"}


def test_like_wildcards_in_the_query_are_literal(customers):
    assert found("100%") == set()
    assert found("石_化") == set()


def test_blank_query_filters_nothing(customers):
    assert found("   ") == {"KH00000101", "KH00000102", "KH00000103"}


def test_unknown_text_finds_nothing(customers):
    assert found("不存在的公司") == set()


def test_renamed_customer_is_found_by_its_new_name_only(customers):
    c = customers["tencent"]
    c.name = "深圳市鹅厂科技有限公司"
    c.save()
    assert found("鹅厂科技") == {"KH00000102"}
    assert found("计算机") == set()


def test_deleted_customer_is_no_longer_found(customers):
    customers["tencent"].delete()
    assert found("计算机") == set()


def test_search_stays_within_the_actors_scope(customers, customer_factory, am_user2):
    customer_factory(code="KH00000201", name="中国石化青岛分公司", short_name="青岛石化", owner=am_user2)
    codes = {c.code for c in customer_list(actor=am_user2, filters=CustomerFilters(query="zgsh"))}
    assert codes == {"KH00000201"}


def test_manager_search_covers_the_subordinates_customers(customers, manager_user):
    codes = {c.code for c in customer_list(actor=manager_user, filters=CustomerFilters(query="石化"))}
    assert codes == {"KH00000101"}


def test_bounded_count_stops_at_the_limit(customer_factory, am_user):
    for _ in range(5):
        customer_factory(owner=am_user)
    assert customer_count_bounded(Customer.objects.all(), limit=3) == (3, True)
    assert customer_count_bounded(Customer.objects.all(), limit=5) == (5, False)
    assert customer_count_bounded(Customer.objects.all(), limit=10) == (5, False)


def test_sqlite_search_index_repairs_itself_after_a_table_rebuild_dropped_its_triggers(customers, customer_factory,
                                                                                      am_user):
    from django.db import connection

    from kehu.customers import selectors

    if connection.vendor != "sqlite":
        pytest.skip("SQLite FTS5 only")
    with connection.cursor() as cur:  # what Django's SQLite table remake does to triggers
        cur.execute("DROP TRIGGER customers_customer_fts_ai")
    customer_factory(code="KH00000301", name="淄博齐鲁石化新材料有限公司", short_name="齐鲁新材", owner=am_user)
    selectors._fts_checked = False
    assert found("齐鲁石化新") == {"KH00000301"}


def test_a_user_who_may_not_see_phones_cannot_find_a_customer_by_phone(customers, make_user):
    finance = make_user("finance_reviewer", "finance")
    by_phone = customer_list(actor=finance, filters=CustomerFilters(query="13905310001"))
    by_name = customer_list(actor=finance, filters=CustomerFilters(query="腾讯"))
    assert list(by_phone) == [] and [c.code for c in by_name] == ["KH00000102"]
