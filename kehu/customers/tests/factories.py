from __future__ import annotations

import random

import factory

from kehu.core.demo import make_uscc
from kehu.customers.models import Contact, Customer, CustomerStatus, InvoicingProfile, Qualification
from kehu.customers.pinyin import customer_search_keys

_rng = random.Random(7)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"KH{n + 1:08d}")
    name = factory.Sequence(lambda n: f"济南鲁兴{n}塑料制品有限公司")
    short_name = "鲁兴塑料"
    uscc = factory.LazyFunction(lambda: make_uscc(_rng))
    status = CustomerStatus.ACTIVE
    unit = factory.LazyAttribute(lambda o: o.owner.unit if o.owner else None)

    @factory.post_generation
    def search_keys(obj, create, extracted, **kwargs):
        obj.name_pinyin, obj.name_initials = customer_search_keys(obj.name, obj.short_name)
        if create:
            Customer.objects.filter(pk=obj.pk).update(name_pinyin=obj.name_pinyin, name_initials=obj.name_initials)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = "张伟"
    title = "采购经理"
    mobile = factory.Sequence(lambda n: f"139{n:08d}")


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    licence_type = "business_licence"
    number = factory.Sequence(lambda n: f"LIC{n:06d}")


class InvoicingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoicingProfile

    bank_name = "中国工商银行济南历下支行"
    bank_account = "1602020309200123456"
    address = "济南市历下区经十路1号"
    phone = "0531-88886666"
    tax_number = "91370100MA3C123456"
