"""Development plans (002 6.5.3 《零售客户月度开发计划》; 000 第六条(二) quarterly plan per 客户经理) and
progress reports (000 第六条(三) 周总结、月汇报). Targets are checked against the pack's minimums; completion is
never typed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kehu.core.errors import ConflictError, ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.development.models import (
    DevelopmentPlan,
    PlanLine,
    PlanStatus,
    ProgressReport,
    Prospect,
    ProspectStatus,
    TargetCategory,
)
from kehu.development.rules import (
    ancestor_ids,
    development_rules,
    manages_unit,
    pack_name_for_unit,
    period_bounds,
    plan_due_on,
)
from kehu.org.models import OrgUnit, OrgUnitKind, User

PLAN_KIND = "development_plan"
# 002 6.5.3: institutional targets are set per county, card targets per station.
CATEGORY_UNIT_KIND = {"county": OrgUnitKind.COUNTY, "station": OrgUnitKind.STATION}


@dataclass(frozen=True)
class LineInput:
    category: str
    target: int
    unit: OrgUnit | None = None
    assignee: User | None = None
    deadline: date | None = None
    budget: Decimal | None = None
    prospect_ids: tuple[int, ...] = field(default=())
    note: str = ""


def _plan_lock(plan_id: int) -> DevelopmentPlan:
    return DevelopmentPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan_id)


def _check_manages(actor: User, unit: OrgUnit) -> None:
    if not manages_unit(actor, unit):
        raise ValidationError({"unit": f"您不管理“{unit}”，不能为其编制或报送开发计划。"})


def _line_errors(dev, unit: OrgUnit, lines: list[LineInput], period_start: date, period_end: date) -> list[str]:
    """Every problem with the lines, as sentences naming the line and the article."""
    plan_rule = dev.plan
    article = f"{plan_rule.citation.article}"
    errors: list[str] = []
    targets = {t.category: t for t in dev.targets}
    seen: set[tuple] = set()
    subtree_units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=unit.path, is_active=True)}
    prospect_ids = {pid for line in lines for pid in line.prospect_ids}
    prospects = {p.pk: p for p in Prospect.objects.filter(pk__in=prospect_ids).select_related("unit")}
    for n, line in enumerate(lines, start=1):
        label = f"第{n}行"
        if line.category not in TargetCategory.values:
            errors.append(f"{label}：未知的客户类别 {line.category!r}。")
            continue
        try:
            target = int(line.target)
        except (TypeError, ValueError):
            errors.append(f"{label}：开发目标须为整数。")
            continue
        if target < 0 or target != line.target:
            errors.append(f"{label}：开发目标须为不小于0的整数。")
        rule = targets.get(line.category)
        if plan_rule.lines_by == "unit":
            if line.unit is None:
                errors.append(f"{label}：请选择区县或加油站（{article} 按区县、加油站安排开发计划）。")
                continue
            if line.assignee is not None:
                errors.append(f"{label}：本办法的开发计划按单位分解，不指定客户经理。")
            if line.unit.pk not in subtree_units:
                errors.append(f"{label}：“{line.unit}”不属于“{unit}”，不能列入本单位的计划。")
            needed = CATEGORY_UNIT_KIND.get(rule.per) if rule else None
            if needed and line.unit.kind != needed:
                errors.append(f"{label}：{rule.name}应按{OrgUnitKind(needed).label}安排（{rule.citation.article}），"
                              f"“{line.unit}”是{line.unit.get_kind_display()}。")
            key = (line.category, "unit", line.unit.pk)
        else:
            if line.assignee is None:
                errors.append(f"{label}：请选择客户经理（{article}：分解至客户经理组织实施）。")
                continue
            assignee_unit = line.assignee.unit
            if not line.assignee.is_active:
                errors.append(f"{label}：客户经理“{line.assignee}”已停用。")
            elif assignee_unit is None or not assignee_unit.path.startswith(unit.path):
                errors.append(f"{label}：客户经理“{line.assignee}”不在“{unit}”，不能分解给他。")
            key = (line.category, "assignee", line.assignee.pk)
        if key in seen:
            errors.append(f"{label}：与前面的行重复（同一类别、同一对象只能有一行）。")
        seen.add(key)
        if "deadline" in plan_rule.requires and line.deadline is None:
            errors.append(f"{label}：请填写完成时间（{article}：明确开发目标、完成时间及相应的费用预算）。")
        if line.deadline is not None and line.deadline < period_start:
            errors.append(f"{label}：完成时间不能早于计划期间的开始（{period_start}）。")
        if "budget" in plan_rule.requires and line.budget is None:
            errors.append(f"{label}：请填写费用预算（{article}）。")
        if line.budget is not None:
            try:
                budget = Decimal(line.budget)
                if not budget.is_finite() or budget < 0:
                    errors.append(f"{label}：费用预算不能为负数。")
            except (InvalidOperation, ValueError, TypeError):
                errors.append(f"{label}：费用预算须为金额。")
        for pid in line.prospect_ids:
            p = prospects.get(pid)
            if p is None or not p.unit.path.startswith(unit.path):
                errors.append(f"{label}：重点开发客户 {pid} 不存在或不属于“{unit}”。")
            elif p.status in (ProspectStatus.CONVERTED, ProspectStatus.DROPPED):
                errors.append(f"{label}：重点开发客户“{p.name}”{p.get_status_display()}。")
        if rule and rule.rule == "each" and 0 <= target < rule.minimum:
            errors.append(f"{label}：{rule.name}每个{_per_label(rule.per)}不少于{rule.minimum}个"
                          f"（{rule.citation.article}），本行为{target}个。")
    errors.extend(_coverage_errors(dev, unit, lines, subtree_units))
    return errors


def _per_label(per: str) -> str:
    return {"county": "区县", "station": "加油站", "assignee": "客户经理"}.get(per, per)


def _coverage_errors(dev, unit: OrgUnit, lines: list[LineInput], subtree_units: dict[int, OrgUnit]) -> list[str]:
    """002 6.5.3: every county where the unit's stations operate has an institutional target of at least 1; the
    card targets average at least 10 per station."""
    errors: list[str] = []
    stations = [u for u in subtree_units.values() if u.kind == OrgUnitKind.STATION]
    for rule in dev.targets:
        mine = [ln for ln in lines if ln.category == rule.category and ln.unit is not None]
        if rule.per == "county" and rule.rule == "each":
            county_ids = {s.parent_id for s in stations if s.parent_id in subtree_units
                          and subtree_units[s.parent_id].kind == OrgUnitKind.COUNTY}
            planned = {ln.unit.pk for ln in mine}
            missing = sorted((subtree_units[c] for c in county_ids - planned), key=lambda u: u.path)
            if missing:
                errors.append(f"{rule.name}：每个区县月度开发数量不少于{rule.minimum}个（{rule.citation.article}），"
                              f"以下区县没有计划：{'、'.join(u.name for u in missing)}。")
        if rule.per == "station" and rule.rule == "average" and stations:
            total = sum(int(ln.target) for ln in mine if isinstance(ln.target, int))
            needed = rule.minimum * len(stations)
            if total < needed:
                errors.append(f"{rule.name}：站均不少于{rule.minimum}个（{rule.citation.article}），"
                              f"{len(stations)}座加油站合计至少{needed}个，计划合计{total}个。")
    return errors


def development_plan_save(*, actor: User, unit: OrgUnit, period_start: date, lines: list[LineInput], note: str = "",
                          plan: DevelopmentPlan | None = None, expected_version: int | None = None
                          ) -> DevelopmentPlan:
    """Create or correct (draft / returned) a unit's plan for a period; every line is checked against the pack."""
    require_perm(actor, "development.add_developmentplan", "您没有编制客户开发计划的权限。")
    _check_manages(actor, unit)
    pack_name = pack_name_for_unit(unit)
    dev = development_rules(pack_name)
    if dev is None or dev.plan is None:
        raise ValidationError({"unit": f"“{unit}”适用的政策包 {pack_name} 没有规定客户开发计划。"})
    start, end = period_bounds(dev.plan.period, period_start)
    if start != period_start:
        what = "月" if dev.plan.period == "month" else "季度"
        raise ValidationError({"period_start": f"计划期间须从{what}的第一天开始（{start}）。"})
    if end < timezone.localdate():
        raise ValidationError({"period_start": f"{start:%Y-%m} 的计划期间已结束，不能再编制计划。"})
    if not lines:
        raise ValidationError({"lines": ["请至少填写一行开发目标。"]})
    errors = _line_errors(dev, unit, lines, start, end)
    if errors:
        raise ValidationError({"lines": errors})
    with transaction.atomic():
        if plan is None:
            if DevelopmentPlan.objects.filter(unit=unit, period=dev.plan.period, period_start=start).exists():
                raise ValidationError({"period_start": f"“{unit}”{start:%Y-%m} 的开发计划已存在，请在原计划上修改。"})
            plan = DevelopmentPlan(pack_name=pack_name, unit=unit, period=dev.plan.period, period_start=start,
                                   period_end=end, due_on=plan_due_on(dev, start), created_by=actor)
        else:
            plan = _plan_lock(plan.pk)
            if plan.unit_id != unit.pk or plan.period_start != start:
                raise ServiceError("不能更改已有计划的编制单位或期间。", field="unit")
            if not plan.editable:
                raise ServiceError(f"计划{plan.get_status_display()}，不能修改。", field="status")
            if expected_version is not None and plan.version != expected_version:
                raise ConflictError("保存冲突：在您编辑期间，此计划已被他人修改，请刷新后重试。",
                                    current={"version": plan.version}, submitted={"version": expected_version},
                                    current_version=plan.version)
            plan.version += 1
            plan.lines.all().delete()
        plan.note = note
        plan._history_user = actor
        plan._change_reason = "编制开发计划"
        plan.save()
        rows = [PlanLine(plan=plan, category=ln.category, unit=ln.unit, assignee=ln.assignee, target=int(ln.target),
                         deadline=ln.deadline, budget=ln.budget, note=(ln.note or "")[:200]) for ln in lines]
        created = bulk_create_with_history(rows, PlanLine, default_user=actor, default_change_reason="编制开发计划")
        through = PlanLine.prospects.through
        through.objects.bulk_create([through(planline_id=row.pk, prospect_id=pid)
                                     for row, ln in zip(created, lines, strict=True) for pid in ln.prospect_ids])
    return plan


def plan_regulation_lines(*, unit: OrgUnit) -> list[LineInput]:
    """The lines the regulation's minimums require for a unit (002 6.5.3): one institutional line of the minimum
    per county where the unit has stations, card lines that bring the station average to the minimum."""
    dev = development_rules(pack_name_for_unit(unit))
    if dev is None or dev.plan is None or dev.plan.lines_by != "unit":
        return []
    units = list(OrgUnit.objects.filter(path__startswith=unit.path, is_active=True).order_by("path"))
    by_id = {u.pk: u for u in units}
    stations = [u for u in units if u.kind == OrgUnitKind.STATION]
    out: list[LineInput] = []
    for rule in dev.targets:
        if rule.per == "county":
            counties = sorted({s.parent_id for s in stations if s.parent_id in by_id
                               and by_id[s.parent_id].kind == OrgUnitKind.COUNTY}, key=lambda c: by_id[c].path)
            out += [LineInput(category=rule.category, target=rule.minimum, unit=by_id[c]) for c in counties]
        elif rule.per == "station":
            out += [LineInput(category=rule.category, target=rule.minimum, unit=s) for s in stations]
    return out


def development_plan_submit(*, actor: User, plan: DevelopmentPlan) -> DevelopmentPlan:
    """002: 报送加管处 (the pack's `development_plan` chain); 000 (no chain): 下达 to the 客户经理 at once."""
    from kehu.workflow.services.approvals import approval_resubmit, approval_submit
    from kehu.workflow.services.notifications import notify

    require_perm(actor, "development.add_developmentplan", "您没有报送客户开发计划的权限。")
    with transaction.atomic():
        current = _plan_lock(plan.pk)
        _check_manages(actor, current.unit)
        if not current.editable:
            raise ServiceError(f"计划{current.get_status_display()}，不能再次报送。", field="status")
        if not current.lines.exists():
            raise ValidationError({"lines": ["计划没有开发目标，不能报送。"]})
        from kehu.policy.selectors import pack_get

        chains = pack_get(current.pack_name).workflows.approval_chains
        current.submitted_at = timezone.now()
        current._history_user = actor
        if PLAN_KIND in chains:
            late = "（逾期报送）" if current.due_on and timezone.localdate() > current.due_on else ""
            if current.approval_id and current.approval.status != "approved":
                current.approval = approval_resubmit(actor=actor, approval=current.approval)
            else:
                current.approval = approval_submit(
                    actor=actor, subject=current, kind=PLAN_KIND, pack_name=current.pack_name,
                    title=f"{current}{late}")
            current.status = PlanStatus.SUBMITTED
            current._change_reason = "报送开发计划"
        else:
            current.status = PlanStatus.PUBLISHED
            current._change_reason = "下达开发计划"
            assignees = User.objects.filter(pk__in=current.lines.exclude(assignee=None).values("assignee"))
            notify(assignees, kind="development_plan", title=f"开发计划已下达：{current}",
                   body="请按计划开展客户开发，并按周总结、月汇报上报开发动态（000 第六条）。",
                   url=reverse("development:plan_detail", args=[current.pk]))
        current.save()
    return current


def on_plan_approval_event(approval, event: str, actor: User | None) -> None:
    """The plan follows its approval: 审核中 while under review, 已审核 once approved, 退回修改 otherwise."""
    plan = DevelopmentPlan.objects.select_for_update(of=("self",)).filter(pk=approval.object_id).first()
    if plan is None:
        return
    status = {"submitted": PlanStatus.SUBMITTED, "approved": PlanStatus.APPROVED, "rejected": PlanStatus.RETURNED,
              "returned": PlanStatus.RETURNED, "withdrawn": PlanStatus.RETURNED}.get(event)
    if status and plan.status != status:
        plan.status = status
        plan._history_user = actor
        plan._change_reason = f"审批：{event}"
        plan.save(update_fields=["status"])


# ----- progress reports (000 第六条(三)) ---------------------------------------------------------------------------


def progress_report_submit(*, actor: User, kind: str, period_start: date, progress: str, problems: str = "",
                           support_needed: str = "") -> ProgressReport:
    """A 客户经理's 周总结 or 月汇报; the plan's completion for him is computed now and kept with the report."""
    from kehu.development.selectors import plan_completion
    from kehu.workflow.services.notifications import notify

    require_perm(actor, "development.add_progressreport", "您没有上报客户开发动态的权限。")
    pack_name = pack_name_for_unit(actor.unit)
    dev = development_rules(pack_name)
    rule = next((r for r in (dev.progress_reports if dev else ()) if r.code == kind), None)
    if rule is None:
        raise ValidationError({"kind": f"政策包 {pack_name} 没有规定这种开发动态报告。"})
    start, end = period_bounds(rule.frequency, period_start)
    if start > timezone.localdate():
        raise ValidationError({"period_start": "不能为尚未开始的期间上报。"})
    if not (progress or "").strip():
        raise ValidationError({"progress": ["请说明开发进度（000 第六条(三)）。"]})
    rows = [r for r in plan_completion(actor=actor, period=start.replace(day=1)) if r.assignee_id == actor.pk]
    figures = {"target": sum(r.target for r in rows), "admitted": sum(r.admitted for r in rows),
               "lines": [{"plan": r.plan_id, "category": r.category, "target": r.target, "admitted": r.admitted}
                         for r in rows]}
    with transaction.atomic():
        if ProgressReport.objects.filter(author=actor, kind=kind, period_start=start).exists():
            raise ValidationError({"period_start": f"{start} 起的{rule.name}已上报。"})
        report = ProgressReport(pack_name=pack_name, kind=kind, author=actor, period_start=start, period_end=end,
                                progress=progress.strip(), problems=(problems or "").strip(),
                                support_needed=(support_needed or "").strip(), figures=figures)
        report._history_user = actor
        report.save()
        if rule.report_to and actor.unit is not None:
            notify(_report_recipients(actor, rule.report_to), kind="progress_report",
                   title=f"{rule.name}：{actor}（{start}–{end}）",
                   body=f"计划目标 {figures['target']} 个，已开户 {figures['admitted']} 个。{report.progress[:200]}",
                   url=reverse("development:report_list"))
    return report


def _report_recipients(actor: User, role_codes: tuple[str, ...]) -> list[User]:
    """Holders of each role in the actor's own unit chain (部门经理), else anywhere in the actor's company (总经理)."""
    unit = actor.unit
    ancestors = ancestor_ids(unit)
    company_path = unit.path.split("/")[0] + "/"
    holders = list(User.objects.filter(is_active=True, roles__code__in=role_codes, unit__path__startswith=company_path)
                   .exclude(pk=actor.pk).select_related("unit").prefetch_related("roles").distinct())
    out: list[User] = []
    for code in role_codes:
        with_role = [u for u in holders if any(r.code == code for r in u.roles.all())]
        near = [u for u in with_role if u.unit_id in ancestors]
        out.extend(near or with_role)
    return out


def plan_get_for_actor(*, actor: User, pk: int) -> DevelopmentPlan:
    from kehu.development.selectors import plan_queryset_for_actor

    plan = plan_queryset_for_actor(actor).filter(pk=pk).first()
    if plan is None:
        raise ScopeError("开发计划不存在，或不在您的管理范围内。")
    return plan
