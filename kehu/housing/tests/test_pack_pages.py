"""The three new packs show on the policy pages, and the administrator sets the loan-conversion fee there."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["commissioned-housing", "railway-big-client", "power-big-client"])
def test_pack_pages_render_packs_without_schemes(client, admin_user, name):
    client.force_login(admin_user)
    assert client.get("/policy/packs/").status_code == 200
    assert client.get(f"/policy/packs/{name}/").status_code == 200


def test_the_loan_fee_is_an_administrator_value_on_the_pack_page(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/policy/packs/commissioned-housing/values/").content.decode()
    assert "housing.loan_conversion_fee" in page
