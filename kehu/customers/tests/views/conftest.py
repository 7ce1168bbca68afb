import pytest

from kehu.customers.tests.factories import ContactFactory


@pytest.fixture
def customer(customer_factory, am_user):
    return customer_factory(name="中国石化销售股份有限公司山东单县加油站", short_name="单县站", owner=am_user)


@pytest.fixture
def other_customer(customer_factory, am_user2):
    return customer_factory(name="青岛华泰化工有限公司", short_name="华泰化工", owner=am_user2)


@pytest.fixture
def contact(customer):
    return ContactFactory(customer=customer, name="张伟", mobile="13912345678", id_number="370102198001011234")


@pytest.fixture
def staff_user(make_user, am_user):
    """A 业务人员: may read own customers, may not see personal data, may not export."""
    return make_user("staff", "team1", username="yewu", display_name="冯员")


@pytest.fixture
def am_client(client, am_user):
    client.force_login(am_user)
    return client
