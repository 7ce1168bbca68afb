"""Chinese wording shared by explanations."""

from __future__ import annotations

from decimal import Decimal


def number(value: Decimal | int) -> str:
    """2150 → '2,150'; 999.9990 → '999.999'; never scientific notation."""
    if isinstance(value, int):
        return f"{value:,}"
    text = format(value.normalize(), ",f")
    return text


def quantity(value: Decimal | int, unit: str | None) -> str:
    return f"{number(value)} {unit}" if unit else number(value)


def range_phrase(
    low: Decimal | None, low_inclusive: bool, high: Decimal | None, high_inclusive: bool, unit: str | None
) -> str:
    """The range in the articles' own style: 大于等于1000吨而小于2000吨."""
    u = unit or ""
    parts = []
    if low is not None:
        parts.append(f"{'大于等于' if low_inclusive else '大于'}{number(low)}{u}")
    if high is not None:
        parts.append(f"{'小于等于' if high_inclusive else '小于'}{number(high)}{u}")
    return "而".join(parts) if parts else "任意数值"
