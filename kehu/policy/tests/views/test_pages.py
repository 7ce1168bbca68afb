from __future__ import annotations

from datetime import date

from django.urls import reverse

from kehu.policy.models import GradeAssignment
from kehu.policy.services import regrade

MAY = date(2024, 5, 10)


def test_pack_browser_lists_every_pack(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("policy:pack_list")).content.decode()
    for title in ("石油销售公司化工品客户管理办法", "零售客户管理办法"):
        assert title in page


def test_pack_page_shows_thresholds_and_articles(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("policy:pack_detail", args=["hb-chemicals"])).content.decode()
    assert "大于等于1000吨而小于2000吨" in page and "第九条" in page and "款到发货" in page


def test_a_broken_pack_is_shown_with_file_and_line(client, admin_user, settings, tmp_path):
    (tmp_path / "broken.yaml").write_text("pack: broken\nschema_version: 1\nschemes: 3\n", encoding="utf-8")
    settings.KEHU_POLICY_DIR = tmp_path
    client.force_login(admin_user)
    page = client.get(reverse("policy:pack_list")).content.decode()
    assert "broken.yaml:" in page and "校验失败" in page


def test_movers_page_is_in_the_navigation(client, am_user):
    client.force_login(am_user)
    response = client.get(reverse("home"))
    assert reverse("policy:movers") in response.content.decode()


def test_grade_tab_fragment_explains_the_grade(client, am_user, make_customers, pickup, seed_grade):
    (c,) = make_customers(1, owner=am_user)
    seed_grade(c, "一星")
    pickup(c, "1200", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    client.force_login(am_user)
    page = client.get(reverse("policy:customer_grades", args=[c.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "一星客户" in page and "第九条" in page and "800 吨" in page


def test_grade_tab_of_a_customer_out_of_scope_is_404(client, am_user2, make_customers):
    (c,) = make_customers(1)
    client.force_login(am_user2)
    assert client.get(reverse("policy:customer_grades", args=[c.pk])).status_code == 404


def test_regrade_form_runs_and_shows_the_result(client, admin_user, make_customers, pickup, seed_grade):
    (c,) = make_customers(1)
    seed_grade(c, "一星")
    pickup(c, "2100", MAY)
    client.force_login(admin_user)
    page = client.post(reverse("policy:regrade"), {"pack": "hb-chemicals", "period": "2024-05"}).content.decode()
    assert "重新分级完成" in page
    assert GradeAssignment.objects.get(customer=c, period="2024-05").grade == "二星"


def test_regrade_form_offers_the_last_complete_month(client, admin_user):
    from django.utils import timezone

    from kehu.policy.periods import previous_month

    client.force_login(admin_user)
    page = client.get(reverse("policy:regrade")).content.decode()
    assert f'value="{previous_month(timezone.localdate()).key}"' in page


def test_regrade_form_refuses_a_future_period(client, admin_user):
    client.force_login(admin_user)
    page = client.post(reverse("policy:regrade"), {"pack": "hb-chemicals", "period": "2999-01"}).content.decode()
    assert "尚未开始" in page


def test_regrade_page_needs_permission(client, am_user):
    client.force_login(am_user)
    assert client.get(reverse("policy:regrade")).status_code == 403


def test_admin_values_form_refuses_out_of_range(client, admin_user):
    client.force_login(admin_user)
    url = reverse("policy:admin_values", args=["guangdong-post"])
    page = client.post(url, {"guangdong-post.coefficient.group2": "0.7"}).content.decode()
    assert "超出条文允许的范围" in page


def test_movers_page_lists_a_customer_that_moved(client, am_user, make_customers, pickup, seed_grade):
    (c,) = make_customers(1, owner=am_user)
    seed_grade(c, "一星")
    pickup(c, "2100", MAY)
    regrade(pack_name="hb-chemicals", period="2024-05")
    client.force_login(am_user)
    page = client.get(reverse("policy:movers"), {"direction": "up"}).content.decode()
    assert c.name in page and "二星客户" in page
