"""The eligible-buyer list (十一、1; 九、(二)1): GB 11643 ID numbers, checks by 审计法务部 and 财务部, masking."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ForbiddenError
from kehu.housing import selectors as sel
from kehu.housing import services as hs
from kehu.housing.models import BuyerStatus, EligibleBuyer
from kehu.housing.tests.conftest import id_no
from kehu.housing.validators import id_check_char, validate_id_number


def test_a_published_sample_number_is_valid():
    validate_id_number("11010519491231002X")  # GB 11643's own example
    assert id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(("number", "why"), [
    ("11010519491231002", "18位"),
    ("11010519491231002Y", "数字或X"),
    ("99010519491231002X", "地址码"),
    ("110105194902300021", "出生日期"),
    ("110105194912310021", "校验位"),
    ("110105209912310028", "不合理"),
])
def test_malformed_numbers_are_refused_with_the_reason(number, why):
    with pytest.raises(ValidationError, match=why):
        validate_id_number(number, today=date(2026, 12, 6))


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_none_is_saved(people, chosen):
    rows = [hs.BuyerInput("张伟", id_no(1)), hs.BuyerInput("", id_no(2)), hs.BuyerInput("王芳", "110105194912310021"),
            hs.BuyerInput("李娜", id_no(1).lower())]
    with pytest.raises(ValidationError) as exc:
        hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=chosen, rows=rows)
    problems = exc.value.message_dict["rows"]
    assert any(p.startswith("第2行") and "姓名" in p for p in problems)
    assert any(p.startswith("第3行") and "校验位" in p for p in problems)
    assert any(p.startswith("第4行") and "第1行重复" in p for p in problems)  # lower-case x is the same number
    assert not EligibleBuyer.objects.exists()


@pytest.mark.django_db
def test_a_buyer_is_eligible_only_after_both_departments_check(people, chosen):
    [buyer] = hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=chosen,
                            rows=[hs.BuyerInput("张伟", id_no(1))])
    with pytest.raises(ForbiddenError):
        hs.buyer_check(actor=people["finance_reviewer"], buyer=buyer, department="audit", passed=True)
    buyer = hs.buyer_check(actor=people["audit_legal"], buyer=buyer, department="audit", passed=True)
    assert buyer.status == BuyerStatus.PENDING
    buyer = hs.buyer_check(actor=people["finance_reviewer"], buyer=buyer, department="finance", passed=True)
    assert buyer.status == BuyerStatus.ELIGIBLE


@pytest.mark.django_db
def test_a_rejection_needs_a_reason(people, chosen):
    [buyer] = hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=chosen,
                            rows=[hs.BuyerInput("张伟", id_no(1))])
    with pytest.raises(ValidationError, match="原因"):
        hs.buyer_check(actor=people["audit_legal"], buyer=buyer, department="audit", passed=False)
    buyer = hs.buyer_check(actor=people["audit_legal"], buyer=buyer, department="audit", passed=False,
                           reason="非本单位职工，疑似炒房人")
    assert buyer.status == BuyerStatus.REJECTED


@pytest.mark.django_db
def test_id_numbers_are_masked_without_the_permission(people, chosen, candidates):
    hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=chosen, rows=[hs.BuyerInput("张伟", id_no(1))])
    hs.buyers_add(actor=people["housing_clerk"], commissioning_unit=candidates[0],
                  rows=[hs.BuyerInput("张伟", id_no(1))])
    [shown] = sel.buyers_for(actor=people["retail_sales"], cu=chosen)
    assert shown.id_shown == id_no(1)[:3] + "*" * 11 + id_no(1)[-4:]
    [full] = sel.buyers_for(actor=people["audit_legal"], cu=chosen)
    assert full.id_shown == id_no(1)
    assert full.elsewhere == 1  # on another commissioning unit's list too: a hint for the auditors
