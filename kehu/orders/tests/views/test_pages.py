"""Every orders page renders for the roles that use it, shows the article behind each term, and a bad form shows
what is wrong and saves nothing."""



import pytest

from kehu.orders.models import Order
from kehu.orders.tests.conftest import give_limit

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_order_entry_shows_prices_terms_and_articles_then_saves_a_draft(client, graded, users, catalogue):
    login(client, users["am"])
    data = {"customer_code": graded["A"].code, "order_date": "2026-12-06", "product_1": catalogue["pe"].pk,
            "quantity_1": "10", "action": "quote"}
    page = client.post("/orders/new/", data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "交货日3个月内付款" in text and "abcd-scoring 一、4" in text and "2026-12-26" in text
    assert Order.objects.count() == 0
    saved = client.post("/orders/new/", {**data, "action": "save"})
    order = Order.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/orders/{order.pk}/"
    detail = client.get(saved["Location"]).content.decode()
    assert order.number in detail and "abcd-scoring 一、3" in detail


def test_a_zero_quantity_is_shown_beside_the_form_and_nothing_is_saved(client, graded, users, catalogue):
    login(client, users["am"])
    page = client.post("/orders/new/", {"customer_code": graded["A"].code, "product_1": catalogue["pe"].pk,
                                        "quantity_1": "0", "action": "save"})
    assert page.status_code == 200 and "数量必须大于 0" in page.content.decode()
    assert Order.objects.count() == 0


def test_pages_render_for_their_roles(client, graded, users, catalogue):
    give_limit(graded["A"], "1000", users)
    for user, urls in (
        (users["am"], ["/orders/", "/orders/new/", f"/orders/credit/{graded['A'].pk}/", "/orders/inquiries/",
                       "/orders/prices/"]),
        (users["planner"], ["/orders/queue/", "/orders/allocation/", "/orders/allocation/review/",
                            "/orders/queue/export.csv", "/orders/queue/export.xlsx"]),
        (users["finance"], ["/orders/credit/", f"/orders/credit/{graded['D'].pk}/", "/orders/prices/"]),
    ):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)


def test_an_account_manager_cannot_open_the_queue_or_another_managers_credit(client, graded, users, am_user2):
    login(client, users["am"])
    assert client.get("/orders/queue/").status_code == 403
    login(client, am_user2)
    assert client.get(f"/orders/credit/{graded['A'].pk}/").status_code == 404


def test_an_inquiry_gets_a_24_hour_deadline_and_an_overdue_one_shows_on_the_dashboard(client, graded, users):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from kehu.orders.models import Inquiry
    from kehu.orders.services.inquiries import inquiry_register

    received = timezone.make_aware(datetime(2026, 12, 4, 9, 30))
    inquiry = inquiry_register(actor=users["am"], customer_id=graded["A"].pk, subject="PE 价格询问",
                               received_at=received)
    assert inquiry.due_at == received + timedelta(hours=24)
    assert inquiry.deadline_article == "abcd-scoring 一、6"
    login(client, users["am"])
    home = client.get("/").content.decode()
    assert "询价及函电逾期未答复" in home and "PE 价格询问" in home
    client.post(f"/orders/inquiries/{inquiry.pk}/", {"answer": "已报价 8000 元/吨"})
    assert Inquiry.objects.get(pk=inquiry.pk).answered_on_time is False
    assert "PE 价格询问" not in client.get("/").content.decode()


def test_a_price_list_overlapping_another_for_the_same_product_is_refused(client, users, catalogue):
    login(client, users["finance"])
    page = client.post("/orders/prices/", {"name": "重叠", "valid_from": "2026-06-01", "items": "PE-LLDP,8100"})
    assert "期间不能重叠" in page.content.decode()
    ok = client.post("/orders/prices/", {"name": "2028年", "valid_from": "2028-01-01", "items": "PE-LLDP,8100"})
    assert ok.status_code == 302



def test_pages_speak_english_when_asked(client, graded, users):
    from django.conf import settings

    login(client, users["am"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/orders/").content.decode()
    assert "Orders and credit" in page and "New order" in page


def test_the_live_quote_shows_why_it_cannot_price(client, graded, users, catalogue):
    from kehu.sales.models import Product

    login(client, users["am"])
    page = client.post("/orders/new/", {"customer_code": graded["A"].code, "quantity_1": "5", "action": "quote",
                                        "product_1": Product.objects.get(code="CH-BZ").pk}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert 'id="quote-errors"' in text and "没有内控价格" in text


def test_department_head_approves_an_over_limit_order_from_the_approval_page(client, graded, users, catalogue):
    from kehu.orders.models import OrderStatus
    from kehu.orders.services.orders import order_create, order_submit
    from kehu.orders.tests.conftest import line
    from kehu.policy.models import AdminValue
    from kehu.workflow.models import ApprovalStep, StepStatus

    AdminValue.objects.create(pack_name="abcd-scoring", key="orders.review_skip_below_yuan", value=10**7)
    AdminValue.objects.create(pack_name="credit-abcd", key="credit.over_limit_gm_percent", value=100)
    give_limit(graded["A"], "50000", users)
    order = order_create(actor=users["am"], customer_id=graded["A"].pk, lines=[line(catalogue["pe"], "10")])
    order_submit(actor=users["am"], order_id=order.pk)
    step = ApprovalStep.objects.get(approval__object_id=order.pk, approval__kind="credit_over_limit",
                                    status=StepStatus.PENDING)
    login(client, users["manager"])
    assert order.number in client.get("/approvals/").content.decode()
    assert f'id="my-step-{step.pk}"' in client.get(f"/orders/{order.pk}/").content.decode()
    page = client.get(f"/approvals/{step.approval_id}/")
    assert page.status_code == 200 and "credit-abcd 第7条" in page.content.decode()
    done = client.post(f"/approvals/steps/{step.pk}/decide/", {"decision": "approve", "comment": ""})
    assert done.status_code == 302 and done["Location"] == f"/orders/{order.pk}/"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED
