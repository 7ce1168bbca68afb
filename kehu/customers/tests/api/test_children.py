"""Contacts, qualifications, invoicing and attachments through the API."""

from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers.models import Attachment, Contact, CustomerRead, InvoicingProfile, Qualification

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="营业执照.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# ------------------------------------------------------------------ contacts


def test_contact_is_added_and_listed(api, am_user, customer):
    client = api(am_user)
    resp = client.post(f"/api/customers/{customer.pk}/contacts/",
                       {"name": "李娜", "title": "财务经理", "mobile": "+86 138 0013 8000"}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["mobile"] == "13800138000"
    names = [c["name"] for c in client.get(f"/api/customers/{customer.pk}/contacts/").json()]
    assert "李娜" in names


def test_malformed_mobile_is_refused_naming_the_field(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/contacts/",
                             {"name": "李娜", "mobile": "1380013"}, format="json")
    assert resp.status_code == 400
    assert resp.json()["mobile"] == ["手机号码格式不正确：应为以1开头的11位数字。"]
    assert not Contact.objects.filter(name="李娜").exists()


def test_contact_edit_bumps_the_archive_version_and_shows_in_history(api, am_user, customer):
    client = api(am_user)
    contact = customer.contacts.get()
    version = client.get(f"/api/customers/{customer.pk}/").json()["version"]
    resp = client.patch(f"/api/customers/{customer.pk}/contacts/{contact.pk}/",
                        {"mobile": "13987654321", "reason": "客户换号"}, format="json")
    assert resp.status_code == 200 and resp.json()["name"] == "张伟"
    assert client.get(f"/api/customers/{customer.pk}/").json()["version"] == version + 1

    entry = client.get(f"/api/customers/{customer.pk}/history/").json()[0]
    assert entry["what"] == "联系人 张伟" and entry["action"] == "修改" and entry["reason"] == "客户换号"
    assert entry["changes"] == [{"field": "mobile", "label": "手机", "old": "13912345678", "new": "13987654321"}]
    assert entry["actor"] == str(am_user)


def test_history_masks_contact_phones_without_the_personal_data_permission(api, am_user, viewer, customer):
    contact = customer.contacts.get()
    api(am_user).patch(f"/api/customers/{customer.pk}/contacts/{contact.pk}/", {"mobile": "13987654321"},
                       format="json")
    entry = api(viewer).get(f"/api/customers/{customer.pk}/history/").json()[0]
    assert entry["changes"][0]["old"] == "139****5678" and entry["changes"][0]["new"] == "139****4321"


def test_contact_list_masks_without_the_personal_data_permission(api, viewer, customer):
    contact = api(viewer).get(f"/api/customers/{customer.pk}/contacts/").json()[0]
    assert contact["mobile"] == "139****5678"


def test_contact_of_another_customer_is_404(api, manager_user, customer, other_customer):
    contact = customer.contacts.get()
    resp = api(manager_user).get(f"/api/customers/{other_customer.pk}/contacts/{contact.pk}/")
    assert resp.status_code == 404


def test_contacts_outside_scope_are_404(api, am_user2, customer):
    assert api(am_user2).get(f"/api/customers/{customer.pk}/contacts/").status_code == 404


def test_contact_is_deleted_with_a_reason(api, am_user, customer):
    contact = customer.contacts.get()
    resp = api(am_user).delete(f"/api/customers/{customer.pk}/contacts/{contact.pk}/?reason=已离职")
    assert resp.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.history.filter(id=contact.pk, history_type="-").get().history_change_reason == "已离职"


# ------------------------------------------------------------------ invoicing


def test_invoicing_profile_is_saved_and_read_back(api, am_user, customer):
    client = api(am_user)
    assert client.get(f"/api/customers/{customer.pk}/invoicing/").status_code == 404
    resp = client.put(f"/api/customers/{customer.pk}/invoicing/", {
        "bank_name": "中国工商银行济南历下支行", "bank_account": "1602 0203 0920 0123 456",
        "address": "济南市历下区经十路1号", "phone": "0531-88886666", "tax_number": "91370100MA3C123456",
    }, format="json")
    assert resp.status_code == 200, resp.json()
    assert client.get(f"/api/customers/{customer.pk}/invoicing/").json()["bank_account"] == "1602020309200123456"


def test_bad_bank_account_is_refused_naming_the_field(api, am_user, customer):
    resp = api(am_user).put(f"/api/customers/{customer.pk}/invoicing/", {
        "bank_name": "中国工商银行", "bank_account": "62220x", "address": "济南", "phone": "0531-88886666",
        "tax_number": "91370100MA3C123456",
    }, format="json")
    assert resp.status_code == 400
    assert resp.json()["bank_account"] == ["银行账号应为8至30位数字。"]
    assert not InvoicingProfile.objects.exists()


# ------------------------------------------------------------------ qualifications


def test_qualification_with_scan_is_uploaded_and_downloaded(api, am_user, customer):
    client = api(am_user)
    resp = client.post(f"/api/customers/{customer.pk}/qualifications/", {
        "licence_type": "business_licence", "number": "LIC-001", "issued_on": "2020-01-01",
        "expires_on": "2030-01-01", "file": pdf(), "verified": "true",
    }, format="multipart")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["has_file"] and body["verified_by"]["id"] == am_user.pk
    download = client.get(body["file_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_qualification_expiring_before_issue_is_a_field_error(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/qualifications/", {
        "licence_type": "business_licence", "number": "LIC-001", "issued_on": "2020-01-01",
        "expires_on": "2019-01-01",
    }, format="json")
    assert resp.status_code == 400 and "expires_on" in resp.json()
    assert not Qualification.objects.exists()


def test_qualification_scan_that_is_not_a_document_is_refused(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/qualifications/", {
        "licence_type": "business_licence", "number": "LIC-001",
        "file": SimpleUploadedFile("licence.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
    }, format="multipart")
    assert resp.status_code == 400 and "不支持的文件类型" in resp.json()["file"][0]
    assert not Qualification.objects.exists()


# ------------------------------------------------------------------ attachments


def test_attachment_upload_and_authenticated_download(api, am_user, customer):
    client = api(am_user)
    resp = client.post(f"/api/customers/{customer.pk}/attachments/", {"title": "合同", "file": pdf("合同.pdf")},
                       format="multipart")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["size"] == len(PDF) and body["uploaded_by"]["id"] == am_user.pk
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert CustomerRead.objects.filter(customer=customer, channel="api").count() == 1


def test_attachment_download_outside_scope_is_404(api, am_user, am_user2, customer):
    url = api(am_user).post(f"/api/customers/{customer.pk}/attachments/", {"title": "合同", "file": pdf()},
                            format="multipart").json()["download_url"]
    assert api(am_user2).get(url).status_code == 404
    assert api().get(url).status_code in (401, 403)


def test_text_file_posing_as_a_document_is_refused(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/attachments/", {
        "title": "合同", "file": SimpleUploadedFile("合同.pdf", b"just text", content_type="application/pdf"),
    }, format="multipart")
    assert resp.status_code == 400
    assert resp.json()["file"] == ["文件内容与扩展名“.pdf”不符，不是有效的文档。"]
    assert not Attachment.objects.exists()


def test_script_upload_is_refused(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/attachments/", {
        "title": "脚本", "file": SimpleUploadedFile("run.sh", b"#!/bin/sh\n", content_type="text/x-sh"),
    }, format="multipart")
    assert resp.status_code == 400 and "不支持的文件类型" in resp.json()["file"][0]


def test_attachment_without_title_is_a_field_error(api, am_user, customer):
    resp = api(am_user).post(f"/api/customers/{customer.pk}/attachments/", {"title": "", "file": pdf()},
                             format="multipart")
    assert resp.status_code == 400 and "title" in resp.json()


def test_attachment_is_deleted(api, am_user, customer):
    client = api(am_user)
    att = client.post(f"/api/customers/{customer.pk}/attachments/", {"title": "合同", "file": pdf()},
                      format="multipart").json()
    assert client.delete(f"/api/customers/{customer.pk}/attachments/{att['id']}/").status_code == 204
    assert client.get(att["download_url"]).status_code == 404
