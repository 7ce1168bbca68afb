"""Internal control price lists (内控价格, 003 客户分级管理制度 一、3: every grade's price is set against them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from kehu.core.permissions import require_perm
from kehu.orders.models import PriceList, PriceListItem
from kehu.org.models import User
from kehu.sales.models import Product

MAX_PRICE = Decimal("999999999999")


def parse_price_rows(text: str) -> list[tuple[str, str]]:
    """Lines of "产品编码,单价" (comma, tab or Chinese comma) as (code, price text) pairs; blank lines skipped."""
    rows = []
    for raw in (text or "").splitlines():
        line = raw.strip().replace("，", ",").replace("\t", ",")
        if not line:
            continue
        code, _, price = line.partition(",")
        rows.append((code.strip(), price.strip()))
    return rows


@transaction.atomic
def price_list_create(*, actor: User, name: str, valid_from: date, valid_to: date | None,
                      items: Sequence[tuple[str, object]], note: str = "") -> PriceList:
    """A price list for a period. Refused whole, with every bad row named, when a product is unknown, a price is not
    a positive amount, a product appears twice, or another list already prices the product in the period."""
    require_perm(actor, "orders.manage_prices", "您没有制定内控价格表的权限。")
    errors: dict[str, list[str] | str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写价格表名称。"
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "截止日期不能早于起始日期。"
    if not items:
        errors["items"] = "请至少填写一个产品的内控价格。"
    if errors:
        raise ValidationError(errors)
    codes = [str(code).strip() for code, _ in items]
    products = {p.code: p for p in Product.objects.filter(code__in=codes)}
    row_errors: list[str] = []
    parsed: list[tuple[Product, Decimal]] = []
    seen: set[str] = set()
    for i, (code, price) in enumerate(items, start=1):
        code = str(code).strip()
        product = products.get(code)
        if product is None:
            row_errors.append(f"第{i}行：产品编码“{code}”不存在。")
            continue
        if code in seen:
            row_errors.append(f"第{i}行：产品“{code}”重复。")
            continue
        seen.add(code)
        try:
            amount = price if isinstance(price, Decimal) else Decimal(str(price).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            row_errors.append(f"第{i}行：单价“{price}”不是有效的金额。")
            continue
        if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2 or amount > MAX_PRICE:
            row_errors.append(f"第{i}行：单价必须大于 0，最多 2 位小数。")
            continue
        parsed.append((product, amount))
    overlap = PriceListItem.objects.filter(product__in=[p for p, _ in parsed])
    overlap = overlap.filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=valid_from))
    if valid_to is not None:
        overlap = overlap.filter(price_list__valid_from__lte=valid_to)
    for code, list_name in overlap.values_list("product__code", "price_list__name"):
        row_errors.append(f"产品“{code}”在该期间已有内控价格（{list_name}），期间不能重叠。")
    if row_errors:
        raise ValidationError({"items": row_errors})
    price_list = PriceList(name=name, valid_from=valid_from, valid_to=valid_to, note=(note or "")[:200],
                           created_by=actor)
    price_list._history_user = actor
    price_list.save()
    for product, amount in parsed:
        item = PriceListItem(price_list=price_list, product=product, unit_price=amount)
        item._history_user = actor
        item.save()
    return price_list
