"""Exclusive agency licence (000 第十条): issued yearly to exclusive agents that meet the conditions."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.workflow.models import AdmissionApplication, AgencyLicence, ApprovalStatus, CustomerType

LICENCE_CONDITIONS = (
    ("sole_products", "只经营本公司化工产品，不销售其他品牌同类产品"),
    ("sound_business", "经营理念稳健、诚信，资金实力较强，市场信誉和经营能力优良"),
    ("monthly_plans", "本年度按月提供了下月销售计划"),
)


def _is_exclusive_agent(customer: Customer) -> bool:
    if (customer.classifications or {}).get("other_products_channel") == "独家代理商":
        return True
    return AdmissionApplication.objects.filter(
        customer=customer, customer_type=CustomerType.EXCLUSIVE_AGENT, approval__status=ApprovalStatus.APPROVED
    ).exists()


def agency_licence_issue(*, actor: User, customer: Customer, year: int, region: str,
                         conditions: dict[str, bool], issued_on: date | None = None) -> AgencyLicence:
    require_perm(actor, "workflow.add_agencylicence", "您没有颁发独家代理许可证的权限。")
    issued_on = issued_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not (region or "").strip():
        errors["region"] = ["请填写代理区域。"]
    if year < issued_on.year - 1 or year > issued_on.year + 1:
        errors["year"] = ["只能颁发上一年、本年或下一年的许可证。"]
    unmet = [label for code, label in LICENCE_CONDITIONS if not conditions.get(code)]
    if unmet:
        errors["conditions"] = ["不符合颁发条件（000 第十条）：" + "；".join(unmet)]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
        if customer.status != CustomerStatus.ACTIVE:
            raise ServiceError(f"只有正式客户可以获颁许可证（当前：{customer.get_status_display()}）。",
                               field="customer")
        if not _is_exclusive_agent(customer):
            raise ServiceError("该客户不是独家代理商（须以独家代理商身份开户）。", field="customer")
        lic = AgencyLicence(
            customer=customer, year=year, number=f"DJDL-{year}-{customer.code}", region=region.strip(),
            issued_on=issued_on, expires_on=date(year, 12, 31),
            conditions={code: True for code, _label in LICENCE_CONDITIONS}, issued_by=actor,
        )
        try:
            with transaction.atomic():
                lic.save()
        except IntegrityError as exc:
            raise ValidationError({"year": f"该客户{year}年度的许可证已颁发。"}) from exc
        from kehu.customers.services import archive_event_record

        archive_event_record(customer=customer, actor=actor, kind="agency_licence",
                             summary=f"颁发{year}年度独家代理许可证 {lic.number}（{lic.region}）",
                             reason="符合独家代理商条件（000 第十条）")
    return lic


def agency_licence_revoke(*, actor: User, licence: AgencyLicence, reason: str) -> AgencyLicence:
    require_perm(actor, "workflow.add_agencylicence", "您没有吊销独家代理许可证的权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写吊销原因。"})
    with transaction.atomic():
        lic = AgencyLicence.objects.select_for_update().get(pk=licence.pk)
        customer_get_for_actor(actor=actor, pk=lic.customer_id)
        if lic.revoked_at:
            raise ServiceError("该许可证已吊销。")
        lic.revoked_at = timezone.now()
        lic.revoke_reason = reason.strip()[:200]
        lic.save(update_fields=["revoked_at", "revoke_reason"])
        from kehu.customers.services import archive_event_record

        archive_event_record(customer=lic.customer, actor=actor, kind="agency_licence",
                             summary=f"吊销独家代理许可证 {lic.number}", reason=reason)
    return lic
