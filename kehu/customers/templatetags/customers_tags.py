"""Badges and small renderings the archive templates share."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

STATUS_COLORS = {
    "prospect": "secondary",
    "applying": "info",
    "active": "success",
    "suspended": "warning",
    "disqualified": "danger",
    "churned": "dark",
}


@register.simple_tag
def status_badge(customer) -> str:
    color = STATUS_COLORS.get(customer.status, "secondary")
    return format_html('<span class="badge text-bg-{}">{}</span>', color, customer.get_status_display())


@register.simple_tag
def expiry_badge(state: str, days_left) -> str:
    """Expired: red; within 30 days: amber; otherwise green; no date: long-term."""
    if state == "expired":
        return format_html('<span class="badge text-bg-danger">{}</span>',
                           _("已过期 %(n)d 天") % {"n": -days_left})
    if state == "expiring":
        return format_html('<span class="badge text-bg-warning">{}</span>', _("%(n)d 天后到期") % {"n": days_left})
    if state == "permanent":
        return format_html('<span class="badge text-bg-light border">{}</span>', _("长期有效"))
    return format_html('<span class="badge text-bg-success">{}</span>', _("有效"))


def _dimension_names() -> dict[str, str]:
    # The policy app knows the dimensions (from the company's packs); the archive only shows them.
    from kehu.policy.selectors import dimension_names

    return dimension_names()


def _shown(value) -> str:
    return "、".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@register.simple_tag
def dimension_names() -> dict[str, str]:
    """{% dimension_names as dims %} once per page, then `|kv:dims` per row (no query per row)."""
    return _dimension_names()


@register.filter
def kv(value, names: dict[str, str] | None = None) -> str:
    """Classification values as "维度=值" text, each dimension by its name in the company's packs."""
    if not value:
        return ""
    names = _dimension_names() if names is None else names
    return "；".join(f"{names.get(k, k)}={_shown(v)}" for k, v in value.items())


@register.filter
def classification_items(value) -> list[tuple[str, str]]:
    """[(dimension name, value)] of a customer's classifications, for the archive's chips."""
    if not value:
        return []
    names = _dimension_names()
    return [(names.get(k, k), _shown(v)) for k, v in value.items()]


@register.filter
def filesize(value) -> str:
    value = int(value or 0)
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value / 1024 / 1024:.1f} MB"


@register.filter
def indent(depth) -> str:
    """Full-width spaces so a unit's place in the tree shows in a select."""
    return "\u3000" * max(int(depth or 0) - 1, 0)
