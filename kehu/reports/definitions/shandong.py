"""002 零售客户管理办法 6.6.3: the five monthly forms due on the 5th (附录3–7).

The seed gives the article but not the appendices' layouts; the columns below are what 6.6.1/6.6.2 ask to track
(加油周期、加油量、消费动态、流失情况 …) in the grading pack's terms (3.2 规模, 6.3 管理级别). docs/reports.md lists
each form's columns and the reading behind it.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

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
    assigned, with last month's grade and the movement. Two queries: both schemes' assignments of the month, pivoted
    per customer, and the regrade run that wrote them."""
    from django.db.models import Max, Q
    from django.db.models.fields.json import KT
    from django.utils.timezone import localtime

    from kehu.policy.models import GradeAssignment, RegradeRun
    from kehu.reports.definitions.fuel import fetch_tuples

    period = ctx.period.key
    base = GradeAssignment.objects.filter(
        ctx.customer_q("customer__"), institutional_q("customer__"), pack_name=PACK, period=period,
        scheme_code__in=(SIZE_SCHEME, LEVEL_SCHEME))
    # One row per customer: both schemes pivoted in SQL, only the three metrics the form prints taken out of the
    # JSON (decoding 160,000 metric documents in Python cost more than the query).
    size, level = Q(scheme_code=SIZE_SCHEME), Q(scheme_code=LEVEL_SCHEME)
    pivot = base.values("customer_id", "customer__code", "customer__name", "customer__unit__name",
                        "customer__owner__display_name", "customer__owner__username").annotate(
        size_grade=Max("grade", filter=size), size_previous=Max("previous_grade", filter=size),
        size_direction=Max("direction", filter=size), size_article=Max("article", filter=size),
        level_grade=Max("grade", filter=level), level_previous=Max("previous_grade", filter=level),
        level_direction=Max("direction", filter=level), level_article=Max("article", filter=level),
        gasoline=Max(KT("metrics__gasoline_month_t")), diesel=Max(KT("metrics__diesel_month_t")),
        card=Max(KT("metrics__anonymous_card_year_amount")),
    ).order_by("customer__code")
    by_customer: dict[int, dict] = {}
    for (cid, code, name, unit, owner_name, owner_user, s_grade, s_prev, s_dir, s_art, l_grade, l_prev, l_dir, l_art,
         gasoline, diesel, card) in fetch_tuples(pivot):
        by_customer[cid] = {
            "code": code, "name": name, "unit": unit or "", "owner": person(owner_name, owner_user),
            SIZE_SCHEME: (s_grade, s_prev, s_dir or "same", s_art or ""),
            LEVEL_SCHEME: (l_grade, l_prev, l_dir or "same", l_art or ""),
            "metrics": {"gasoline_month_t": gasoline, "diesel_month_t": diesel, "anonymous_card_year_amount": card},
        }
    run = (RegradeRun.objects.filter(pack_name=PACK, period=period, status="succeeded").order_by("-finished_at")
           .values_list("finished_at", "pack_version").first())
    last_computed, versions = (run[0], {run[1]}) if run else (None, set())
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
        when = f"（计算于 {localtime(last_computed):%Y-%m-%d %H:%M}）" if last_computed else ""
        notes.append(f"等级取自 {ctx.period.label} 的重新分级结果{when}；"
                     f"各项依据中达到的最高级别即为客户级别（3.2、6.3.1）。")
    return ReportResult(tables=[detail, summary], notes=notes, pack_version=",".join(sorted(versions)))


GRADE_TABLE = ReportDefinition(
    code="sd_grade_table", title="机构客户月度等级管理表", form_ref="002 附录5", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("grade_table"), build=build_grade_table, pack=PACK,
    units_text="吨、元", order=13,
    description="机构客户本月的规模（大型/中型/小型，3.2）与管理级别（省级/地市级/区县级/站级，6.3），与上月比较的升降。",
)



# ----- the tracking and churn forms (6.6.1–6.6.3) ----------------------------------------------------------------


def _churn_text(row) -> str:
    return "；".join(r.text for r in row.churn)


def _status(row, month, churn_ready: bool) -> str:
    if row.churn:
        return "流失：" + "、".join(dict.fromkeys(_rule_label(month, r.rule) for r in row.churn))
    if month.is_new(row):
        return "本月新开发"
    if not row.pickups:
        return "本月未加油"
    return "正常" if churn_ready else "正常（流失标准未设定）"


def _rule_label(month, code: str) -> str:
    return month.rule_labels.get(code, code)


def _fuel(ctx: ReportContext):
    from kehu.reports.definitions.fuel import fuel_month

    return fuel_month(ctx)


def _churn_notes(month) -> list[str]:
    if month.churn_problem:
        return [month.churn_problem + "：请管理员在“分级 → 管理员设定值（shandong-retail）”中设定。"]
    spec = month.churn_spec
    parts = []
    for rule in spec.rules:
        limit = month.churn_thresholds[rule.code]
        unit = "天" if rule.kind == "no_pickup_days" else "%"
        what = "连续未加油达到" if rule.kind == "no_pickup_days" else "本月加油量较去年同月下降达到"
        parts.append(f"{what} {limit.normalize():f}{unit}（含，{rule.citation.article}）")
    groups = "、".join(spec.product_groups) or "全部产品"
    return [f"流失标准（{spec.citation.article}）：{'，或'.join(parts)}；只计{groups}。连续未加油的客户在天数达到标准的"
            f"当月计入一次。"]


def build_tracking_detail(ctx: ReportContext) -> ReportResult:
    """附录6: every institutional customer's month — volume by fuel, pickups and their interval (加油周期), the last
    pickup, last month and the same month last year, visits, and the customer's state (6.6.1, 6.6.2)."""
    from kehu.reports.definitions.common import change_percent

    month = _fuel(ctx)
    churn_ready = not month.churn_problem
    rows = []
    for n, r in enumerate(month.rows, start=1):
        rows.append([
            n, r.code, r.name, r.unit_name, r.owner, r.level, tons(r.gasoline), tons(r.diesel), tons(r.fuel_tons),
            yuan(r.card), yuan(r.amount), r.pickups, r.interval_days, r.last_pickup, tons(r.counted_previous),
            change_percent(r.counted, r.counted_previous), tons(r.counted_last_year),
            change_percent(r.counted, r.counted_last_year), r.visits, _status(r, month, churn_ready),
        ])
    columns = [
        seq_col(), col("客户编码", width=11), col("客户名称", width=24), col("管理单位", width=12),
        col("客户经理", width=9), col("管理级别", width=8), col("汽油（吨）", "decimal", 10, 3),
        col("柴油（吨）", "decimal", 10, 3), col("油品合计（吨）", "decimal", 10, 3),
        col("不记名卡（元）", "decimal", 12, 2), col("金额（元）", "decimal", 13, 2), col("加油次数", "int", 7),
        col("平均间隔（天）", "decimal", 8, 1), col("最后加油日期", "date", 11), col("上月（吨）", "decimal", 10, 3),
        col("环比（%）", "percent", 8, 1), col("去年同月（吨）", "decimal", 10, 3), col("同比（%）", "percent", 8, 1),
        col("回访次数", "int", 7), col("客户动态", width=18),
    ]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("客户编码", rowspan=2), HeaderCell("客户名称", rowspan=2),
         HeaderCell("管理单位", rowspan=2), HeaderCell("客户经理", rowspan=2), HeaderCell("管理级别", rowspan=2),
         HeaderCell("本月加油量", colspan=5), HeaderCell("加油周期", colspan=3), HeaderCell("与上月比", colspan=2),
         HeaderCell("与去年同月比", colspan=2), HeaderCell("本月回访次数", rowspan=2),
         HeaderCell("客户动态", rowspan=2)],
        [HeaderCell("汽油（吨）"), HeaderCell("柴油（吨）"), HeaderCell("合计（吨）"), HeaderCell("不记名卡（元）"),
         HeaderCell("金额（元）"), HeaderCell("次数"), HeaderCell("平均间隔（天）"), HeaderCell("最后加油日期"),
         HeaderCell("上月（吨）"), HeaderCell("环比（%）"), HeaderCell("去年同月（吨）"), HeaderCell("同比（%）")],
    ]

    def total(i):
        return sum((row[i] for row in rows), tons(0) if i < 9 or i in (14, 16) else yuan(0))

    now, before, last_year = total(8), total(14), total(16)
    totals = ["合计", f"{len(rows)} 户", "", "", "", "", total(6), total(7), now, total(9), total(10),
              sum(row[11] for row in rows), None, None, before, change_percent(now, before), last_year,
              change_percent(now, last_year), sum(row[18] for row in rows),
              f"流失 {sum(1 for r in month.rows if r.churn)} 户" if churn_ready else ""]
    table = ReportTable("detail", "明细", columns, rows, header_rows=header, totals=totals)
    notes = ["同比、环比按汽油与柴油合计计算；平均间隔为本月相邻两次加油的平均天数（6.6.1 加油周期）。"
             f"最后加油日期查至 {month.lookback:%Y-%m-%d}，更早的为空。", *_churn_notes(month)]
    return ReportResult(tables=[table], notes=notes)


def _child_units(ctx: ReportContext) -> list:
    from kehu.org.models import OrgUnit

    return list(OrgUnit.objects.filter(parent=ctx.unit).order_by("path").only("pk", "name", "path"))


def build_tracking_summary(ctx: ReportContext) -> ReportResult:
    """附录4: the month per unit one level below the reporting unit (its own customers on the 本级 line)."""
    from kehu.reports.definitions.common import change_percent

    month = _fuel(ctx)
    churn_ready = not month.churn_problem
    children = _child_units(ctx)
    lines: dict[str, dict] = {}
    order = [u.name for u in children]

    def line_for(row) -> str:
        for unit in children:
            if row.unit_path.startswith(unit.path):
                return unit.name
        return f"{ctx.unit.name}（本级）"

    for r in month.rows:
        key = line_for(r)
        t = lines.setdefault(key, Counter())
        t["customers"] += 1
        t[f"size:{r.size}"] += 1
        t["new"] += month.is_new(r)
        t["active"] += bool(r.pickups)
        t["churned"] += bool(r.churn)
        t["visits"] += r.visits
        for k, v in (("gasoline", r.gasoline), ("diesel", r.diesel), ("card", r.card),
                     ("last_year", r.counted_last_year), ("counted", r.counted)):
            t[k] += v
    keys = [k for k in order if k in lines] + [k for k in lines if k not in order]
    rows = []
    for n, key in enumerate(keys, start=1):
        t = lines[key]
        rows.append(_summary_row(n, key, t, churn_ready, change_percent))
    grand = Counter()
    for t in lines.values():
        grand.update(t)
    totals = _summary_row("合计", "", grand, churn_ready, change_percent)
    totals[1] = f"{len(rows)} 个单位"
    columns = [
        seq_col(), col("单位", width=18), col("机构客户数", "int", 8), col("大型", "int", 6), col("中型", "int", 6),
        col("小型", "int", 6), col("本月新开发", "int", 8), col("本月加油客户", "int", 8), col("本月未加油", "int", 8),
        col("本月流失", "int", 7), col("汽油（吨）", "decimal", 11, 3), col("柴油（吨）", "decimal", 11, 3),
        col("合计（吨）", "decimal", 11, 3), col("不记名卡（元）", "decimal", 13, 2),
        col("去年同月（吨）", "decimal", 11, 3), col("同比（%）", "percent", 8, 1), col("回访次数", "int", 7),
    ]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("单位", rowspan=2), HeaderCell("机构客户", colspan=4),
         HeaderCell("本月动态", colspan=4), HeaderCell("本月加油量", colspan=4),
         HeaderCell("去年同月（吨）", rowspan=2),
         HeaderCell("同比（%）", rowspan=2), HeaderCell("回访次数", rowspan=2)],
        [HeaderCell("合计"), HeaderCell("大型"), HeaderCell("中型"), HeaderCell("小型"), HeaderCell("新开发"),
         HeaderCell("加油客户"), HeaderCell("未加油"), HeaderCell("流失"), HeaderCell("汽油（吨）"),
         HeaderCell("柴油（吨）"),
         HeaderCell("合计（吨）"), HeaderCell("不记名卡（元）")],
    ]
    table = ReportTable("summary", "汇总", columns, rows, header_rows=header, totals=totals)
    notes = ["大型/中型/小型取本月分级结果（3.2）；新开发为本月建档的机构客户；同比按汽油与柴油合计。",
             *_churn_notes(month)]
    return ReportResult(tables=[table], notes=notes)


def _summary_row(n, key, t, churn_ready, change_percent) -> list:
    fuel = t["gasoline"] + t["diesel"]
    return [n, key, t["customers"], t["size:大型"], t["size:中型"], t["size:小型"], t["new"], t["active"],
            t["customers"] - t["active"], t["churned"] if churn_ready else None, tons(t["gasoline"]),
            tons(t["diesel"]), tons(fuel), yuan(t["card"]), tons(t["last_year"]),
            change_percent(t["counted"], t["last_year"]), t["visits"]]


def build_churn_statistics(ctx: ReportContext) -> ReportResult:
    """附录3: the institutional customers counted as churned this month, each with every reason (the rule, the
    figures and the article), and the count and lost volume per unit."""
    month = _fuel(ctx)
    if month.churn_problem:
        return ReportResult(tables=[], source_missing=month.churn_problem + "（管理员在“分级 → 管理员设定值”中设定）")
    churned = [r for r in month.rows if r.churn]
    rows = []
    for n, r in enumerate(churned, start=1):
        days = (ctx.period.end - r.last_pickup).days if r.last_pickup else None
        from kehu.reports.definitions.common import change_percent

        drop = change_percent(r.counted, r.counted_last_year)
        rows.append([n, r.code, r.name, r.unit_name, r.owner, r.level, r.last_pickup, days, tons(r.counted),
                     tons(r.counted_last_year), -drop if drop is not None else None,
                     "、".join(dict.fromkeys(_rule_label(month, x.rule) for x in r.churn)), _churn_text(r)])
    columns = [
        seq_col(), col("客户编码", width=11), col("客户名称", width=22), col("管理单位", width=12),
        col("客户经理", width=9), col("管理级别", width=8), col("最后加油日期", "date", 11),
        col("未加油天数", "int", 8), col("本月加油量（吨）", "decimal", 10, 3), col("去年同月（吨）", "decimal", 10, 3),
        col("同比下降（%）", "percent", 9, 1),
        col("流失类型", width=14), col("流失原因（判定依据）", width=48),
    ]
    lost = sum((max(r.counted_last_year - r.counted, tons(0)) for r in churned), tons(0))
    totals = ["合计", f"{len(rows)} 户", "", "", "", "", None, None, sum((r[8] for r in rows), tons(0)),
              sum((r[9] for r in rows), tons(0)), None, "", f"较去年同月减少 {tons(lost)} 吨"]
    detail = ReportTable("detail", "流失客户明细", columns, rows, totals=totals)

    by_unit: dict[str, Counter] = {}
    for r in month.rows:
        t = by_unit.setdefault(r.unit_name or "（未指定单位）", Counter())
        t["customers"] += 1
        if r.churn:
            t["churned"] += 1
            for rule in dict.fromkeys(x.rule for x in r.churn):
                t[f"rule:{rule}"] += 1
            t["lost"] += max(r.counted_last_year - r.counted, Decimal(0))
    spec = month.churn_spec
    summary_rows = []
    for n, (unit, t) in enumerate(sorted(by_unit.items()), start=1):
        rate = (Decimal(t["churned"]) * 100 / t["customers"]).quantize(Decimal("0.1")) if t["customers"] else None
        summary_rows.append([n, unit, t["customers"], t["churned"], *[t[f"rule:{r.code}"] for r in spec.rules],
                             rate, tons(t["lost"])])
    summary = ReportTable(
        "by_unit", "按单位汇总",
        [seq_col(), col("管理单位", width=18), col("机构客户数", "int", 9), col("流失户数", "int", 9),
         *[col(f"其中{r.label}", "int", 10) for r in spec.rules], col("流失率（%）", "percent", 9, 1),
         col("减少加油量（吨）", "decimal", 12, 3)],
        summary_rows,
    )
    return ReportResult(tables=[detail, summary], notes=_churn_notes(month))


TRACKING_DETAIL = ReportDefinition(
    code="sd_tracking_detail", title="机构客户月度跟踪管理明细表", form_ref="002 附录6", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("tracking_detail"), build=build_tracking_detail,
    pack=PACK, units_text="吨、元、天", order=11,
    description="每个机构客户本月的加油量、加油周期、与上月及去年同月的比较、回访与客户动态（6.6.1、6.6.2）。",
)
TRACKING_SUMMARY = ReportDefinition(
    code="sd_tracking_summary", title="机构客户月度跟踪管理汇总表", form_ref="002 附录4", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("tracking_summary"), build=build_tracking_summary,
    pack=PACK, units_text="户、吨、元", order=12,
    description="按下级单位汇总机构客户数、规模、新开发、加油、流失、加油量与同比。",
)
CHURN_STATISTICS = ReportDefinition(
    code="sd_churn_statistics", title="机构客户流失统计表", form_ref="002 附录3", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("churn_statistics"), build=build_churn_statistics,
    pack=PACK, units_text="户、吨", order=14,
    description="本月计为流失的机构客户，每户写明判定依据（连续未加油天数或同比下降幅度），按单位汇总流失率。",
)


# ----- 附录7 零售客户开发计划完成统计表 ----------------------------------------------------------------------


def build_plan_completion(ctx: ReportContext) -> ReportResult:
    """附录7 from the development app's plans (`kehu.development.selectors.plan_completion`): plan completion is
    computed there from admitted customers (6.5.3)."""
    from kehu.reports.sources import development_plan_completion

    data = development_plan_completion(actor=ctx.actor, period=ctx.period, unit=ctx.unit)
    columns = [
        seq_col(), col("单位", width=20), col("机构客户计划", "int", 10), col("机构客户完成", "int", 10),
        col("机构客户完成率（%）", "percent", 10, 1), col("个人卡客户计划", "int", 10),
        col("个人卡客户完成", "int", 10),
        col("个人卡客户完成率（%）", "percent", 10, 1), col("备注", width=24),
    ]
    header = [
        [HeaderCell("序号", rowspan=2), HeaderCell("单位", rowspan=2), HeaderCell("机构客户开发", colspan=3),
         HeaderCell("个人卡客户开发", colspan=3), HeaderCell("备注", rowspan=2)],
        [HeaderCell("计划"), HeaderCell("完成"), HeaderCell("完成率（%）"), HeaderCell("计划"), HeaderCell("完成"),
         HeaderCell("完成率（%）")],
    ]
    targets = _development_targets()
    rows = []
    sums = Counter()
    for n, line in enumerate(data.rows, start=1):
        rows.append([n, line.unit, line.institutional_target, line.institutional_done,
                     _rate(line.institutional_done, line.institutional_target), line.card_target, line.card_done,
                     _rate(line.card_done, line.card_target), line.note])
        for k in ("institutional_target", "institutional_done", "card_target", "card_done"):
            sums[k] += getattr(line, k) or 0
    totals = ["合计", f"{len(rows)} 个单位", sums["institutional_target"], sums["institutional_done"],
              _rate(sums["institutional_done"], sums["institutional_target"]), sums["card_target"], sums["card_done"],
              _rate(sums["card_done"], sums["card_target"]), ""]
    table = ReportTable("completion", "完成情况", columns, rows, header_rows=header, totals=totals)
    return ReportResult(tables=[table], notes=targets)


def _rate(done, target):
    if not target:
        return None
    return (Decimal(done or 0) * 100 / Decimal(target)).quantize(Decimal("0.1"))


def _development_targets() -> list[str]:
    from kehu.policy.selectors import pack_get

    texts = [f"{s.name}：{s.target}（{s.citation.article}）" for s in pack_get(PACK).workflows.schedules if s.target]
    return ["开发目标：" + "；".join(texts)] if texts else []


PLAN_COMPLETION = ReportDefinition(
    code="sd_plan_completion", title="零售客户开发计划完成统计表", form_ref="002 附录7", regulation=REGULATION,
    article=ARTICLE, quote=QUOTE_663, cadence="month", due=_due("plan_completion"), build=build_plan_completion,
    pack=PACK, units_text="户", order=15,
    description="各单位本月机构客户与个人卡客户开发计划的完成情况（计划取自开发计划，完成数按准入的客户计算，6.5.3）。",
)

DEFINITIONS = (TRACKING_DETAIL, TRACKING_SUMMARY, GRADE_TABLE, CHURN_STATISTICS, PLAN_COMPLETION)
