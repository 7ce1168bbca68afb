"""Printable forms of the commissioned-housing module through kehu.core.documents (XLSX + PDF): the 台账 of tickets,
receipts and vouchers (九、(二)2), collections against the contract's deadline (九、(二)4), the selection detail the
commissioning unit stamps as the contract's annex (九、(二)5), the control table (二、(3)), and the multi-part
ticket, receipt and voucher themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from kehu.core.documents import FormColumn, FormDocument
from kehu.housing import selectors as sel
from kehu.housing.models import CommissioningUnit, FormKind, Project, Receipt, SelectionTicket, Voucher
from kehu.org.models import User

# 九、(二)2(1) and 九、(二)2: the parts each form is printed in (the pack's figures give their number).
TICKET_PARTS = ("存根联", "客户联", "大客户部联", "财务部留存联")
RECEIPT_PARTS = ("存根联", "客户联", "财务部留存联")
VOUCHER_PARTS = ("存根联", "客户联", "财务部留存联")

MONEY = {"kind": "decimal", "places": 2}


def _fmt_dt(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def ledger(*, actor: User, project: Project) -> FormDocument:
    allowed = sel.can_see_buyer_ids(actor)
    tickets = list(sel.ticket_list(actor=actor, project=project))
    receipts = list(sel.receipt_list(actor=actor, project=project))
    vouchers = list(sel.voucher_list(actor=actor, project=project))
    ticket_rows = [(
        t.number, t.get_kind_display(), str(t.commissioning_unit or (t.relation_request and "关系房") or ""),
        t.buyer_name, sel.shown_id(actor, t.buyer_id_number, allowed=allowed), t.unit.label, t.area, t.unit_price,
        t.total_price, t.payment_ratio_percent, t.amount_due, t.get_status_display(),
        (t.reverses.number if t.reverses_id else "") or (t.replaces.number if t.replaces_id else ""),
        str(t.issued_by), str(t.reviewer), _fmt_dt(t.issued_at)) for t in tickets]
    live = [t for t in tickets if t.kind == FormKind.NORMAL and t.status != "reversed"]
    ticket_doc = FormDocument(
        title=f"{project.name} 选房工作票台账", subtitle="（003 大客户委托建房管理制度 九、(二)2）",
        meta=(("项目", f"{project.code} {project.name}"), ("打印时间", _fmt_dt(timezone.now())),
              ("单位", "㎡、元/㎡、元")),
        columns=(FormColumn("票号", 18), FormColumn("类别", 8), FormColumn("委建单位", 16), FormColumn("购房人", 10),
                 FormColumn("身份证号", 20), FormColumn("房号", 8), FormColumn("面积", 9, **MONEY),
                 FormColumn("单价", 11, **MONEY), FormColumn("总价", 14, **MONEY),
                 FormColumn("交款比例", 9, "percent", 2), FormColumn("房款应收", 14, **MONEY), FormColumn("状态", 12),
                 FormColumn("冲红/替换票号", 18), FormColumn("开票人", 10), FormColumn("复核人", 10),
                 FormColumn("开票时间", 16)),
        rows=ticket_rows, landscape=True, sheet_name="选房工作票",
        totals=("合计（有效票）", f"{len(live)}张", "", "", "", "", sum((t.area for t in live), Decimal(0)), "",
                sum((t.total_price for t in live), Decimal(0)), "", sum((t.amount_due for t in live), Decimal(0)),
                "", "", "", "", ""),
        notes=("红字冲红的原票保留，红票与新票各有编号；收回的票据附在红票下（九、(二)2(1)⑦）。",),
        signatures=("大客户部", "财务部", "复核人"),
        extra_sections=(
            FormDocument(
                title=f"{project.name} 收据台账", sheet_name="收据", landscape=True,
                columns=(FormColumn("收据号", 18), FormColumn("选房工作票", 18), FormColumn("交款人", 10),
                         FormColumn("款项", 12), FormColumn("金额", 14, **MONEY), FormColumn("收款日期", 12, "date"),
                         FormColumn("开具人", 10), FormColumn("财务联领取人", 12), FormColumn("领取时间", 16)),
                rows=[(r.number, r.ticket.number, r.payer_name, r.get_kind_display(), r.amount, r.received_on,
                       str(r.issued_by), str(r.finance_copy_taken_by or ""), _fmt_dt(r.finance_copy_taken_at))
                      for r in receipts],
                totals=("合计", f"{len(receipts)}张", "", "", sum((r.amount for r in receipts), Decimal(0)), "", "", "",
                        ""),
                notes=("收据一式三联：存根联、客户联、财务部留存联；财务联由大客户部领取并做好交接记录（九、(二)2）。",),
                signatures=("开收据人", "大客户部（领取）", "销售会计")),
            FormDocument(
                title=f"{project.name} 选房凭证台账", sheet_name="选房凭证", landscape=True,
                columns=(FormColumn("凭证号", 18), FormColumn("类别", 8), FormColumn("选房工作票", 18),
                         FormColumn("房款应收", 14, **MONEY), FormColumn("实收金额", 14, **MONEY),
                         FormColumn("状态", 10), FormColumn("开具人", 10), FormColumn("复核人", 10),
                         FormColumn("开具时间", 16)),
                rows=[(v.number, v.get_kind_display(), v.ticket.number, v.amount_due, v.amount_collected,
                       v.get_status_display(), str(v.issued_by), str(v.reviewer), _fmt_dt(v.issued_at))
                      for v in vouchers],
                notes=("选房凭证预先编号、一式三联；实收金额与房款应收一致后开具，由他人复核（九、(二)2）。",),
                signatures=("开具人", "复核人", "财务部")),
        ),
    )
    return ticket_doc


def collections_form(*, actor: User, project: Project, today: date) -> FormDocument:
    rows = sel.collections(actor=actor, project=project, today=today)
    return FormDocument(
        title=f"{project.name} 委建房回款统计", subtitle="（九、(二)4：按合同约定条款催款）",
        meta=(("项目", f"{project.code} {project.name}"), ("统计日期", today.isoformat()), ("单位", "元")),
        columns=(FormColumn("委建单位", 20), FormColumn("合同编号", 16), FormColumn("有效票数", 9, "int"),
                 FormColumn("房款应收", 15, **MONEY), FormColumn("已收", 15, **MONEY), FormColumn("未收", 15, **MONEY),
                 FormColumn("回款截止", 12, "date"), FormColumn("逾期天数", 9, "int")),
        rows=[(r.cu.name, r.cu.contract_no, r.tickets, r.due, r.collected, r.outstanding, r.deadline, r.days_overdue)
              for r in rows],
        totals=("合计", "", sum(r.tickets for r in rows), sum((r.due for r in rows), Decimal(0)),
                sum((r.collected for r in rows), Decimal(0)), sum((r.outstanding for r in rows), Decimal(0)), "", ""),
        notes=("大客户部及财务部同时做好委建单位已收房款统计，核对后按合同约定条款催促对方将款项打入共管账户（九、(二)4）。",),
        signatures=("大客户部", "财务部"),
    )


def selection_detail_form(*, actor: User, cu: CommissioningUnit) -> FormDocument:
    allowed = sel.can_see_buyer_ids(actor)
    tickets = sel.selection_detail(actor=actor, cu=cu)
    rows = []
    for i, t in enumerate(tickets, start=1):
        voucher = next((v for v in t.vouchers.all() if v.kind == FormKind.NORMAL and v.status == "active"), None)
        rows.append((i, t.buyer_name, sel.shown_id(actor, t.buyer_id_number, allowed=allowed), t.unit.building.code,
                     t.unit.number, t.unit.layout, t.area, t.unit_price, t.total_price, t.payment_ratio_percent,
                     t.number, voucher.number if voucher else ""))
    reviewed = (f"审计部 {cu.annex_reviewed_by} 于 {_fmt_dt(cu.annex_reviewed_at)} 复核"
                if cu.annex_reviewed_at else "待审计部复核")
    return FormDocument(
        title=f"{cu.name} 选房明细", subtitle=f"（委建房合同 {cu.contract_no or '—'} 附件，九、(二)5）",
        meta=(("项目", cu.project.name), ("委建单位", cu.name), ("复核", reviewed)),
        columns=(FormColumn("序号", 6, "int"), FormColumn("姓名", 10), FormColumn("身份证号", 20),
                 FormColumn("楼号", 6), FormColumn("房号", 8), FormColumn("户型", 10),
                 FormColumn("面积（㎡）", 10, **MONEY),
                 FormColumn("单价（元/㎡）", 12, **MONEY), FormColumn("总价（元）", 14, **MONEY),
                 FormColumn("交款比例", 9, "percent", 2), FormColumn("选房工作票", 18), FormColumn("选房凭证", 18)),
        rows=rows, landscape=True,
        totals=("合计", f"{len(rows)}套", "", "", "", "", sum((t.area for t in tickets), Decimal(0)), "",
                sum((t.total_price for t in tickets), Decimal(0)), "", "", ""),
        notes=("委建房单位应在选房工作结束后提交本次选房的明细并盖章作为合同附件；我公司收到后经审计部复核后才能盖公章"
               "（九、(二)5）。",),
        signatures=("委建房单位（盖章）", "大客户部", "审计部复核", "公司（盖章）"),
    )


def control_table_form(*, actor: User, project: Project) -> FormDocument:
    rows = []
    for grid in sel.control_table(actor=actor, project=project):
        for floor, cells in grid.floors:
            for c in cells:
                price = "待批复" if c.price_hidden else c.price
                rows.append((f"{grid.code}#", floor, c.unit.number, c.unit.layout, c.unit.area, c.holder, price,
                             c.ticket_number))
    return FormDocument(
        title=f"{project.name} 楼盘控制表", subtitle="（二、(3)：大客户部与营销中心在同一张楼盘控制表内销售）",
        meta=(("项目", f"{project.code} {project.name}"), ("打印时间", _fmt_dt(timezone.now()))),
        columns=(FormColumn("楼号", 6), FormColumn("楼层", 6, "int"), FormColumn("房号", 8), FormColumn("户型", 10),
                 FormColumn("面积（㎡）", 10, **MONEY), FormColumn("状态/渠道", 24),
                 FormColumn("单价（元/㎡）", 12, **MONEY), FormColumn("选房工作票", 18)),
        rows=rows, signatures=("大客户部", "营销中心"),
    )


def _part_sections(title: str, parts: tuple[str, ...], columns, row, notes, signatures) -> FormDocument:
    sections = [FormDocument(title=f"{title}（{part}）", columns=columns, rows=[row], notes=notes,
                             signatures=signatures, sheet_name=part) for part in parts]
    first, rest = sections[0], sections[1:]
    return FormDocument(title=first.title, columns=first.columns, rows=first.rows, notes=first.notes,
                        signatures=first.signatures, sheet_name=first.sheet_name, extra_sections=tuple(rest),
                        subtitle=f"一式{len(parts)}联")


def ticket_form(*, actor: User, ticket: SelectionTicket) -> FormDocument:
    red = ticket.kind == FormKind.RED
    row = (ticket.number, ticket.buyer_name, sel.shown_id(actor, ticket.buyer_id_number), ticket.unit.label,
           ticket.area, ticket.unit_price, ticket.total_price, ticket.payment_ratio_percent, ticket.sealing_fee,
           ticket.amount_due)
    columns = (FormColumn("票号", 18), FormColumn("购房人", 10), FormColumn("身份证号", 20), FormColumn("房号", 8),
               FormColumn("面积", 9, **MONEY), FormColumn("单价", 11, **MONEY), FormColumn("总价", 14, **MONEY),
               FormColumn("交款比例", 9, "percent", 2), FormColumn("封户费", 11, **MONEY),
               FormColumn("房款应收", 14, **MONEY))
    notes = [f"享受或放弃的优惠：{ticket.discount_note or '—'}",
             f"复核人：{ticket.reviewer}；开票人：{ticket.issued_by}"]
    if red:
        notes.insert(0, f"红字冲红：冲销原票 {ticket.reverses.number}，收回票据附后（九、(二)2(1)⑦）。"
                        f"原因：{ticket.reason}")
    elif ticket.replaces_id:
        notes.insert(0, f"冲红后重新开具，替换原票 {ticket.replaces.number}。")
    return _part_sections(("红字" if red else "") + "选房工作票", TICKET_PARTS, columns, row, tuple(notes),
                          ("客户签字", "开票人", "复核人"))


def receipt_form(*, actor: User, receipt: Receipt) -> FormDocument:
    columns = (FormColumn("收据号", 18), FormColumn("交款人", 10), FormColumn("款项", 12),
               FormColumn("金额（元）", 14, **MONEY), FormColumn("收款日期", 12, "date"), FormColumn("选房工作票", 18))
    row = (receipt.number, receipt.payer_name, receipt.get_kind_display(), receipt.amount, receipt.received_on,
           receipt.ticket.number)
    return _part_sections("收据", RECEIPT_PARTS, columns, row, (f"开具人：{receipt.issued_by}",),
                          ("交款人", "收款人"))


def voucher_form(*, actor: User, voucher: Voucher) -> FormDocument:
    t = voucher.ticket
    columns = (FormColumn("凭证号", 18), FormColumn("购房人", 10), FormColumn("身份证号", 20), FormColumn("房号", 8),
               FormColumn("总价（元）", 14, **MONEY), FormColumn("房款应收", 14, **MONEY),
               FormColumn("实收金额", 14, **MONEY), FormColumn("选房工作票", 18))
    row = (voucher.number, t.buyer_name, sel.shown_id(actor, t.buyer_id_number), t.unit.label, t.total_price,
           voucher.amount_due, voucher.amount_collected, t.number)
    notes = (f"开具人：{voucher.issued_by}；复核人：{voucher.reviewer}（九、(二)2(4)）",)
    title = "红字选房凭证" if voucher.kind == FormKind.RED else "选房凭证"
    return _part_sections(title, VOUCHER_PARTS, columns, row, notes, ("开具人", "复核人", "客户签字"))
