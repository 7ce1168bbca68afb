"""Reads of the commissioned-housing module: the control table, rankings, lists with ID numbers masked for users
without the permission, ledgers and collections. Each read is a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.customers.selectors import can_view_personal_data, mask_id_number
from kehu.housing.models import (
    PAYMENT_KINDS,
    CommissioningUnit,
    EligibleBuyer,
    FormKind,
    PriceApproval,
    PriceLine,
    Project,
    Receipt,
    RelationLine,
    RequestStatus,
    SelectionTicket,
    TicketStatus,
    Unit,
    UnitStatus,
    Voucher,
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


def project_list(*, actor: User) -> QuerySet[Project]:
    _need_view(actor)
    return Project.objects.annotate(
        unit_count=Count("units", distinct=True),
        taken_count=Count("units", filter=Q(units__status=UnitStatus.TAKEN), distinct=True),
    ).order_by("code")


def project_get(*, actor: User, pk: int) -> Project:
    _need_view(actor)
    project = Project.objects.filter(pk=pk).first()
    if project is None:
        raise ScopeError("项目不存在。")
    return project


def commissioner_get(*, actor: User, pk: int) -> CommissioningUnit:
    _need_view(actor)
    cu = CommissioningUnit.objects.select_related("project").filter(pk=pk).first()
    if cu is None:
        raise ScopeError("委建单位不存在。")
    return cu


def commissioner_ranking(project: Project) -> list[CommissioningUnit]:
    """六's principles in order: highest accepted price, highest payment ratio, resource exchange, most
    owner-occupiers (name breaks a full tie, so the order is stable)."""
    return list(CommissioningUnit.objects.filter(project=project).order_by(
        "-accepted_price", "-payment_ratio_percent", "-resource_exchange", "-owner_occupier_percent", "name"))


@dataclass
class Cell:
    unit: Unit
    price: Decimal | None  # None: not approved yet, or hidden from this user
    price_hidden: bool
    holder: str
    ticket_number: str = ""


@dataclass
class BuildingGrid:
    code: str
    floors: list[tuple[int, list[Cell]]] = field(default_factory=list)


def control_table(*, actor: User, project: Project) -> list[BuildingGrid]:
    """楼盘控制表 (二、(3)): every unit by building and floor with its channel; prices only once approved (or for
    approvers). Four queries whatever the size of the project."""
    _need_view(actor)
    see_unapproved = can_see_unapproved_price(actor)
    units = list(Unit.objects.filter(project=project).select_related("building", "commissioning_unit")
                 .order_by("building__code", "-floor", "number"))
    prices: dict[int, tuple[Decimal, bool]] = {}
    for unit_id, price, status in (PriceLine.objects.filter(unit__project=project)
                                   .values_list("unit_id", "unit_price", "price_approval__status")):
        approved = status == RequestStatus.APPROVED
        if approved or unit_id not in prices:
            prices[unit_id] = (price, approved)
    for unit_id, price, status in RelationLine.objects.filter(unit__project=project).values_list(
            "unit_id", "unit_price", "request__status"):
        prices[unit_id] = (price, status == RequestStatus.APPROVED)
    tickets = dict(SelectionTicket.objects.filter(project=project, kind=FormKind.NORMAL)
                   .exclude(status=TicketStatus.REVERSED).values_list("unit_id", "number"))
    grids: dict[str, BuildingGrid] = {}
    by_floor: dict[tuple[str, int], list[Cell]] = defaultdict(list)
    for unit in units:
        price, approved = prices.get(unit.pk, (None, False))
        hidden = price is not None and not approved and not see_unapproved
        holder = unit.get_status_display()
        if unit.status in (UnitStatus.RELEASED, UnitStatus.TAKEN) and unit.commissioning_unit:
            holder = f"{holder} · {unit.commissioning_unit.name}"
        elif unit.status == UnitStatus.RETAIL_SOLD:
            holder = f"{holder} · {unit.retail_buyer}"
        by_floor[(unit.building.code, unit.floor)].append(
            Cell(unit, None if hidden else price, hidden, holder, tickets.get(unit.pk, "")))
        grids.setdefault(unit.building.code, BuildingGrid(unit.building.code))
    for (code, floor), cells in by_floor.items():
        grids[code].floors.append((floor, cells))
    for grid in grids.values():
        grid.floors.sort(key=lambda f: -f[0])
    return list(grids.values())


def control_summary(project: Project) -> dict[str, int]:
    return dict(Unit.objects.filter(project=project).values_list("status").annotate(n=Count("id")))


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
    elsewhere: int  # the same ID number on other commissioning units' lists (a hint for 审计法务部: 炒房人)


def buyers_for(*, actor: User, cu: CommissioningUnit) -> list[BuyerRow]:
    _need_view(actor)
    allowed = can_see_buyer_ids(actor)
    buyers = list(EligibleBuyer.objects.filter(commissioning_unit=cu).select_related(
        "audit_checked_by", "finance_checked_by"))
    others = dict(EligibleBuyer.objects.filter(id_number__in=[b.id_number for b in buyers])
                  .exclude(commissioning_unit=cu).values_list("id_number").annotate(n=Count("id")))
    return [BuyerRow(b, shown_id(actor, b.id_number, allowed=allowed), others.get(b.id_number, 0)) for b in buyers]


def ticket_list(*, actor: User, project: Project) -> QuerySet[SelectionTicket]:
    _need_view(actor)
    return (SelectionTicket.objects.filter(project=project)
            .select_related("unit__building", "commissioning_unit", "issued_by", "reviewer", "replaces", "reverses")
            .order_by("seq"))


def receipt_list(*, actor: User, project: Project) -> QuerySet[Receipt]:
    _need_view(actor)
    return Receipt.objects.filter(project=project).select_related("ticket", "issued_by", "finance_copy_taken_by") \
        .order_by("seq")


def voucher_list(*, actor: User, project: Project) -> QuerySet[Voucher]:
    _need_view(actor)
    return Voucher.objects.filter(project=project).select_related("ticket__unit__building", "issued_by", "reviewer") \
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
    live = (SelectionTicket.objects.filter(project=project, kind=FormKind.NORMAL, commissioning_unit__isnull=False)
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
    return list(SelectionTicket.objects.filter(commissioning_unit=cu, kind=FormKind.NORMAL)
                .exclude(status=TicketStatus.REVERSED).select_related("unit__building")
                .prefetch_related("vouchers").order_by("unit__building__code", "-unit__floor", "unit__number"))
