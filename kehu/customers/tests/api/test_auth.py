"""Token and session authentication on the archive API."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def test_token_from_username_and_password_opens_the_api(am_user, customer):
    client = APIClient()
    resp = client.post("/api/auth/token/", {"username": "am1", "password": "pw-12345678"}, format="json")
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert resp.json()["user"]["username"] == "am1"

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = client.get("/api/customers/")
    assert listing.status_code == 200
    assert [row["code"] for row in listing.json()["results"]] == [customer.code]


def test_wrong_password_gets_no_token_and_a_chinese_message(am_user):
    resp = APIClient().post("/api/auth/token/", {"username": "am1", "password": "nope"}, format="json")
    assert resp.status_code == 400
    assert resp.json()["non_field_errors"] == ["用户名或密码不正确。"]


def test_inactive_user_gets_no_token(am_user):
    am_user.is_active = False
    am_user.save(update_fields=["is_active"])
    resp = APIClient().post("/api/auth/token/", {"username": "am1", "password": "pw-12345678"}, format="json")
    assert resp.status_code == 400


def test_revoked_token_no_longer_works(am_user):
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": "am1", "password": "pw-12345678"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete("/api/auth/token/").status_code == 204
    assert client.get("/api/customers/").status_code in (401, 403)


def test_session_login_opens_the_api(am_user, customer):
    client = APIClient()
    assert client.login(username="am1", password="pw-12345678")
    resp = client.get(f"/api/customers/{customer.pk}/")
    assert resp.status_code == 200 and resp.json()["name"] == customer.name


def test_session_writes_need_the_csrf_token(am_user, customer):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="am1", password="pw-12345678")
    resp = client.patch(f"/api/customers/{customer.pk}/", {"version": customer.version, "notes": "x"}, format="json")
    assert resp.status_code == 403


def test_anonymous_gets_nothing(customer):
    resp = APIClient().get("/api/customers/")
    assert resp.status_code in (401, 403)
    assert "results" not in resp.json()


def test_repeated_wrong_passwords_lock_the_token_login(settings, am_user):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    for _ in range(2):
        client.post("/api/auth/token/", {"username": "am1", "password": "wrong"}, format="json")
    resp = client.post("/api/auth/token/", {"username": "am1", "password": "pw-12345678"}, format="json")
    assert resp.status_code == 429  # django-axes answers a locked-out login with 429
    assert b"token" not in resp.content
    assert not Token.objects.filter(user=am_user).exists()
