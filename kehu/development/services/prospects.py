"""Prospects (潜在客户), their survey tables, key-account task groups and the conversion into an admission
application. Each service is one transaction, checks permission and scope, validates fully and keeps history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerKind, CustomerStatus
from kehu.customers.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc
from kehu.development.models import (
    KEY_ACCOUNT_CATEGORIES,
    KeyAccountTeam,
    KeyAccountTeamMember,
    Prospect,
    ProspectCategory,
    ProspectKind,
    ProspectStatus,
    ProspectSurvey,
)
from kehu.development.rules import ancestor_ids, development_rules, manages_unit, pack_name_for_unit, survey_round
from kehu.org.models import OrgUnit, User
from kehu.org.selectors import scope_q

PROSPECT_FIELDS = (
    "name", "category", "kind", "area", "address", "uscc", "contact_name", "contact_title", "contact_phone",
    "decision_maker", "decision_maker_notes", "fuel_type", "gasoline_month_t", "diesel_month_t", "card_year_amount",
    "demand_cycle", "current_supplier", "retention_means", "competitor_policy", "potential", "plan_text",
)
# The survey's required columns (002 6.5.1 客户基础资料; 6.5.4.1 需求、目前消费地点). 附录2 itself is not in the seed.
REQUIRED_FIELDS = {
    "name": "请填写客户名称。",
    "category": "请选择调查对象类别（6.5.1：政府机关、企事业单位、居民社区、商场、停车场、办公楼等）。",
    "kind": "请选择客户属性：机构客户或个人客户（6.2.1）。",
    "area": "请填写责任区域（6.5.1：细化到街道、居民小区、厂矿企业）。",
    "address": "请填写地址。",
    "contact_name": "请填写联系人。",
    "contact_phone": "请填写联系电话。",
    "fuel_type": "请选择用油品种（6.2.2：汽油或柴油）。",
    "current_supplier": "请填写客户目前的消费地点（6.5.4.1：目前消费地点及维系手段）。",
}
DEMAND_FIELDS = ("gasoline_month_t", "diesel_month_t", "card_year_amount")
OPEN_STATUSES = (ProspectStatus.SURVEYED, ProspectStatus.DEVELOPING)


def prospect_scope_q(actor: User):
    """Prospects the actor may see: the same data scope as customers (own / unit / subtree / all)."""
    return scope_q(actor, owner_field="owner", unit_field="unit")


def prospect_get_for_actor(*, actor: User, pk: int, for_update: bool = False) -> Prospect:
    qs = Prospect.objects.filter(prospect_scope_q(actor))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    prospect = qs.select_related("unit", "owner", "survey", "customer").filter(pk=pk).first()
    if prospect is None:
        raise ScopeError("潜在客户不存在，或不在您的管理范围内。")
    return prospect


def _next_code() -> str:
    last = Prospect.objects.order_by("-code").values_list("code", flat=True).first()
    number = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    return f"QK{number:08d}"


def _clean(fields: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    unknown = set(fields) - set(PROSPECT_FIELDS)
    if unknown:
        raise ServiceError(f"未知字段：{', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in DEMAND_FIELDS:
            if value in (None, ""):
                out[key] = None
                continue
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                errors[key] = ["请输入数字。"]
                continue
            if not number.is_finite() or number < 0:
                errors[key] = ["不能为负数。"]
                continue
            out[key] = number
        else:
            out[key] = (value or "").strip() if isinstance(value, str) or value is None else value
    if not partial:
        for key, message in REQUIRED_FIELDS.items():
            if not out.get(key):
                errors.setdefault(key, []).append(message)
    if out.get("contact_phone"):
        out["contact_phone"] = normalize_phone(out["contact_phone"])
        try:
            validate_phone(out["contact_phone"])
        except ValidationError as exc:
            errors.setdefault("contact_phone", []).extend(exc.messages)
    if out.get("uscc"):
        out["uscc"] = normalize_uscc(out["uscc"])
        try:
            validate_uscc(out["uscc"])
        except ValidationError as exc:
            errors.setdefault("uscc", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return out


def _check_prospect(prospect: Prospect) -> None:
    """Whole-record rules after the fields are set (create and update)."""
    errors: dict[str, list[str]] = {}
    if not any(getattr(prospect, f) for f in DEMAND_FIELDS):
        errors["gasoline_month_t"] = [
            "请至少填写一项预计需求：汽油月需求量、柴油月需求量或不记名卡年采购额（6.5.4.1 客户的实际需求）。"]
    if prospect.kind == ProspectKind.INDIVIDUAL and prospect.category in KEY_ACCOUNT_CATEGORIES:
        errors["kind"] = ["政府机关、企事业单位、厂矿企业应登记为机构客户（6.2.1）。"]
    try:
        prospect.full_clean(exclude=["code", "survey", "customer", "created_by", "owner", "unit"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _survey_for(unit: OrgUnit, pack_name: str, today) -> ProspectSurvey | None:
    dev = development_rules(pack_name)
    if dev is None:
        return None
    found = survey_round(dev, today)
    if found is None:
        return None
    year, month, due_on = found
    article = f"{pack_name} {dev.survey.citation.article}"
    survey, _created = ProspectSurvey.objects.get_or_create(
        unit=unit, year=year, month=month, defaults={"pack_name": pack_name, "due_on": due_on, "article": article})
    if survey.submitted_at is not None:  # the round's table is sent: later finds go to the next round's table
        year, month, due_on = survey_round(dev, due_on + timedelta(days=1))
        survey, _created = ProspectSurvey.objects.get_or_create(
            unit=unit, year=year, month=month, defaults={"pack_name": pack_name, "due_on": due_on, "article": article})
    return survey


def _stamp(instance, actor: User | None, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = reason[:100]


@transaction.atomic
def prospect_create(*, actor: User, unit: OrgUnit | None = None, owner: User | None = None,
                    **fields: Any) -> Prospect:
    """Record a prospect found by the survey (002 6.5.1 / 000 第六条(一)) in the round's survey table."""
    require_perm(actor, "development.add_prospect", "您没有登记潜在客户的权限。")
    unit = unit or actor.unit
    if unit is None:
        raise ValidationError({"unit": "请选择负责调查与开发的单位。"})
    owner = owner or actor
    if unit.pk != actor.unit_id and not manages_unit(actor, unit):
        raise ValidationError({"unit": f"您不管理“{unit}”，不能为其登记潜在客户。"})
    if owner.pk != actor.pk and not (owner.unit and manages_unit(actor, owner.unit)):
        raise ValidationError({"owner": f"“{owner}”不在您的管理范围内，不能指定为开发负责人。"})
    if not owner.is_active:
        raise ValidationError({"owner": "开发负责人已停用。"})
    cleaned = _clean(fields, partial=False)
    pack_name = pack_name_for_unit(unit)
    prospect = Prospect(code=_next_code(), pack_name=pack_name, unit=unit, owner=owner, created_by=actor, **cleaned)
    _check_prospect(prospect)
    prospect.survey = _survey_for(unit, pack_name, timezone.localdate())
    _stamp(prospect, actor, "登记潜在客户")
    prospect.save()
    return prospect


@transaction.atomic
def prospect_update(*, actor: User, prospect: Prospect, reason: str = "", **fields: Any) -> Prospect:
    require_perm(actor, "development.change_prospect", "您没有修改潜在客户的权限。")
    current = prospect_get_for_actor(actor=actor, pk=prospect.pk, for_update=True)
    if current.status not in OPEN_STATUSES:
        raise ServiceError(f"潜在客户{current.get_status_display()}，不能再修改。", field="status")
    for key, value in _clean(fields, partial=True).items():
        setattr(current, key, value)
    missing = {k: [m] for k, m in REQUIRED_FIELDS.items() if not getattr(current, k)}
    if missing:
        raise ValidationError(missing)
    _check_prospect(current)
    _stamp(current, actor, reason or "修改潜在客户调查信息")
    current.save()
    return current


@transaction.atomic
def prospect_drop(*, actor: User, prospect: Prospect, reason: str) -> Prospect:
    require_perm(actor, "development.change_prospect", "您没有修改潜在客户的权限。")
    current = prospect_get_for_actor(actor=actor, pk=prospect.pk, for_update=True)
    if current.status not in OPEN_STATUSES:
        raise ServiceError(f"潜在客户{current.get_status_display()}，不能放弃。", field="status")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写放弃开发的原因。"})
    current.status = ProspectStatus.DROPPED
    current.drop_reason = reason.strip()[:200]
    _stamp(current, actor, f"放弃开发：{reason}")
    current.save()
    return current


# 6.2.1 / 6.2.2 as the archive records them, for packs that classify customers by these dimensions.
_CLASSIFICATIONS = {
    "customer_kind": {ProspectKind.INSTITUTIONAL: "机构", ProspectKind.INDIVIDUAL: "个人"},
    "fuel_type": {"gasoline": "汽油", "diesel": "柴油"},
}


def _classifications(prospect: Prospect) -> dict[str, Any]:
    from kehu.policy.selectors import pack_get

    try:
        dimensions = pack_get(prospect.pack_name).dimensions
    except Exception:  # no classification when the pack cannot be read; the archive still opens
        return {}
    out: dict[str, Any] = {}
    for code, mapping in _CLASSIFICATIONS.items():
        dimension = dimensions.get(code)
        value = mapping.get(getattr(prospect, "kind" if code == "customer_kind" else code))
        if dimension is not None and value in dimension.value_codes():
            out[code] = [value] if dimension.multiple else value
    return out


def _customer_kind(prospect: Prospect) -> str:
    if prospect.kind == ProspectKind.INDIVIDUAL:
        return CustomerKind.INDIVIDUAL
    return CustomerKind.INSTITUTION if prospect.category == ProspectCategory.GOVERNMENT else CustomerKind.ENTERPRISE


def prospect_convert(*, actor: User, prospect: Prospect, customer_type: str, business_scope: str = "",
                     expected_products: str = "", expected_monthly_quantity: Decimal | None = None,
                     quantity_unit: str = "吨", notes: str = ""):
    """Turn a prospect into a customer archive (status 潜在客户) and a draft 客户开户审批表 (kehu.workflow), keeping
    the prospect and its history linked from the archive's timeline. The applicant completes the materials in the
    archive and submits the application there (000 第七条)."""
    from kehu.customers.services import archive_event_record, contact_save, customer_create
    from kehu.workflow.services.admission import admission_apply

    require_perm(actor, "development.convert_prospect", "您没有把潜在客户转为开户申请的权限。")
    with transaction.atomic():
        current = prospect_get_for_actor(actor=actor, pk=prospect.pk, for_update=True)
        if current.status == ProspectStatus.CONVERTED:
            raise ServiceError("该潜在客户已转为开户申请。", field="prospect")
        if current.status == ProspectStatus.DROPPED:
            raise ServiceError("该潜在客户已放弃开发，不能转开户。", field="prospect")
        if current.owner_id != actor.pk and not manages_unit(actor, current.unit):
            raise ServiceError("只有开发负责人或其所在单位的负责人可以办理转开户。", field="prospect")
        if current.uscc and Customer.objects.filter(uscc=current.uscc).exists():
            raise ValidationError({"uscc": "该统一社会信用代码已有客户档案，请在客户档案中办理。"})
        reason = f"由潜在客户 {current.code} 转入"
        customer = customer_create(
            actor=actor, reason=reason, name=current.name, kind=_customer_kind(current), uscc=current.uscc or None,
            status=CustomerStatus.PROSPECT, owner=current.owner, unit=current.unit, address=current.address,
            classifications=_classifications(current),
            notes=f"潜在客户调查：{current.get_category_display()}，{current.area}；目前消费地点：{current.current_supplier}",
        )
        mobile = current.contact_phone if current.contact_phone.startswith("1") else ""
        contact_save(actor=actor, customer=customer, reason=reason, name=current.contact_name,
                     title=current.contact_title, mobile=mobile, phone="" if mobile else current.contact_phone,
                     is_decision_maker=not current.decision_maker or current.decision_maker == current.contact_name,
                     preferences=current.decision_maker_notes if current.decision_maker == current.contact_name
                     else "")
        if current.decision_maker and current.decision_maker != current.contact_name:
            contact_save(actor=actor, customer=customer, reason=reason, name=current.decision_maker[:40],
                         is_decision_maker=True, preferences=current.decision_maker_notes)
        if expected_monthly_quantity is None:
            total = (current.gasoline_month_t or 0) + (current.diesel_month_t or 0)
            expected_monthly_quantity = Decimal(total) if total else None
        application = admission_apply(
            actor=actor, customer=customer, customer_type=customer_type, submit=False,
            business_scope=business_scope, expected_products=expected_products or current.get_fuel_type_display(),
            expected_monthly_quantity=expected_monthly_quantity, quantity_unit=quantity_unit or "吨",
            notes=notes or reason,
        )
        current.status = ProspectStatus.CONVERTED
        current.customer = customer
        current.converted_at = timezone.now()
        _stamp(current, actor, f"转为开户申请（客户档案 {customer.code}）")
        current.save()
        archive_event_record(
            customer=customer, actor=actor, kind="prospect_converted",
            summary=f"由潜在客户调查表转入：{current.code}" + (f"（{current.survey}）" if current.survey else ""),
            reason=reason,
            data={"prospect": current.pk, "survey": current.survey_id,
                  "url": reverse("development:prospect_detail", args=[current.pk])},
        )
    return application


@transaction.atomic
def prospect_survey_submit(*, actor: User, survey: ProspectSurvey) -> ProspectSurvey:
    """Send a unit's 《潜在客户调查表》 to the company and the unit's retail department (002 6.5.1)."""
    from kehu.workflow.services.notifications import notify

    require_perm(actor, "development.add_prospect", "您没有报送潜在客户调查表的权限。")
    current = ProspectSurvey.objects.select_for_update(of=("self",)).select_related("unit").get(pk=survey.pk)
    if current.unit_id != actor.unit_id and not manages_unit(actor, current.unit):
        raise ScopeError("调查表不存在，或不在您的管理范围内。")
    if current.submitted_at is not None:
        raise ServiceError(f"该调查表已于 {timezone.localtime(current.submitted_at):%Y-%m-%d} 报送。", field="survey")
    count = current.prospects.count()
    if not count:
        raise ServiceError("调查表中还没有潜在客户，不能报送。", field="survey")
    current.submitted_at = timezone.now()
    current.submitted_by = actor
    current._history_user = actor
    current.save(update_fields=["submitted_at", "submitted_by"])
    managers = User.objects.filter(is_active=True, roles__code="dept_manager",
                                   unit_id__in=ancestor_ids(current.unit)).exclude(pk=actor.pk).distinct()
    late = "（逾期）" if timezone.localdate() > current.due_on else ""
    notify(managers, kind="prospect_survey", title=f"潜在客户调查表已报送{late}：{current}",
           body=f"{actor} 报送 {count} 个潜在客户（{current.article}，期限 {current.due_on}）",
           url=reverse("development:survey_detail", args=[current.pk]))
    return current


@transaction.atomic
def key_account_team_form(*, actor: User, prospect: Prospect, leader: User, deputy: User,
                          members: list[tuple[User, str]], note: str = "") -> KeyAccountTeam:
    """零售机构客户开发工作小组 (002 6.5.4.6) for a government or large-enterprise prospect: the group takes it on
    (摘牌) and its members are told."""
    from kehu.workflow.services.notifications import notify

    require_perm(actor, "development.add_keyaccountteam", "您没有组建重点客户开发工作小组的权限。")
    current = prospect_get_for_actor(actor=actor, pk=prospect.pk, for_update=True)
    if not manages_unit(actor, current.unit):
        raise ServiceError(f"您不管理“{current.unit}”，不能为其潜在客户组建工作小组。", field="prospect")
    errors: dict[str, list[str]] = {}
    if current.status not in OPEN_STATUSES:
        errors["prospect"] = [f"潜在客户{current.get_status_display()}，不能再组建工作小组。"]
    if current.category not in KEY_ACCOUNT_CATEGORIES:
        errors["prospect"] = ["开发工作小组用于政府机关和大型企事业单位客户（6.5.4.6）；"
                              f"该潜在客户为“{current.get_category_display()}”。"]
    if KeyAccountTeam.objects.filter(prospect=current).exists():
        errors["prospect"] = ["该潜在客户已有开发工作小组（已摘牌）。"]
    if leader.pk == deputy.pk:
        errors["deputy"] = ["副组长不能与组长为同一人。"]
    seen = {leader.pk, deputy.pk}
    for user, duty in members:
        if user.pk in seen:
            errors.setdefault("members", []).append(f"“{user}”重复或已是组长、副组长。")
        seen.add(user.pk)
        if not (duty or "").strip():
            errors.setdefault("members", []).append(f"请填写“{user}”的岗位与分工（如加管部客户管理岗、片区经理）。")
    for field, user in (("leader", leader), ("deputy", deputy), *(("members", u) for u, _d in members)):
        if not user.is_active:
            errors.setdefault(field, []).append(f"“{user}”已停用。")
    if errors:
        raise ValidationError(errors)
    team = KeyAccountTeam(prospect=current, leader=leader, deputy=deputy, note=note, created_by=actor)
    team._history_user = actor
    team.save()
    for user, duty in members:
        member = KeyAccountTeamMember(team=team, user=user, duty=duty.strip()[:60])
        member._history_user = actor
        member.save()
    if current.status == ProspectStatus.SURVEYED:
        current.status = ProspectStatus.DEVELOPING
        _stamp(current, actor, "组建开发工作小组（摘牌）")
        current.save(update_fields=["status", "updated_at"])
    notify([leader, deputy, *(u for u, _d in members)], kind="key_account_team",
           title=f"重点客户开发工作小组：{current.name}",
           body=f"组长 {leader}，副组长 {deputy}（002 6.5.4.6）", url=reverse("development:prospect_detail",
                                                                          args=[current.pk]))
    return team
