import pytest
from rest_framework.test import APIClient

from kehu.customers.tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    """An API client logged in (session) as the given user: api(user)."""

    def _client(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def finance_user(make_user):
    """Sees every customer (scope: all) but not personal data, and may not edit."""
    return make_user("finance_reviewer", "finance", username="fin", display_name="孙会计")


@pytest.fixture
def viewer(make_user):
    """Reads the whole sales department (scope: subtree) but has no right to personal data or to edit."""
    from django.contrib.auth.models import Permission

    from kehu.org.models import DataScope, Role

    role = Role.objects.create(code="dept_viewer", name="部门查阅", data_scope=DataScope.SUBTREE)
    role.permissions.set([Permission.objects.get(content_type__app_label="customers", codename="view_customer")])
    user = make_user("staff", "sales", username="viewer", display_name="周查阅")
    user.roles.set([role])
    return user


@pytest.fixture
def customer(customer_factory, am_user):
    c = customer_factory(owner=am_user, name="中国石化销售股份有限公司济南分公司", short_name="济南石化")
    ContactFactory(customer=c, name="张伟", mobile="13912345678", id_number="370102198001011234")
    return c


@pytest.fixture
def other_customer(customer_factory, am_user2):
    return customer_factory(owner=am_user2, name="青岛海湾化学有限公司", short_name="海湾化学")
