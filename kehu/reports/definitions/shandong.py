"""002 零售客户管理办法 6.6.3: the five monthly forms due on the 5th (附录3–7).

The seed gives the article but not the appendices' layouts; the columns below are what 6.6.1/6.6.2 ask to track
(加油周期、加油量、消费动态、流失情况 …) in the grading pack's terms (3.2 规模, 6.3 管理级别). docs/reports.md lists
each form's columns and the reading behind it.
"""

from __future__ import annotations

from collections import Counter

from kehu.core.documents import HeaderCell
from kehu.reports.definitions.common import DIRECTION_TEXT, col, person, seq_col, tons, yuan
from kehu.reports.registry import DueRule, ReportContext, ReportDefinition, ReportResult, ReportTable

PACK = "shandong-retail"
REGULATION = "零售客户管理办法（QG/SDXS 360-2012）"
ARTICLE = "6.6.3"
QUOTE_663 = "客户跟踪管理实行月度统计,每月5日完成"
INSTITUTION = "机构"  # 6.2.1 customer_kind
SIZE_SCHEME = "institution_size"
LEVEL_SCHEME = "management_level"


def _due(schedule: str) -> tuple[DueRule, ...]:
    # "每月5日完成": a calendar day (the article does not count working days), from the pack's schedule.
    return (DueRule(article=ARTICLE, quote=QUOTE_663, pack=PACK, schedule=schedule),)


def institutional_q(prefix: str = ""):
    from django.db.models import Q

    return Q(**{f"{prefix}classifications__customer_kind": INSTITUTION})


# ----- 附录5 机构客户月度等级管理表 -------------------------------------------------------------------------------


def build_grade_table(ctx: ReportContext) -> ReportResult:
    """Every institutional customer's 规模 (3.2) and 管理级别 (6.3) for the month, from the grades the policy app
    assigned, with last month's grade and the movement. One query (both schemes' assignments of the month)."""
    from django.utils.timezone import localtime

    from kehu.policy.models import GradeAssignment

    period = ctx.period.key
    base = GradeAssignment.objects.filter(
        ctx.customer_q("customer__"), institutional_q("customer__"), pack_name=PACK, period=period,
        scheme_code__in=(SIZE_SCHEME, LEVEL_SCHEME))
    rows_raw = list(base.values_list(
        "customer_id", "customer__code", "customer__name", "customer__unit__name", "customer__owner__display_name",
        "customer__owner__username", "scheme_code", "grade", "previous_grade", "direction", "metrics", "article",
        "pack_version", "computed_at").order_by("customer__code", "scheme_code"))
    by_customer: dict[int, dict] = {}
    versions: set[str] = set()
    last_computed = None
    for (cid, code, name, unit, owner_name, owner_user, scheme, grade, previous, direction, metrics, article,
         version, computed_at) in rows_raw:
        entry = by_customer.setdefault(cid, {"code": code, "name": name, "unit": unit or "",
                                             "owner": person(owner_name, owner_user), "metrics": {}})
        entry[scheme] = (grade, previous, direction, article)
        entry["metrics"].update(metrics or {})
        versions.add(version)
        last_computed = computed_at if last_computed is None or computed_at > last_computed else last_computed
    rows, counts_now, counts_before, moves = [], Counter(), Counter(), Counter()
    for n, entry in enumerate(by_customer.values(), start=1):
        size = entry.get(SIZE_SCHEME, (None, None, "same", ""))
        level = entry.get(LEVEL_SCHEME, (None, None, "same", ""))
        m = entry["metrics"]
        changes = []
        for label, (grade, previous, direction, _article) in (("规模", size), ("级别", level)):
            if direction in ("up", "down"):
                changes.append(f"{label}{DIRECTION_TEXT[direction]}（{previous or '—'}→{grade or '—'}）")
            elif direction == "new" and grade:
                changes.append(f"{label}首次评定")
        for scheme, (grade, previous, direction, _a) in ((SIZE_SCHEME, size), (LEVEL_SCHEME, level)):
            if grade:
                counts_now[(scheme, grade)] += 1
                if direction in ("up", "down"):
                    moves[(scheme, grade, direction)] += 1
            if previous:
                counts_before[(scheme, previous)] += 1
        articles = "、".join(sorted({a for *_x, a in (size, level) if a}))
        rows.append([
            n, entry["code"], entry["name"], entry["unit"], entry["owner"],
            tons(m.get("gasoline_month_t")), tons(m.get("diesel_month_t")), yuan(m.get("anonymous_card_year_amount")),
            size[1] or "", size[0] or "", level[1] or "", level[0] or "", "；".join(changes) or "不变", articles,
        ])
    columns = [
        seq_col(), col("客户编码", width=12), col("客户名称", width=26), col("管理单位", width=14),
        col("客户经理", width=10), col("汽油月需求量（吨）", "decimal", 11, 3),
        col("柴油月需求量（吨）", "decimal", 11, 3),
        col("不记名卡年采购额（元）", "decimal", 14, 2), col("上月规模", width=8), col("本月规模", width=8),
        col("上月级别", width=8), col("本月级别", width=8), col("等级变动", width=22), col("依据条款", width=14),
    ]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户编码", rowspan=2), HeaderCell("客户名称", rowspan=2),
         HeaderCell("管理单位", rowspan=2), HeaderCell("客户经理", rowspan=2),
         HeaderCell("本月需求量（3.2）", colspan=3),
         HeaderCell("机构客户规模（3.2）", colspan=2), HeaderCell("客户管理级别（6.3）", colspan=2),
         HeaderCell("等级变动", rowspan=2), HeaderCell("依据条款", rowspan=2)],
        [HeaderCell("汽油（吨）"), HeaderCell("柴油（吨）"), HeaderCell("不记名卡年采购额（元）"), HeaderCell("上月"),
         HeaderCell("本月"), HeaderCell("上月"), HeaderCell("本月")],
    ]
    total_row = ["合计", f"{len(rows)} 户", "", "", "", sum((r[5] for r in rows), tons(0)),
                 sum((r[6] for r in rows), tons(0)), sum((r[7] for r in rows), yuan(0)), "", "", "", "", "", ""]
    detail = ReportTable("detail", "明细", columns, rows, header_rows=header, totals=total_row)

    summary_rows = []
    from kehu.policy.selectors import pack_get

    pack = pack_get(PACK)
    for scheme_code, label in ((SIZE_SCHEME, "机构客户规模（3.2）"), (LEVEL_SCHEME, "客户管理级别（6.3）")):
        scheme = pack.scheme(scheme_code)
        for grade in reversed(scheme.grades):
            summary_rows.append([
                label, grade.name, counts_before[(scheme_code, grade.code)], counts_now[(scheme_code, grade.code)],
                moves[(scheme_code, grade.code, "up")], moves[(scheme_code, grade.code, "down")],
            ])
    summary = ReportTable(
        "summary", "等级汇总",
        [col("分级", width=20), col("等级", width=16), col("上月户数", "int", 10), col("本月户数", "int", 10),
         col("本月升入", "int", 10), col("本月降入", "int", 10)],
        summary_rows,
    )
    notes = []
    if not rows:
        notes.append(f"{ctx.period.label}尚未按 {PACK} 评定机构客户等级（或本单位没有机构客户）："
                     "请先在“分级”中对该月执行重新分级。")
    else:
        notes.append(f"等级取自 {ctx.period.label} 的重新分级结果（计算于 {localtime(last_computed):%Y-%m-%d %H:%M}）；"
                     f"各项依据中达到的最高级别即为客户级别（3.2、6.3.1）。")
    return ReportResult(tables=[detail, summary], notes=notes, pack_version=",".join(sorted(versions)))


GRADE_TABLE = ReportDefinition(
    code="sd_grade_table", title="机构客户月度等级管理表", form_ref="002 附录5", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("grade_table"), build=build_grade_table, pack=PACK,
    units_text="吨、元", order=13,
    description="机构客户本月的规模（大型/中型/小型，3.2）与管理级别（省级/地市级/区县级/站级，6.3），与上月比较的升降。",
)

DEFINITIONS = (GRADE_TABLE,)
