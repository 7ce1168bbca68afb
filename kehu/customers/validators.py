"""Validators for identifiers Chinese customer archives carry."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this 31-character alphabet (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_uscc(value: str) -> None:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="uscc_length", params={"n": len(code)}
        )
    if not _USCC_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）。"), code="uscc_charset"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="uscc_checksum")


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_RE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$|^400-?\d{3}-?\d{4}$")


def normalize_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_mobile(value: str) -> None:
    if value and not _MOBILE_RE.match(normalize_phone(value)):
        raise ValidationError(_("手机号码格式不正确：应为以1开头的11位数字。"), code="mobile")


def validate_phone(value: str) -> None:
    v = normalize_phone(value)
    if v and not (_PHONE_RE.match(v) or _MOBILE_RE.match(v)):
        raise ValidationError(_("电话号码格式不正确，例如 0531-88886666 或 13912345678。"), code="phone")


_BANK_ACCOUNT_RE = re.compile(r"^\d{8,30}$")


def validate_bank_account(value: str) -> None:
    v = (value or "").replace(" ", "").replace("-", "")
    if v and not _BANK_ACCOUNT_RE.match(v):
        raise ValidationError(_("银行账号应为8至30位数字。"), code="bank_account")


# Scans and documents a company files in an archive; anything else (executables, scripts) is refused.
ALLOWED_DOCUMENT_TYPES = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".ofd": (b"PK\x03\x04",),
}


def validate_document_file(uploaded, *, max_bytes: int) -> None:
    """Refuse a file that is not a document by its extension and by its first bytes."""
    name = (getattr(uploaded, "name", "") or "").lower()
    ext = name[name.rfind("."):] if "." in name else ""
    if ext not in ALLOWED_DOCUMENT_TYPES:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”：请上传 PDF、图片（PNG/JPG）、Word、Excel 或 OFD 文件。"),
            code="file_type",
            params={"ext": ext or name},
        )
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("文件过大：上限 %(mb)d MB。"), code="file_size", params={"mb": max_bytes // (1024 * 1024)}
        )
    pos = uploaded.tell() if hasattr(uploaded, "tell") else 0
    head = uploaded.read(8)
    uploaded.seek(pos)
    if not any(head.startswith(magic) for magic in ALLOWED_DOCUMENT_TYPES[ext]):
        raise ValidationError(
            _("文件内容与扩展名“%(ext)s”不符，不是有效的文档。"), code="file_content", params={"ext": ext}
        )
