"""Orders: entry priced from the internal control price list within the grade's cap, the approvals the regulations
ask for, and the state machine draft → confirmed → released → delivered → closed (or cancelled). Every transition
is a service with permission, scope (the customer row is locked) and history; a release writes the pickup (提货).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ConflictError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import TRADING_STATUSES, Customer
from kehu.customers.selectors import customer_get_for_actor
from kehu.customers.services import archive_event_record
from kehu.orders.models import Order, OrderLine, OrderStatus, OrderTransition
from kehu.orders.packs import CustomerTerms, OrderPacks, customer_terms, order_packs
from kehu.orders.selectors import customer_facts, price_items_for
from kehu.org.models import User
from kehu.sales.models import Product, Warehouse
from kehu.workflow.chains import Chain
from kehu.workflow.models import Approval, ApprovalKind, ApprovalStatus
from kehu.workflow.services import approval_submit
from kehu.workflow.services.notifications import notify

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("999999999999")
MAX_LINES = 50


class OrderStateError(ServiceError):
    status_code = 409
    code = "order_state"


@dataclass(frozen=True)
class OrderLineInput:
    product: Product | int
    quantity: Decimal | str | int
    unit: str = ""
    unit_price: Decimal | str | None = None  # empty: the grade's standard price (D: internal price +5 %)


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    product: Product
    quantity: Decimal
    unit: str
    base_quantity: Decimal
    list_price: Decimal
    standard_price: Decimal
    floor_price: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal
    beyond_cap: bool


@dataclass(frozen=True)
class Need:
    """An approval the order needs before it may be confirmed."""

    kind: str
    reason: str
    article: str
    pack: str
    data: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(ApprovalKind(self.kind).label)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "reason": self.reason, "article": self.article, "pack": self.pack,
                **({"data": self.data} if self.data else {})}


@dataclass(frozen=True)
class Quote:
    customer: Customer
    terms: CustomerTerms
    lines: tuple[PricedLine, ...]
    total: Decimal
    order_date: date
    promised_on: date | None
    is_rush: bool
    needs: tuple[Need, ...]
    pack_versions: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------- pricing


def _quantity(value, where: str) -> Decimal:
    try:
        q = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({where: "请输入有效的数量。"}) from None
    if not q.is_finite() or q <= 0:
        raise ValidationError({where: "数量必须大于 0。"})
    if q.as_tuple().exponent < -3 or q > MAX_QUANTITY:
        raise ValidationError({where: "数量最多 3 位小数，且不能过大。"})
    return q


def _price(value, where: str) -> Decimal:
    try:
        p = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({where: "请输入有效的单价。"}) from None
    if not p.is_finite() or p <= 0 or p.as_tuple().exponent < -2 or p > Decimal("999999999999"):
        raise ValidationError({where: "单价必须大于 0，最多 2 位小数。"})
    return p


def price_lines(*, terms: CustomerTerms, lines: Sequence[OrderLineInput], on: date) -> tuple[PricedLine, ...]:
    """Each line priced from the internal control price of `on`, within the grade's cap (一、3). Two queries."""
    if not lines:
        raise ValidationError({"lines": "请至少填写一行订单明细。"})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": f"一张订单最多 {MAX_LINES} 行。"})
    ids = [ln.product.pk if isinstance(ln.product, Product) else ln.product for ln in lines]
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    prices = price_items_for(product_ids=list(products), on=on)
    errors: list[str] = []
    out: list[PricedLine] = []
    standard_factor, floor_factor = terms.standard_factor, terms.floor_factor
    for i, (line, pid) in enumerate(zip(lines, ids, strict=True), start=1):
        product = products.get(pid)
        if product is None or not product.is_active:
            errors.append(f"第{i}行：产品不存在或已停用。")
            continue
        try:
            qty = _quantity(line.quantity, "quantity")
            unit = line.unit or product.base_unit
            base = product.to_base(qty, unit)
            if base is None:
                allowed = "、".join(product.allowed_units())
                raise ValidationError({"unit": f"产品“{product.name}”不能按“{unit}”计量（可用：{allowed}）。"})
            if base <= 0:
                raise ValidationError({"quantity": "折算后的数量必须大于 0。"})
            item = prices.get(product.pk)
            if item is None:
                raise ValidationError({"product": f"产品“{product.name}”在 {on} 没有内控价格，请先制定价格表。"})
            list_price = item.unit_price
            standard = list_price * standard_factor
            floor = list_price * floor_factor
            price = (_price(line.unit_price, "unit_price") if line.unit_price not in (None, "")
                     else standard.quantize(CENT, rounding=ROUND_CEILING))
        except ValidationError as exc:
            errors.extend(f"第{i}行：{m}" for m in exc.messages)
            continue
        discount = ((list_price - price) / list_price * HUNDRED).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        out.append(PricedLine(
            line_no=i, product=product, quantity=qty, unit=unit, base_quantity=base, list_price=list_price,
            standard_price=standard, floor_price=floor, unit_price=price, discount_percent=discount,
            amount=(price * base).quantize(CENT, rounding=ROUND_HALF_UP), beyond_cap=price < floor,
        ))
    if errors:
        raise ValidationError({"lines": errors})
    return tuple(out)


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def payment_due_on(term, delivered_on: date) -> date:
    """The due date of goods delivered on `delivered_on` under the term (交货日3个月内 → same day 3 months later)."""
    return _add_months(delivered_on, term.due_months) + timedelta(days=term.due_days)


# ----------------------------------------------------------------------------------------------------- needs


def _review_needed(packs: OrderPacks, total: Decimal, special: str, from_stock: bool) -> Need | None:
    rules = packs.rules
    rule = rules.review_skip_below_amount
    if rule is None:
        return None
    article = f"{packs.grading.name} {rule.citation.article}"
    if special.strip():
        return Need(ApprovalKind.ORDER_REVIEW, "有特殊技术要求，须进行订单评审", article, packs.grading.name)
    if from_stock:
        return None
    threshold = packs.admin_value(packs.grading, rule.value)
    if threshold is None:
        return Need(ApprovalKind.ORDER_REVIEW, "管理员尚未设定免评审合同额，每张订单都须评审", article,
                    packs.grading.name)
    if total >= threshold:
        return Need(ApprovalKind.ORDER_REVIEW, f"合同额 {total:,.2f} 元不小于免评审金额 {threshold:,.2f} 元",
                    article, packs.grading.name, {"threshold": str(threshold)})
    return None


def order_needs(*, packs: OrderPacks, terms: CustomerTerms, lines: Sequence[PricedLine], total: Decimal,
                is_rush: bool, special_requirements: str, from_stock: bool) -> tuple[Need, ...]:
    """The approvals an order needs, each with the reason and the article. No query."""
    grading = packs.grading.name
    needs: list[Need] = []
    beyond = [ln for ln in lines if ln.beyond_cap]
    if beyond:
        clause = terms.clause("price")
        parts = "；".join(f"第{ln.line_no}行单价 {ln.unit_price} 低于权限内最低价 "
                         f"{ln.floor_price.quantize(CENT, rounding=ROUND_CEILING)}" for ln in beyond)
        needs.append(Need(ApprovalKind.ORDER_DISCOUNT, f"超出{terms.grade_name}价格权限：{parts}",
                          clause.article if clause else grading, grading))
    if terms.uses_credit and packs.credit is not None:
        facts = terms.facts
        exposure = facts.outstanding + facts.open_orders + total
        if exposure > facts.credit_limit:
            excess = exposure - facts.credit_limit
            percent = (excess / facts.credit_limit * HUNDRED).quantize(CENT) if facts.credit_limit else None
            rule = packs.credit_rules.over_limit_general_manager_percent
            margin = packs.admin_value(packs.credit, rule.value) if rule else None
            gm = margin is None or percent is None or percent > margin
            reason = (f"未结应收 {facts.outstanding:,.2f} + 已确认未放行 {facts.open_orders:,.2f} + 本单 {total:,.2f}"
                      f" = {exposure:,.2f} 元，超过授信额度 {facts.credit_limit:,.2f} 元"
                      + (f" {percent}%" if percent is not None else "")
                      + ("，须报总经理" if gm else "，部长审批"))
            article = f"{packs.credit.name} {rule.citation.article}" if rule else packs.credit.name
            needs.append(Need(ApprovalKind.CREDIT_OVER_LIMIT, reason, article, packs.credit.name,
                              {"excess": str(excess), "percent": str(percent) if percent is not None else None,
                               "margin": str(margin) if margin is not None else None, "general_manager": gm}))
    review = _review_needed(packs, total, special_requirements, from_stock)
    if review is not None:
        needs.append(review)
    if terms.strict_review:
        clause = terms.clause("strict_review")
        needs.append(Need(ApprovalKind.ORDER_STRICT_REVIEW, f"{terms.grade_name}订单须严格审单、酌情接单",
                          clause.article if clause else grading, grading))
    if is_rush:
        clause = terms.clause("rush")
        article = clause.article if clause else grading
        if terms.rush_policy == "case_by_case":
            needs.append(Need(ApprovalKind.RUSH_ORDER, f"{terms.grade_name}插单须计划员视生产状况决定", article,
                              grading))
        elif terms.rush_policy != "allowed":
            raise ValidationError({"is_rush": f"{terms.grade_name}订单不能插单（{article}）。"})
    return tuple(needs)


# ----------------------------------------------------------------------------------------------------- entry


def _check_trading(customer: Customer) -> None:
    if customer.status not in TRADING_STATUSES:
        raise ValidationError({"customer": f"客户状态为“{customer.get_status_display()}”：暂停业务、取消资格或"
                                           f"未准入的客户不得下单。"})


def order_quote(*, actor: User, customer_id: int, lines: Sequence[OrderLineInput], order_date: date | None = None,
                is_rush: bool = False, special_requirements: str = "", from_stock: bool = False,
                packs: OrderPacks | None = None, customer: Customer | None = None) -> Quote:
    """What an order would cost and need, with the article behind each term; writes nothing."""
    require_perm(actor, "orders.add_order")
    if customer is None:
        customer = customer_get_for_actor(actor=actor, pk=customer_id)
    _check_trading(customer)
    order_date = order_date or timezone.localdate()
    packs = packs or order_packs()
    facts = customer_facts(customer_ids=[customer.pk], packs=packs, as_of=order_date)[customer.pk]
    terms = customer_terms(packs, facts)
    priced = price_lines(terms=terms, lines=lines, on=order_date)
    total = sum((ln.amount for ln in priced), Decimal("0"))
    needs = order_needs(packs=packs, terms=terms, lines=priced, total=total, is_rush=is_rush,
                        special_requirements=special_requirements, from_stock=from_stock)
    promised = order_date + timedelta(days=terms.lead_time_days) if terms.lead_time_days is not None else None
    return Quote(customer=customer, terms=terms, lines=priced, total=total, order_date=order_date,
                 promised_on=promised, is_rush=is_rush, needs=needs, pack_versions=packs.versions())


def _transition(order: Order, to: str, actor: User | None, reason: str = "", article: str = "") -> None:
    OrderTransition.objects.create(order=order, from_status=order.status if order.pk else "", to_status=to,
                                   actor=actor, reason=reason, article=article)


def _apply_quote(order: Order, quote, *, is_rush: bool, special_requirements: str, from_stock: bool,
                 note: str) -> None:
    """Freeze on the order what the packs said for this customer, these lines and this date."""
    terms = quote.terms
    order.order_date = quote.order_date
    order.grade, order.grade_priority = terms.facts.grade or "", terms.priority
    order.grade_score, order.credit_rating = terms.facts.score, terms.facts.credit_rating or ""
    order.payment_terms_code, order.payment_terms_name = terms.payment_term.code, terms.payment_term.name
    order.prepayment_required, order.on_credit = terms.prepayment_required, terms.uses_credit
    order.lead_time_days, order.promised_on, order.is_rush = terms.lead_time_days, quote.promised_on, is_rush
    order.special_requirements, order.from_stock = special_requirements.strip(), from_stock
    order.total_amount = quote.total
    order.needs = [n.as_dict() for n in quote.needs]
    order.explanation = [c.as_dict() for c in terms.clauses]
    order.pack_versions, order.note = quote.pack_versions, note.strip()


def _write_lines(order: Order, quote) -> None:
    OrderLine.objects.bulk_create([
        OrderLine(order=order, line_no=ln.line_no, product=ln.product, quantity=ln.quantity, unit=ln.unit,
                  base_quantity=ln.base_quantity, list_price=ln.list_price,
                  floor_price=ln.floor_price.quantize(Decimal("0.0001"), rounding=ROUND_CEILING),
                  standard_price=ln.standard_price.quantize(Decimal("0.0001"), rounding=ROUND_CEILING),
                  unit_price=ln.unit_price, discount_percent=ln.discount_percent, amount=ln.amount,
                  beyond_cap=ln.beyond_cap)
        for ln in quote.lines
    ])


@transaction.atomic
def order_create(*, actor: User, customer_id: int, lines: Sequence[OrderLineInput], order_date: date | None = None,
                 is_rush: bool = False, special_requirements: str = "", from_stock: bool = False,
                 note: str = "") -> Order:
    """Enter an order as a draft with its prices, terms and promised date frozen from the packs. A fixed number of
    queries whatever the customer's history."""
    require_perm(actor, "orders.add_order")
    customer = customer_get_for_actor(actor=actor, pk=customer_id, for_update=True)
    quote = order_quote(actor=actor, customer_id=customer.pk, lines=lines, order_date=order_date, is_rush=is_rush,
                        special_requirements=special_requirements, from_stock=from_stock, customer=customer)
    order = Order(number=f"TMP-{timezone.now().timestamp():.6f}-{actor.pk}", customer=customer, created_by=actor)
    _apply_quote(order, quote, is_rush=is_rush, special_requirements=special_requirements, from_stock=from_stock,
                 note=note)
    order.skip_history_when_saving = True
    order.save()
    del order.skip_history_when_saving
    order.number = f"DD{quote.order_date:%Y%m}-{order.pk:06d}"
    order._history_user = actor
    order.save(update_fields=["number"])
    _write_lines(order, quote)
    OrderTransition.objects.create(order=order, from_status="", to_status=OrderStatus.DRAFT, actor=actor,
                                   reason="录入订单")
    return order


@transaction.atomic
def order_update(*, actor: User, order_id: int, version: int, lines: Sequence[OrderLineInput],
                 order_date: date | None = None, is_rush: bool = False, special_requirements: str = "",
                 from_stock: bool = False, note: str = "", reason: str = "") -> Order:
    """Change a draft that has not been submitted: its lines, date and requirements, priced and termed again from
    the packs as on entry. `version` is the one the user read; if somebody saved the order since, nothing is
    overwritten (ConflictError, 409). Once submitted, the approvals asked for are about these lines: cancel and
    enter again instead."""
    require_perm(actor, "orders.add_order")
    order, customer = _lock_order(actor, order_id, states=(OrderStatus.DRAFT,), what="修改")
    if order.submitted_at is not None:
        raise OrderStateError("订单已提交确认（审批针对原订单内容），不能修改；如需变更请作废后重新录入。")
    if version != order.version:
        raise ConflictError("保存冲突：在您编辑期间，此订单已被他人修改，请刷新后重试。",
                            current={"version": order.version}, submitted={"version": version},
                            current_version=order.version)
    quote = order_quote(actor=actor, customer_id=customer.pk, lines=lines, order_date=order_date, is_rush=is_rush,
                        special_requirements=special_requirements, from_stock=from_stock, customer=customer)
    before = order.total_amount
    _apply_quote(order, quote, is_rush=is_rush, special_requirements=special_requirements, from_stock=from_stock,
                 note=note)
    order.version += 1
    order._history_user = actor
    order._change_reason = (reason or "修改草稿订单").strip()[:100]
    order.save()
    order.lines.all().delete()
    _write_lines(order, quote)
    OrderTransition.objects.create(
        order=order, from_status=OrderStatus.DRAFT, to_status=OrderStatus.DRAFT, actor=actor,
        reason=f"修改订单：合同额 {before:,.2f} → {order.total_amount:,.2f} 元" + (f"；{reason.strip()}" if reason
                                                                               and reason.strip() else ""))
    return order


# ----------------------------------------------------------------------------------------------------- confirmation


def _lock_order(actor: User, order_id: int, *, states: Sequence[str], what: str) -> tuple[Order, Customer]:
    order = Order.objects.filter(pk=order_id).only("pk", "customer_id").first()
    if order is None:
        from kehu.core.errors import ScopeError

        raise ScopeError("订单不存在，或不在您的管理范围内。")
    customer = customer_get_for_actor(actor=actor, pk=order.customer_id, for_update=True)
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in states:
        raise OrderStateError(f"订单状态为“{order.get_status_display()}”，不能{what}。")
    return order, customer


def _approved_kinds(order: Order) -> tuple[set[str], set[str]]:
    ct = ContentType.objects.get_for_model(Order)
    rows = Approval.objects.filter(content_type=ct, object_id=order.pk).values_list("kind", "status")
    approved = {k for k, s in rows if s == ApprovalStatus.APPROVED}
    pending = {k for k, s in rows if s == ApprovalStatus.PENDING}
    return approved, pending


def _confirm(order: Order, actor: User | None, reason: str) -> None:
    _transition(order, OrderStatus.CONFIRMED, actor, reason, "")
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = timezone.now()
    order._history_user = actor
    order.version += 1
    order.save(update_fields=["status", "confirmed_at", "version"])
    archive_event_record(customer=order.customer, actor=actor, kind="order_confirmed",
                         summary=f"订单 {order.number} 已确认，合同额 {order.total_amount:,.2f} 元", reason=reason,
                         data={"order": order.pk})


@transaction.atomic
def order_submit(*, actor: User, order_id: int) -> Order:
    """Ask for confirmation: the order is confirmed at once when it needs no approval; otherwise every approval it
    needs is submitted and the order is confirmed when the last one is approved. The needs are computed again
    under the customer's lock (the credit exposure may have changed since entry)."""
    require_perm(actor, "orders.add_order")
    order, customer = _lock_order(actor, order_id, states=(OrderStatus.DRAFT,), what="提交确认")
    order.customer = customer
    packs = order_packs()
    facts = customer_facts(customer_ids=[customer.pk], packs=packs, as_of=timezone.localdate())[customer.pk]
    _check_trading(customer)
    terms = customer_terms(packs, facts)
    lines = list(order.lines.select_related("product").order_by("line_no"))
    priced = [PricedLine(ln.line_no, ln.product, ln.quantity, ln.unit, ln.base_quantity, ln.list_price,
                         ln.standard_price, ln.floor_price, ln.unit_price, ln.discount_percent, ln.amount,
                         ln.beyond_cap) for ln in lines]
    needs = order_needs(packs=packs, terms=terms, lines=priced, total=order.total_amount, is_rush=order.is_rush,
                        special_requirements=order.special_requirements, from_stock=order.from_stock)
    approved, pending = _approved_kinds(order) if needs else (set(), set())
    order.needs = [n.as_dict() for n in needs]
    order.submitted_at = timezone.now()
    order._history_user = actor
    order.save(update_fields=["needs", "submitted_at"])
    outstanding = [n for n in needs if n.kind not in approved]
    if not outstanding:
        _confirm(order, actor, "无须审批，直接确认" if not needs else "所需审批均已批准")
        return order
    for need in outstanding:
        if need.kind in pending:
            continue
        approval_submit(actor=actor, subject=order, kind=need.kind, customer=customer, pack_name=need.pack,
                        title=f"{customer.name} 订单 {order.number}：{need.reason}"[:200])
    return order


def on_order_approval_event(approval: Approval, event: str, actor: User | None) -> None:
    """The last approval approved confirms the order; a rejection sends it back to its author as a draft."""
    order = (Order.objects.select_for_update(of=("self",)).filter(pk=approval.object_id).select_related("customer")
             .first())
    if order is None or order.status != OrderStatus.DRAFT:
        return
    if event == "approved":
        approved, _ = _approved_kinds(order)
        approved.add(approval.kind)
        if all(n["kind"] in approved for n in order.needs):
            _confirm(order, actor, f"审批通过：{'、'.join(str(ApprovalKind(n['kind']).label) for n in order.needs)}")
    elif event in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED):
        order.submitted_at = None
        order._history_user = actor
        order.save(update_fields=["submitted_at"])
        notify([order.created_by], kind="order_rejected", title=f"订单 {order.number} 未获批准",
               body=f"{approval.get_kind_display()}：{approval.get_status_display()}",
               url=reverse("orders:order_detail", args=[order.pk]))


def order_approval_url(approval: Approval) -> str:
    return reverse("orders:order_detail", args=[approval.object_id])


def shape_submitter_steps(subject, chain: Chain, submitter: User) -> Chain:
    """A leading step held by the submitter (业务员"申请", 财务部"提出") is the submission itself."""
    from dataclasses import replace

    held = set(submitter.roles.values_list("code", flat=True))
    steps = list(chain.steps)
    while len(steps) > 1 and steps[0].role in held:
        steps.pop(0)
    return replace(chain, steps=tuple(steps))


def shape_over_limit(subject, chain: Chain, submitter: User) -> Chain:
    """部长乃至总经理 (003 第7条): 总经理's step only when the excess is above the administrator's margin."""
    from dataclasses import replace

    chain = shape_submitter_steps(subject, chain, submitter)
    need = next((n for n in getattr(subject, "needs", []) or [] if n.get("kind") == ApprovalKind.CREDIT_OVER_LIMIT),
                None)
    if need is not None and not (need.get("data") or {}).get("general_manager", True):
        steps = tuple(s for s in chain.steps if s.role != "general_manager") or chain.steps
        chain = replace(chain, steps=steps)
    return chain


# ----------------------------------------------------------------------------------------------------- release …


@transaction.atomic
def order_release(*, actor: User, order_id: int, picked_on: date | None = None,
                  warehouse: Warehouse | None = None) -> Order:
    """Let the goods leave: writes one pickup per line (the volume the grading measures). Under 款到发货 (the
    customer's terms or 000 第二条) the release is refused unless prepayments cover the whole order — the sales
    app's check under its customer row lock. Goods released on credit get their receivable with the due date of
    the order's payment terms."""
    from kehu.sales.selectors import pickup_release_check
    from kehu.sales.services import pickup_record, receivable_record_for_release

    require_perm(actor, "orders.release_order", "您没有放行订单的权限。")
    order, customer = _lock_order(actor, order_id, states=(OrderStatus.CONFIRMED,), what="放行")
    if customer.status not in TRADING_STATUSES:
        raise ServiceError(f"客户状态为“{customer.get_status_display()}”，不得发货。", code="not_trading")
    picked_on = picked_on or timezone.localdate()
    if picked_on > timezone.localdate():
        raise ValidationError({"picked_on": "放行日期不能晚于今天。"})
    if order.prepayment_required:
        decision = pickup_release_check(customer=customer, amount=order.total_amount)
        if not decision.allowed:
            article = next((c["article"] for c in order.explanation if c["code"] == "prepayment"), decision.article)
            raise ServiceError(f"{decision.reason}（{article}）", code="prepayment_required", field="order")
    for line in order.lines.select_related("product").order_by("line_no"):
        pickup_record(actor=actor, customer=customer, product=line.product, quantity=line.quantity, unit=line.unit,
                      amount=line.amount, picked_on=picked_on, source="order",
                      source_ref=f"{order.number}-{line.line_no}", warehouse=warehouse,
                      enforce_prepayment=order.prepayment_required)
    if not order.prepayment_required:
        packs = order_packs()
        term = next((t for t in packs.rules.payment_terms if t.code == order.payment_terms_code), None)
        due = payment_due_on(term, picked_on) if term else picked_on
        receivable_record_for_release(customer_id=customer.pk, invoice_no=order.number, amount=order.total_amount,
                                      invoiced_on=picked_on, due_on=due)
    _transition(order, OrderStatus.RELEASED, actor, f"放行提货 {picked_on}",
                next((c["article"] for c in order.explanation if c["code"] == "prepayment"), ""))
    order.status = OrderStatus.RELEASED
    order.released_at, order.released_on = timezone.now(), picked_on
    order._history_user = actor
    order.version += 1
    order.save(update_fields=["status", "released_at", "released_on", "version"])
    archive_event_record(customer=customer, actor=actor, kind="order_released",
                         summary=f"订单 {order.number} 放行提货 {order.total_amount:,.2f} 元", data={"order": order.pk})
    return order


@transaction.atomic
def order_deliver(*, actor: User, order_id: int, delivered_on: date | None = None) -> Order:
    require_perm(actor, "orders.deliver_order", "您没有登记交货的权限。")
    order, _customer = _lock_order(actor, order_id, states=(OrderStatus.RELEASED,), what="登记交货")
    delivered_on = delivered_on or timezone.localdate()
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": "交货日期不能晚于今天。"})
    if order.released_on and delivered_on < order.released_on:
        raise ValidationError({"delivered_on": "交货日期不能早于放行日期。"})
    _transition(order, OrderStatus.DELIVERED, actor, f"交货 {delivered_on}")
    order.status, order.delivered_on = OrderStatus.DELIVERED, delivered_on
    order._history_user = actor
    order.version += 1
    order.save(update_fields=["status", "delivered_on", "version"])
    return order


@transaction.atomic
def order_close(*, actor: User, order_id: int, reason: str = "") -> Order:
    require_perm(actor, "orders.deliver_order", "您没有关闭订单的权限。")
    order, _customer = _lock_order(actor, order_id, states=(OrderStatus.DELIVERED,), what="关闭")
    _transition(order, OrderStatus.CLOSED, actor, reason.strip() or "订单完成")
    order.status, order.closed_at = OrderStatus.CLOSED, timezone.now()
    order._history_user = actor
    order.version += 1
    order.save(update_fields=["status", "closed_at", "version"])
    return order


@transaction.atomic
def order_cancel(*, actor: User, order_id: int, reason: str) -> Order:
    """Cancel a draft or a confirmed order (not yet released), with a reason; open approvals are withdrawn."""
    require_perm(actor, "orders.add_order")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写取消原因。"})
    order, customer = _lock_order(actor, order_id, states=(OrderStatus.DRAFT, OrderStatus.CONFIRMED), what="取消")
    from kehu.workflow.models import ApprovalStep, StepStatus

    ct = ContentType.objects.get_for_model(Order)
    open_ids = list(Approval.objects.filter(content_type=ct, object_id=order.pk, status=ApprovalStatus.PENDING)
                    .values_list("pk", flat=True))
    if open_ids:
        Approval.objects.filter(pk__in=open_ids).update(status=ApprovalStatus.WITHDRAWN, finished_at=timezone.now())
        ApprovalStep.objects.filter(approval_id__in=open_ids, status__in=[StepStatus.WAITING, StepStatus.PENDING]
                                    ).update(status=StepStatus.CANCELLED)
    _transition(order, OrderStatus.CANCELLED, actor, reason)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
    order._history_user = actor
    order._change_reason = reason
    order.version += 1
    order.save(update_fields=["status", "cancelled_at", "version"])
    archive_event_record(customer=customer, actor=actor, kind="order_cancelled", summary=f"订单 {order.number} 已取消",
                         reason=reason, data={"order": order.pk})
    return order
