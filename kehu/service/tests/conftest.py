from datetime import datetime

import pytest

from kehu.service.pack import service_rules
from kehu.workdays.calendar import SHANGHAI, cache_clear


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache_clear()
    service_rules.cache_clear()
    yield
    cache_clear()
    service_rules.cache_clear()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def customer(customer_factory, am_user):
    return customer_factory(owner=am_user, name="西安秦岭建材有限公司")


@pytest.fixture
def qc_user(make_user, org):
    return make_user("qc", "company", username="qc1", display_name="质检部孙工")


@pytest.fixture
def gm_user(make_user):
    return make_user("general_manager", "company", username="gm", display_name="总经理")
