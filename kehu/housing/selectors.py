"""Reads of the commissioned-housing module: the control table, rankings, lists with ID numbers masked for users
without the permission, ledgers and collections. Each read is a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.customers.selectors import can_view_personal_data, mask_id_number
from kehu.housing.models import (
    PAYMENT_KINDS,
    CommissionerRepresentative,
    CommissioningUnit,
    EligibleBuyer,
    FormKind,
    NegotiationMemo,
    PriceApproval,
    PriceLine,
    Project,
    Receipt,
    RelationLine,
    RelationRequest,
    RequestStatus,
    SelectionTicket,
    TicketStatus,
    Unit,
    UnitStatus,
    Voucher,
)
from kehu.housing.scope import (
    NOT_LINKED,
    commissioner_q,
    housing_scope,
    require_commissioner,
    require_company,
)
from kehu.org.models import User


def _need_view(actor: User) -> None:
    if not actor.has_perm("housing.view_housing"):
        raise ForbiddenError("您没有查看委建房的权限。")


def can_see_buyer_ids(actor: User) -> bool:
    """Full ID numbers: the housing permission or the archive's personal-data permission (customers app)."""
    return actor.has_perm("housing.view_buyer_id") or can_view_personal_data(actor)


def shown_id(actor: User, number: str, *, allowed: bool | None = None) -> str:
    allowed = can_see_buyer_ids(actor) if allowed is None else allowed
    return number if allowed else mask_id_number(number)


def can_see_unapproved_price(actor: User) -> bool:
    """七、(三)6: before approval no price (and no cost) is shown beyond the approvers and the department."""
    return actor.has_perm("housing.view_unapproved_price")


def scope_notice(actor: User) -> str:
    """The message a commissioning unit's staff member sees while not linked to any unit (empty otherwise)."""
    scope = housing_scope(actor)
    return str(NOT_LINKED) if scope.limited and not scope.commissioner_ids else ""


def _projects(actor: User) -> QuerySet[Project]:
    scope = housing_scope(actor)
    if not scope.limited:
        return Project.objects.all()
    return Project.objects.filter(pk__in=CommissioningUnit.objects.filter(pk__in=sorted(scope.commissioner_ids))
                                  .values("project_id"))


def project_list(*, actor: User) -> QuerySet[Project]:
    _need_view(actor)
    return _projects(actor).annotate(
        unit_count=Count("units", distinct=True),
        taken_count=Count("units", filter=Q(units__status=UnitStatus.TAKEN), distinct=True),
    ).order_by("code")


def project_get(*, actor: User, pk: int) -> Project:
    _need_view(actor)
    project = _projects(actor).filter(pk=pk).first()
    if project is None:
        raise ScopeError("项目不存在。")
    return project


def commissioner_get(*, actor: User, pk: int) -> CommissioningUnit:
    _need_view(actor)
    cu = CommissioningUnit.objects.select_related("project").filter(commissioner_q(actor, "pk"), pk=pk).first()
    if cu is None:
        raise ScopeError("委建单位不存在。")
    return cu


def _get(actor: User, queryset: QuerySet, pk, message: str):
    _need_view(actor)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ScopeError(message)
    return obj


def buyer_get(*, actor: User, pk) -> EligibleBuyer:
    return _get(actor, EligibleBuyer.objects.filter(commissioner_q(actor)), pk, "名单人员不存在。")


def ticket_get(*, actor: User, pk, related: tuple[str, ...] = ()) -> SelectionTicket:
    return _get(actor, SelectionTicket.objects.filter(commissioner_q(actor)).select_related(*related), pk,
                "选房工作票不存在。")


def receipt_get(*, actor: User, pk, related: tuple[str, ...] = ()) -> Receipt:
    return _get(actor, Receipt.objects.filter(commissioner_q(actor, "ticket__commissioning_unit_id"))
                .select_related(*related), pk, "收据不存在。")


def voucher_get(*, actor: User, pk, related: tuple[str, ...] = ()) -> Voucher:
    return _get(actor, Voucher.objects.filter(commissioner_q(actor, "ticket__commissioning_unit_id"))
                .select_related(*related), pk, "选房凭证不存在。")


def relation_get(*, actor: User, pk) -> RelationRequest:
    """关系房 (十二) belong to no commissioning unit: company staff only."""
    _need_view(actor)
    require_company(actor, "关系房申请不存在。")
    return _get(actor, RelationRequest.objects.all(), pk, "关系房申请不存在。")


def memo_get(*, actor: User, pk) -> NegotiationMemo:
    """Negotiation memos are the company group's internal record (四): company staff only."""
    _need_view(actor)
    require_company(actor, "谈判备忘录不存在。")
    return _get(actor, NegotiationMemo.objects.all(), pk, "谈判备忘录不存在。")


def representatives_for(*, actor: User, cu: CommissioningUnit) -> list[CommissionerRepresentative]:
    _need_view(actor)
    require_commissioner(actor, cu.pk, "委建单位不存在。")
    return list(CommissionerRepresentative.objects.filter(commissioning_unit=cu).select_related("user", "linked_by"))


def representative_get(*, actor: User, pk) -> CommissionerRepresentative:
    return _get(actor, CommissionerRepresentative.objects.filter(commissioner_q(actor))
                .select_related("user", "commissioning_unit"), pk, "关联不存在。")


def commissioner_tickets(*, actor: User, cu: CommissioningUnit) -> QuerySet[SelectionTicket]:
    _need_view(actor)
    require_commissioner(actor, cu.pk, "委建单位不存在。")
    return SelectionTicket.objects.filter(commissioning_unit=cu).select_related("unit__building").order_by("seq")


def commissioner_ranking(project: Project, *, actor: User | None = None) -> list[CommissioningUnit]:
    """六's principles in order: highest accepted price, highest payment ratio, resource exchange, most
    owner-occupiers (name breaks a full tie, so the order is stable). A commissioning unit's staff see only their
    own unit: the other candidates' figures are the company's negotiation material."""
    scoped = commissioner_q(actor, "pk") if actor is not None else Q()
    return list(CommissioningUnit.objects.filter(scoped, project=project).order_by(
        "-accepted_price", "-payment_ratio_percent", "-resource_exchange", "-owner_occupier_percent", "name"))


# What a commissioning unit's staff see of a unit that is not theirs (二、(3) with 七、(三)6): whether it is sold —
# what any sales office's 销控表 shows — and otherwise only that it is not open to them; never the holder, the
# price, the ticket or that a unit is a relation unit or held for another commissioning unit.
OCCUPIED = "occupied"
UNAVAILABLE = "unavailable"
FOREIGN_STATUS_LABELS = {OCCUPIED: _("已售"), UNAVAILABLE: _("不可选")}
_SOLD = (UnitStatus.TAKEN, UnitStatus.RETAIL_SOLD)


@dataclass
class Cell:
    unit: Unit
    price: Decimal | None  # None: not approved yet, or hidden from this user
    price_hidden: bool
    holder: str
    ticket_number: str = ""
    status: str = ""  # the unit's status, or occupied / unavailable for another unit's staff
    own: bool = True  # False: a commissioning unit's staff looking at a unit that is not their unit's


@dataclass
class BuildingGrid:
    code: str
    floors: list[tuple[int, list[Cell]]] = field(default_factory=list)


def _foreign_status(unit_status: str) -> str:
    return OCCUPIED if unit_status in _SOLD else UNAVAILABLE


def control_table(*, actor: User, project: Project) -> list[BuildingGrid]:
    """楼盘控制表 (二、(3)): every unit by building and floor with its channel; prices only once approved (or for
    approvers). A commissioning unit's staff see their own unit's units in full (its approved prices only) and the
    others as 已售 / 不可选. Four queries whatever the size of the project (the user's scope is cached)."""
    _need_view(actor)
    scope = housing_scope(actor)
    mine = scope.commissioner_ids
    see_unapproved = can_see_unapproved_price(actor)
    units = list(Unit.objects.filter(project=project).select_related("building", "commissioning_unit")
                 .order_by("building__code", "-floor", "number"))
    prices: dict[int, tuple[Decimal, bool]] = {}
    for unit_id, price, status, cu_id in (PriceLine.objects.filter(unit__project=project).values_list(
            "unit_id", "unit_price", "price_approval__status", "price_approval__commissioning_unit_id")):
        if scope.limited and cu_id not in mine:
            continue  # another unit's negotiated price
        approved = status == RequestStatus.APPROVED
        if approved or unit_id not in prices:
            prices[unit_id] = (price, approved)
    for unit_id, price, status in RelationLine.objects.filter(unit__project=project).values_list(
            "unit_id", "unit_price", "request__status"):
        if not scope.limited:
            prices[unit_id] = (price, status == RequestStatus.APPROVED)
    tickets = dict(SelectionTicket.objects.filter(project=project, kind=FormKind.NORMAL)
                   .exclude(status=TicketStatus.REVERSED).values_list("unit_id", "number"))
    grids: dict[str, BuildingGrid] = {}
    by_floor: dict[tuple[str, int], list[Cell]] = defaultdict(list)
    for unit in units:
        if scope.limited and unit.commissioning_unit_id not in mine:
            status = _foreign_status(unit.status)
            cell = Cell(unit, None, False, str(FOREIGN_STATUS_LABELS[status]), "", status, own=False)
        else:
            price, approved = prices.get(unit.pk, (None, False))
            hidden = price is not None and not approved and not see_unapproved
            holder = unit.get_status_display()
            if unit.status in (UnitStatus.RELEASED, UnitStatus.TAKEN) and unit.commissioning_unit:
                holder = f"{holder} · {unit.commissioning_unit.name}"
            elif unit.status == UnitStatus.RETAIL_SOLD:
                holder = f"{holder} · {unit.retail_buyer}"
            cell = Cell(unit, None if hidden else price, hidden, holder, tickets.get(unit.pk, ""), unit.status)
        by_floor[(unit.building.code, unit.floor)].append(cell)
        grids.setdefault(unit.building.code, BuildingGrid(unit.building.code))
    for (code, floor), cells in by_floor.items():
        grids[code].floors.append((floor, cells))
    for grid in grids.values():
        grid.floors.sort(key=lambda f: -f[0])
    return list(grids.values())


def control_statuses(*, actor: User) -> list[tuple[str, str]]:
    """The legend of the control table: a commissioning unit's staff also see 已售 / 不可选 for other units."""
    if not housing_scope(actor).limited:
        return list(UnitStatus.choices)
    own = [(UnitStatus.RELEASED.value, UnitStatus.RELEASED.label), (UnitStatus.TAKEN.value, UnitStatus.TAKEN.label)]
    return own + [(k, str(v)) for k, v in FOREIGN_STATUS_LABELS.items()]


def control_summary(project: Project, *, actor: User | None = None) -> dict[str, int]:
    """Units per status (one query); for a commissioning unit's staff the other units count as 已售 / 不可选."""
    rows = Unit.objects.filter(project=project).values_list("status", "commissioning_unit_id").annotate(n=Count("id"))
    scope = housing_scope(actor) if actor is not None else None
    out: dict[str, int] = defaultdict(int)
    for status, cu_id, n in rows:
        if scope is not None and scope.limited and cu_id not in scope.commissioner_ids:
            status = _foreign_status(status)
        out[status] += n
    return dict(out)


def price_approval_view(*, actor: User, cu: CommissioningUnit) -> dict | None:
    """The price approval as this user may see it: prices and cost hidden until approved for others."""
    pa = PriceApproval.objects.filter(commissioning_unit=cu).select_related("approval").first()
    if pa is None:
        return None
    visible = pa.status == RequestStatus.APPROVED or can_see_unapproved_price(actor)
    lines = list(pa.lines.select_related("unit__building").order_by("unit__building__code", "-unit__floor",
                                                                       "unit__number"))
    area = sum((li.unit.area for li in lines), Decimal(0))
    weighted = (sum((li.unit.area * li.unit_price for li in lines), Decimal(0)) / area) if area else None
    return {
        "pa": pa, "visible": visible, "show_cost": actor.has_perm("housing.view_cost"),
        "lines": lines if visible else [], "unit_count": len(lines),
        "weighted_average": weighted.quantize(Decimal("0.01")) if (weighted and visible) else None,
    }


@dataclass(frozen=True)
class BuyerRow:
    buyer: EligibleBuyer
    id_shown: str
    # the same ID number on other commissioning units' lists (a hint for 审计法务部: 炒房人); None for a commissioning
    # unit's staff, who must not learn who is on another unit's list
    elsewhere: int | None


def buyers_for(*, actor: User, cu: CommissioningUnit) -> list[BuyerRow]:
    _need_view(actor)
    require_commissioner(actor, cu.pk, "委建单位不存在。")
    allowed = can_see_buyer_ids(actor)
    buyers = list(EligibleBuyer.objects.filter(commissioning_unit=cu).select_related(
        "audit_checked_by", "finance_checked_by"))
    if housing_scope(actor).limited:
        return [BuyerRow(b, shown_id(actor, b.id_number, allowed=allowed), None) for b in buyers]
    others = dict(EligibleBuyer.objects.filter(id_number__in=[b.id_number for b in buyers])
                  .exclude(commissioning_unit=cu).values_list("id_number").annotate(n=Count("id")))
    return [BuyerRow(b, shown_id(actor, b.id_number, allowed=allowed), others.get(b.id_number, 0)) for b in buyers]


def ticket_list(*, actor: User, project: Project) -> QuerySet[SelectionTicket]:
    _need_view(actor)
    return (SelectionTicket.objects.filter(commissioner_q(actor), project=project)
            .select_related("unit__building", "commissioning_unit", "issued_by", "reviewer", "replaces", "reverses")
            .order_by("seq"))


def receipt_list(*, actor: User, project: Project) -> QuerySet[Receipt]:
    _need_view(actor)
    return Receipt.objects.filter(commissioner_q(actor, "ticket__commissioning_unit_id"), project=project) \
        .select_related("ticket", "issued_by", "finance_copy_taken_by") \
        .order_by("seq")


def voucher_list(*, actor: User, project: Project) -> QuerySet[Voucher]:
    _need_view(actor)
    return Voucher.objects.filter(commissioner_q(actor, "ticket__commissioning_unit_id"), project=project) \
        .select_related("ticket__unit__building", "issued_by", "reviewer") \
        .order_by("seq")


def collected_by_root(project: Project) -> dict[int, Decimal]:
    rows = (Receipt.objects.filter(project=project, kind__in=PAYMENT_KINDS).values("ticket__chain_root_id")
            .annotate(s=Sum("amount")))
    return {r["ticket__chain_root_id"]: r["s"] for r in rows}


@dataclass(frozen=True)
class CollectionRow:
    cu: CommissioningUnit
    tickets: int
    due: Decimal
    collected: Decimal
    outstanding: Decimal
    deadline: date | None
    days_overdue: int


def collections(*, actor: User, project: Project, today: date) -> list[CollectionRow]:
    """九、(二)4: per commissioning unit, the amount due on live tickets, what was collected, and the contract's
    payment deadline (days overdue when money is still outstanding after it). Three queries."""
    _need_view(actor)
    collected = collected_by_root(project)
    live = (SelectionTicket.objects.filter(commissioner_q(actor), project=project, kind=FormKind.NORMAL,
                                           commissioning_unit__isnull=False)
            .exclude(status=TicketStatus.REVERSED).values("commissioning_unit_id", "chain_root_id", "amount_due"))
    per: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for row in live:
        per[row["commissioning_unit_id"]].append((row["amount_due"], collected.get(row["chain_root_id"], Decimal(0))))
    out = []
    for cu in CommissioningUnit.objects.filter(project=project, pk__in=per.keys()).order_by("name"):
        due = sum((d for d, _ in per[cu.pk]), Decimal(0))
        got = sum((c for _, c in per[cu.pk]), Decimal(0))
        outstanding = due - got
        late = (today - cu.payment_deadline).days if cu.payment_deadline and outstanding > 0 and \
            today > cu.payment_deadline else 0
        out.append(CollectionRow(cu, len(per[cu.pk]), due, got, outstanding, cu.payment_deadline, late))
    return out


def selection_detail(*, actor: User, cu: CommissioningUnit) -> list[SelectionTicket]:
    """九、(二)5: the units chosen under the contract — the live tickets, with their vouchers."""
    _need_view(actor)
    require_commissioner(actor, cu.pk, "委建单位不存在。")
    return list(SelectionTicket.objects.filter(commissioning_unit=cu, kind=FormKind.NORMAL)
                .exclude(status=TicketStatus.REVERSED).select_related("unit__building")
                .prefetch_related("vouchers").order_by("unit__building__code", "-unit__floor", "unit__number"))
