"""The three new packs show on the policy pages, and the administrator sets the loan-conversion fee there."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["commissioned-housing", "railway-big-client", "power-big-client"])
def test_pack_pages_render_packs_without_schemes(client, admin_user, name):
    client.force_login(admin_user)
    assert client.get("/policy/packs/").status_code == 200
    page = client.get(f"/policy/packs/{name}/")
    assert page.status_code == 200
    text = page.content.decode()
    if name == "commissioned-housing":
        assert "付款比例下限" in text and "七、(一)5" in text and "housing.loan_conversion_fee" in text
    else:
        assert "须同时符合" in text or "办理事项" in text


def test_the_loan_fee_is_an_administrator_value_on_the_pack_page(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/policy/packs/commissioned-housing/values/").content.decode()
    assert "housing.loan_conversion_fee" in page
