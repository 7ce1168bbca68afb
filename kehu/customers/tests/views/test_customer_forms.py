import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.customers.models import Contact, Customer, Qualification
from kehu.customers.services import customer_update

VALID_USCC = "91350100M000100Y43"


def _field_errors(body: str, field: str) -> list[str]:
    return re.findall(rf'data-field-error="{field}">([^<]+)<', body)


def test_create_customer_and_land_on_its_archive(am_client, am_user):
    response = am_client.post(reverse("customers:create"), {"name": "济南恒通管业有限公司", "kind": "enterprise",
                                                            "uscc": VALID_USCC})
    customer = Customer.objects.get(name="济南恒通管业有限公司")
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == am_user


def test_bad_credit_code_is_explained_in_chinese_beside_the_field(am_client):
    response = am_client.post(reverse("customers:create"), {"name": "济南恒通管业有限公司", "kind": "enterprise",
                                                            "uscc": "91350100M000100Y44"})
    assert response.status_code == 200
    assert _field_errors(response.content.decode(), "uscc") == ["统一社会信用代码校验位不正确，请核对。"]
    assert not Customer.objects.filter(name="济南恒通管业有限公司").exists()


def test_duplicate_credit_code_is_refused_beside_the_field(am_client, customer):
    response = am_client.post(reverse("customers:create"), {"name": "另一家公司", "kind": "enterprise",
                                                            "uscc": customer.uscc})
    assert _field_errors(response.content.decode(), "uscc") == ["该统一社会信用代码已被其他客户使用。"]
    assert not Customer.objects.filter(name="另一家公司").exists()


def test_missing_name_is_required_in_chinese(am_client):
    body = am_client.post(reverse("customers:create"), {"kind": "enterprise"}).content.decode()
    assert _field_errors(body, "name") == ["该字段是必填项。"]


def test_errors_are_in_english_when_the_user_switches_language(am_client):
    am_client.cookies["django_language"] = "en"
    body = am_client.post(reverse("customers:create"), {"name": "X", "kind": "enterprise",
                                                        "uscc": "91350100M000100Y44"}).content.decode()
    expected = "The check digit of the unified social credit code is wrong; please check it."
    assert _field_errors(body, "uscc") == [expected]
    assert "Customer archive" in body


def test_service_messages_are_in_english_too(am_client, customer):
    am_client.cookies["django_language"] = "en"
    body = am_client.post(reverse("customers:create"), {"name": "X", "kind": "enterprise",
                                                        "uscc": customer.uscc}).content.decode()
    assert _field_errors(body, "uscc") == ["This unified social credit code is already used by another customer."]


def _edit_data(customer, **changes):
    data = {"name": customer.name, "short_name": customer.short_name, "kind": customer.kind,
            "uscc": customer.uscc or "", "address": customer.address, "notes": customer.notes,
            "version": customer.version, "classifications": ""}
    data.update(changes)
    return data


def test_edit_records_the_reason_in_history(am_client, customer):
    response = am_client.post(reverse("customers:edit", args=[customer.pk]),
                              _edit_data(customer, address="经十路1号", reason="客户搬迁"))
    assert response.status_code == 302
    record = Customer.history.filter(id=customer.pk).latest("history_date")
    assert record.address == "经十路1号" and record.history_change_reason == "客户搬迁"


def test_concurrent_edit_shows_both_versions_and_saves_nothing(am_client, am_user, manager_user, customer):
    stale = _edit_data(customer, address="我的地址")
    customer_update(actor=manager_user, customer=customer, expected_version=customer.version, address="他人的地址")
    response = am_client.post(reverse("customers:edit", args=[customer.pk]), stale)
    body = response.content.decode()
    assert response.status_code == 409
    assert "保存冲突" in body and "他人的地址" in body and "我的地址" in body
    assert Customer.objects.get(pk=customer.pk).address == "他人的地址"


def test_conflict_page_lets_the_user_reapply_their_version(am_client, manager_user, customer):
    stale = _edit_data(customer, address="我的地址")
    customer_update(actor=manager_user, customer=customer, expected_version=customer.version, address="他人的地址")
    body = am_client.post(reverse("customers:edit", args=[customer.pk]), stale).content.decode()
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    response = am_client.post(reverse("customers:edit", args=[customer.pk]), {**stale, "version": version})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).address == "我的地址"


def test_edit_form_of_customer_outside_scope_is_not_found(am_client, other_customer):
    assert am_client.get(reverse("customers:edit", args=[other_customer.pk])).status_code == 404
    assert am_client.post(reverse("customers:edit", args=[other_customer.pk]),
                          _edit_data(other_customer, address="x")).status_code == 404


def test_add_contact_with_bad_mobile_explains_the_field(am_client, customer):
    body = am_client.post(reverse("customers:contact_add", args=[customer.pk]),
                          {"name": "李娜", "mobile": "12345"}).content.decode()
    assert _field_errors(body, "mobile") == ["手机号码格式不正确：应为以1开头的11位数字。"]
    assert not Contact.objects.filter(name="李娜").exists()


def test_edit_contact_and_see_it_on_the_contacts_tab(am_client, customer, contact):
    response = am_client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                              {"name": "张伟", "title": "总经理", "mobile": "13912345678", "reason": "升职"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=contacts")
    contact.refresh_from_db()
    assert contact.title == "总经理"


def test_contact_form_never_shows_hidden_personal_data(client, staff_user, customer_factory, roles):
    from django.contrib.auth.models import Permission

    from kehu.customers.tests.factories import ContactFactory

    roles["staff"].permissions.add(Permission.objects.get(codename="change_customer"))
    mine = customer_factory(name="业务员的客户", owner=staff_user)
    contact = ContactFactory(customer=mine, mobile="13912345678")
    client.force_login(staff_user)
    url = reverse("customers:contact_edit", args=[mine.pk, contact.pk])
    assert "13912345678" not in client.get(url).content.decode()
    client.post(url, {"name": "张伟", "title": "厂长", "mobile": ""})
    contact.refresh_from_db()
    assert contact.title == "厂长" and contact.mobile == "13912345678"


def test_delete_last_contacts_of_important_customer_is_refused(am_client, am_user, customer, contact):
    from kehu.customers.services import contact_save

    second = contact_save(actor=am_user, customer=customer, name="李娜")
    customer_update(actor=am_user, customer=customer, expected_version=Customer.objects.get(pk=customer.pk).version,
                    is_important=True)
    response = am_client.post(reverse("customers:contact_delete", args=[customer.pk, second.pk]), follow=True)
    assert "重要客户须至少保留两名联系人" in response.content.decode()
    assert Contact.objects.filter(pk=second.pk).exists()


def test_qualification_upload_refuses_a_file_that_is_not_a_document(am_client, customer):
    response = am_client.post(reverse("customers:qualification_add", args=[customer.pk]), {
        "licence_type": "business_licence", "number": "L-1", "expires_on": "2030-01-01",
        "file": SimpleUploadedFile("virus.exe", b"MZ\x90\x00"),
    })
    errors = _field_errors(response.content.decode(), "file")
    assert errors and "不支持的文件类型" in errors[0]
    assert not Qualification.objects.exists()


def test_qualification_with_scan_and_verification(am_client, am_user, customer):
    response = am_client.post(reverse("customers:qualification_add", args=[customer.pk]), {
        "licence_type": "business_licence", "number": "L-1", "issued_on": "2020-01-01", "expires_on": "2030-01-01",
        "file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4 scan"), "verified": "on",
    })
    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert qualification.verified_by == am_user and qualification.file
    file_url = reverse("customers:qualification_file", args=[customer.pk, qualification.pk])
    assert b"".join(am_client.get(file_url).streaming_content) == b"%PDF-1.4 scan"


def test_expiry_before_issue_is_refused_beside_the_field(am_client, customer):
    body = am_client.post(reverse("customers:qualification_add", args=[customer.pk]), {
        "licence_type": "business_licence", "number": "L-1", "issued_on": "2020-01-01", "expires_on": "2019-01-01",
    }).content.decode()
    assert _field_errors(body, "expires_on") == ["有效期至不能早于发证日期。"]


def test_invoicing_with_bad_bank_account_is_refused(am_client, customer):
    body = am_client.post(reverse("customers:invoicing_edit", args=[customer.pk]), {
        "bank_name": "中国工商银行", "bank_account": "abc", "address": "济南", "phone": "0531-88886666",
        "tax_number": "91370100MA3C123456",
    }).content.decode()
    assert _field_errors(body, "bank_account") == ["银行账号应为8至30位数字。"]


def test_attachment_without_title_is_refused_beside_the_field(am_client, customer):
    body = am_client.post(reverse("customers:attachment_add", args=[customer.pk]), {
        "title": "", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
    }).content.decode()
    assert _field_errors(body, "title") == ["请填写附件标题。"]


def test_field_refused_by_the_service_is_marked_invalid(am_client, customer):
    body = am_client.post(reverse("customers:create"), {"name": "另一家公司", "kind": "enterprise",
                                                        "uscc": customer.uscc}).content.decode()
    tag = re.search(r'<input[^>]*name="uscc"[^>]*>', body).group(0)
    assert "is-invalid" in tag
