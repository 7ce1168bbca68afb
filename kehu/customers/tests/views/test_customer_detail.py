from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kehu.customers.models import CustomerRead
from kehu.customers.services import attachment_add
from kehu.customers.tests.factories import ContactFactory, QualificationFactory

PDF = b"%PDF-1.4 test document"


def test_customer_outside_scope_is_not_found(am_client, other_customer):
    assert am_client.get(reverse("customers:detail", args=[other_customer.pk])).status_code == 404


def test_every_page_view_logs_a_read(am_client, am_user, customer):
    am_client.get(reverse("customers:detail", args=[customer.pk]))
    am_client.get(reverse("customers:detail", args=[customer.pk]))
    assert CustomerRead.objects.filter(customer=customer, user=am_user, channel="page").count() == 2


def test_out_of_scope_visit_logs_no_read(am_client, other_customer):
    am_client.get(reverse("customers:detail", args=[other_customer.pk]))
    assert not CustomerRead.objects.exists()


def test_archive_page_shows_every_tab(am_client, customer, contact):
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    for label in ("基本信息", "联系人", "资质", "开票资料", "附件", "变更记录"):
        assert label in body
    assert "张伟" in body


def test_phones_and_id_numbers_masked_without_personal_data_permission(client, staff_user, customer_factory):
    mine = customer_factory(name="业务员的客户", owner=staff_user)
    ContactFactory(customer=mine, mobile="13912345678", id_number="370102198001011234")
    client.force_login(staff_user)
    body = client.get(reverse("customers:detail", args=[mine.pk])).content.decode()
    assert "13912345678" not in body and "139****5678" in body
    assert "370102198001011234" not in body


def test_phones_shown_with_personal_data_permission(am_client, customer, contact):
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "13912345678" in body


def test_read_log_tab_only_with_permission(client, am_client, manager_user, customer, am_user):
    assert "查阅记录" not in am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    client.force_login(manager_user)
    body = client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=reads").content.decode()
    assert "查阅记录" in body and str(am_user) in body


def test_qualification_expiry_badges(am_client, customer):
    today = timezone.localdate()
    QualificationFactory(customer=customer, expires_on=today - timedelta(days=3))
    QualificationFactory(customer=customer, expires_on=today + timedelta(days=30), licence_type="tax_registration")
    QualificationFactory(customer=customer, expires_on=today + timedelta(days=31), licence_type="org_code")
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-expiry="expired"><span class="badge text-bg-danger">已过期 3 天' in body
    assert 'data-expiry="expiring"><span class="badge text-bg-warning">30 天后到期' in body
    assert 'data-expiry="valid"' in body


def test_attachment_downloads_through_the_scoped_view(am_client, am_user, customer):
    attachment = attachment_add(actor=am_user, customer=customer, title="合同",
                                file=SimpleUploadedFile("contract.pdf", PDF))
    response = am_client.get(reverse("customers:attachment_download", args=[customer.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_attachment_of_customer_outside_scope_is_not_found(client, am_user, am_user2, customer):
    attachment = attachment_add(actor=am_user, customer=customer, title="合同",
                                file=SimpleUploadedFile("contract.pdf", PDF))
    client.force_login(am_user2)
    url = reverse("customers:attachment_download", args=[customer.pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_attachment_cannot_be_fetched_through_another_customers_url(am_client, am_user, customer, customer_factory,
                                                                    other_customer, am_user2):
    attachment = attachment_add(actor=am_user2, customer=other_customer, title="他人合同",
                                file=SimpleUploadedFile("contract.pdf", PDF))
    url = reverse("customers:attachment_download", args=[customer.pk, attachment.pk])
    assert am_client.get(url).status_code == 404


def test_history_tab_shows_who_what_old_and_new(am_client, am_user, customer):
    from kehu.customers.services import contact_save

    contact = contact_save(actor=am_user, customer=customer, name="张伟", title="采购员")
    contact_save(actor=am_user, customer=customer, contact=contact, name="张伟", title="采购经理", reason="升职")
    body = am_client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=history").content.decode()
    assert "联系人 张伟" in body and "采购员" in body and "采购经理" in body and "升职" in body
    assert str(am_user) in body


def test_history_names_people_and_units_instead_of_ids(client, manager_user, am_user, am_user2, customer, org):
    from kehu.customers.services import customer_handover

    customer_handover(actor=manager_user, from_user=am_user, to_user=am_user2, reason="调岗")
    client.force_login(manager_user)
    body = client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=history").content.decode()
    assert f'<span class="kehu-diff-old px-1">{am_user}</span> → <span class="kehu-diff-new px-1">{am_user2}</span>' \
        in body


def test_history_reads_in_english_after_switching_language(am_client, am_user, customer):
    from kehu.customers.services import contact_save

    contact_save(actor=am_user, customer=customer, name="张伟", is_decision_maker=True)
    am_client.cookies["django_language"] = "en"
    body = am_client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=history").content.decode()
    assert "Contact 张伟" in body and ">Created<" in body and ">Yes<" in body


def test_volume_tab_loads_the_sales_fragment(am_client, customer):
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert f'hx-get="/sales/customers/{customer.pk}/monthly/"' in body


def test_grades_tab_loads_the_explanation_and_opens_directly(am_client, customer):
    body = am_client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=grades").content.decode()
    assert f'hx-get="/policy/customers/{customer.pk}/grades/" hx-trigger="load"' in body


def test_archive_page_shows_approvals_and_lifecycle(am_client, customer):
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "审批与资格" in body


def test_classifications_are_shown_by_the_packs_dimension_names(am_client, customer):
    customer.classifications = {"sales_form": "计划", "legacy_tag": "老客户"}
    customer.save()
    body = am_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "按销售形式分类（聚烯烃）：计划" in body  # hb-chemicals 第九条, the default pack
    assert "legacy_tag：老客户" in body  # a value no pack knows keeps its code
    listing = am_client.get(reverse("customers:list")).content.decode()
    assert "按销售形式分类（聚烯烃）=计划" in listing
