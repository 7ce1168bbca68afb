"""Resident identity card numbers (GB 11643-1999, 公民身份号码): 6-digit area code, 8-digit birth date, 3-digit
sequence, and a check character computed with ISO 7064 MOD 11-2 (X stands for 10)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes (the first two digits of the area code).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str, *, today: date | None = None) -> None:
    """Refuses a malformed number with a message saying what is wrong (length, characters, area, birth date,
    check character)."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。"), code="id_length", params={"n": len(number)})
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise ValidationError(_("身份证号前17位应为数字，最后一位为数字或X。"), code="id_charset")
    if number[:2] not in PROVINCES:
        raise ValidationError(_("身份证号的地址码（前两位 %(code)s）不是有效的省级行政区划代码。"), code="id_area",
                              params={"code": number[:2]})
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期 %(d)s 不是有效日期。"), code="id_birth",
                              params={"d": number[6:14]}) from None
    if born > (today or date.today()) or born.year < 1900:
        raise ValidationError(_("身份证号中的出生日期 %(d)s 不合理。"), code="id_birth", params={"d": number[6:14]})
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_checksum")


def make_id_number(area: str, born: date, sequence: int) -> str:
    """A valid number for demo data and tests (area code, birth date, 3-digit sequence)."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)
