"""The bulk demo loader writes believable, searchable, valid customers (small counts here; 1M in bench/)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kehu.core.demo_bulk import Vocabulary, demo_bulk_load
from kehu.customers.models import Contact, Customer, Qualification
from kehu.customers.pinyin import customer_search_keys
from kehu.customers.selectors import search_filter
from kehu.customers.validators import validate_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    return demo_bulk_load(customers=300, managers=5, drop_indexes=False)


def test_bulk_load_writes_customers_contacts_and_licences(loaded):
    assert (loaded.customers, Customer.objects.count()) == (300, 300)
    assert Contact.objects.count() == loaded.contacts >= 300
    assert Qualification.objects.count() == 300


def test_bulk_names_and_credit_codes_are_unique_and_valid(loaded):
    names = list(Customer.objects.values_list("name", flat=True))
    usccs = list(Customer.objects.values_list("uscc", flat=True))
    assert len(set(names)) == len(names)
    assert len(set(usccs)) == len(usccs)
    for uscc in usccs:
        validate_uscc(uscc)


def test_important_bulk_customers_have_two_contacts(loaded):
    for c in Customer.objects.filter(is_important=True)[:10]:
        assert c.contacts.count() >= 2


def test_bulk_pinyin_keys_match_the_name(loaded):
    for c in Customer.objects.all()[:50]:
        assert (c.name_pinyin, c.name_initials) == customer_search_keys(c.name, c.short_name)


def test_bulk_customers_are_found_by_initials_and_name(loaded):
    c = Customer.objects.order_by("code")[7]
    assert Customer.objects.filter(search_filter(c.name_initials.split()[0])).filter(pk=c.pk).exists()
    assert Customer.objects.filter(search_filter(c.short_name[:2])).filter(pk=c.pk).exists()
    assert Customer.objects.filter(search_filter(c.name[2:6])).filter(pk=c.pk).exists()


def test_a_second_load_continues_the_codes(loaded):
    demo_bulk_load(customers=20, managers=5, drop_indexes=False)
    assert Customer.objects.count() == 320
    assert Customer.objects.order_by("-code").first().code == "KH00000320"


def test_the_vocabulary_holds_millions_of_distinct_names():
    voc = Vocabulary()
    stride = voc.stride()
    assert voc.size >= 3_000_000
    assert len({voc.decode(n, stride) for n in range(50_000)}) == 50_000


def test_the_command_tops_up_to_the_requested_count(capsys):
    call_command("kehu_demo_bulk", "--customers", "40", "--managers", "2")
    call_command("kehu_demo_bulk", "--customers", "40", "--managers", "2")
    assert Customer.objects.count() == 40
    assert "无需加载" in capsys.readouterr().out
