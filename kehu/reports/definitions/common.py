"""Helpers the form builders share: numbers, columns, the customers a form covers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from kehu.core.documents import FormColumn

ZERO = Decimal("0")
T3 = Decimal("0.001")
Y2 = Decimal("0.01")
P1 = Decimal("0.1")

DIRECTION_TEXT = {"up": "升级", "down": "降级", "same": "不变", "new": "首次评定"}


def dec(value: Any, default: Decimal | None = ZERO) -> Decimal | None:
    if value is None or value == "":
        return default
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default


def tons(value: Any) -> Decimal:
    return (dec(value) or ZERO).quantize(T3)


def yuan(value: Any) -> Decimal:
    return (dec(value) or ZERO).quantize(Y2)


def change_percent(now: Decimal, before: Decimal) -> Decimal | None:
    """(now − before) / before in percent, one place; None when there is nothing to compare with."""
    if not before:
        return None
    return ((now - before) * 100 / before).quantize(P1)


def col(title: str, kind: str = "text", width: float = 12, places: int = 2) -> FormColumn:
    return FormColumn(title, width=width, kind=kind, places=places)


def seq_col() -> FormColumn:
    return FormColumn("序号", width=5, kind="int")


def person(display_name: str | None, username: str | None) -> str:
    return display_name or username or ""
