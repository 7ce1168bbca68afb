"""The 开户审批表 exports to XLSX with the same content as the PDF: every signature step with its name, signer,
decision, comment and time."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.workflow.admission_form import admission_form_content
from kehu.workflow.models import StepStatus
from kehu.workflow.services import admission_apply, approval_step_decide
from kehu.workflow.tests.conftest import DIRECT_CONDITIONS


@pytest.fixture
def approved(am_user, prospect, sales_reviewer, finance_reviewer, general_manager):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS,
                          expected_products="聚乙烯", expected_monthly_quantity="120.5")
    for actor, comment in ((sales_reviewer, "资质齐全"), (finance_reviewer, "开票资料无误"),
                           (general_manager, "同意开户")):
        step = app.approval.steps.get(status=StepStatus.PENDING)
        approval_step_decide(actor=actor, step=step, decision="approve", comment=comment)
    app.refresh_from_db()
    return app


def _sheet(client, app):
    resp = client.get(reverse("workflow:admission_xlsx", args=[app.pk]))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(BytesIO(resp.content))["客户开户审批表"]


def _rows(ws):
    return [tuple(c for c in row if c is not None) for row in ws.iter_rows(values_only=True)]


def test_the_xlsx_has_every_signature_step_with_signer_decision_comment_and_time(client, approved, am_user):
    client.force_login(am_user)
    rows = _rows(_sheet(client, approved))
    header = rows.index(("审批环节", "审批人（签字）", "意见", "批注", "时间"))
    signed = rows[header + 1: header + 4]
    times = [timezone.localtime(s.decided_at).strftime("%Y-%m-%d %H:%M")
             for s in approved.approval.steps.order_by("order")]
    assert signed == [
        ("审核资质材料", "钱审核", "同意", "资质齐全", times[0]),
        ("审核税务登记证、开票资料", "孙会计", "同意", "开票资料无误", times[1]),
        ("审批", "赵总", "同意", "同意开户", times[2]),
    ]


def test_the_xlsx_carries_the_application_and_the_materials_check(client, approved, am_user):
    client.force_login(am_user)
    ws = _sheet(client, approved)
    rows = _rows(ws)
    assert ws["A1"].value == "客户开户审批表"
    assert "审批状态：已批准" in ws["A2"].value
    assert ("客户全称", "济南恒通化工有限公司", "客户编码", approved.customer.code) in rows
    assert ("预计月需求量", "120.5 吨", "申请日期", str(timezone.localtime(approved.created_at).date())) in rows
    assert any(r[:2] == ("企业营业执照", "齐备") for r in rows)


def test_the_xlsx_and_the_pdf_are_built_from_the_same_content(client, approved, am_user):
    """Both renderers read admission_form_content; the XLSX holds every value of it."""
    client.force_login(am_user)
    cells = {str(v) for row in _sheet(client, approved).iter_rows(values_only=True) for v in row if v is not None}
    form = admission_form_content(approved)
    expected = {v for row in form.info for v in row if v} | {v for row in form.materials for v in row}
    expected |= {v for r in form.signatures for v in (r.step, r.signer, r.decision, r.comment, r.time)}
    assert expected <= cells
    pdf = client.get(reverse("workflow:admission_pdf", args=[approved.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_pending_step_shows_as_waiting_in_the_xlsx(client, am_user, prospect, reviewers):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    client.force_login(am_user)
    rows = _rows(_sheet(client, app))
    assert [r for r in rows if r and r[0] == "审核资质材料"] == [("审核资质材料", "—", "待审批", "—")]


def test_someone_outside_the_scope_cannot_download_it(client, approved, am_user2):
    client.force_login(am_user2)
    assert client.get(reverse("workflow:admission_xlsx", args=[approved.pk])).status_code == 404


def test_a_comment_that_looks_like_a_formula_stays_text(client, am_user, prospect, sales_reviewer, finance_reviewer):
    app = admission_apply(actor=am_user, customer=prospect, customer_type="direct", conditions=DIRECT_CONDITIONS)
    step = app.approval.steps.get(status=StepStatus.PENDING)
    approval_step_decide(actor=sales_reviewer, step=step, decision="approve", comment="=HYPERLINK(\"http://x\")")
    client.force_login(am_user)
    ws = _sheet(client, app)
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=HYPERLINK(\"http://x\")")
    assert cell.data_type == "s"
