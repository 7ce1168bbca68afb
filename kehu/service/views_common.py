from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from kehu.customers.models import Customer
from kehu.customers.selectors import customer_queryset_for_actor


def resolve_customer_id(actor, text: str | None, field: str = "customer") -> int | None:
    """The visible customer whose code, id or full name is `text` (None when empty)."""
    text = (text or "").strip()
    if not text:
        return None
    qs = customer_queryset_for_actor(actor)
    q = Q(code=text) | Q(name=text)
    if text.isdigit():
        q |= Q(pk=int(text))
    match = list(qs.filter(q).values_list("pk", flat=True)[:2])
    if len(match) != 1:
        raise ValidationError({field: f"找不到客户“{text}”，请输入客户编码或全称（且在您的管理范围内）。"})
    return match[0]


def customer_label(actor, pk) -> str:
    c = Customer.objects.filter(pk=pk).values_list("code", flat=True).first() if pk else None
    return c or ""
