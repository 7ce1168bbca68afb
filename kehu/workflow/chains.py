"""Approval chains: read from the policy pack (workflows.approval_chains) when the pack defines them; the
built-in definitions below follow the seed regulations and are used for packs that do not (yet) say.

A pack chain is looked up by the approval kind's code (`admission`, `archive_access`, `disqualification`,
`gift`, `level_transfer`)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

ROLE_NAMES = {
    "account_manager": "客户经理",
    "dept_manager": "部门经理",
    "sales_reviewer": "销售部审核",
    "finance_reviewer": "财务审核",
    "general_manager": "总经理",
    "marketing_head": "市场营销部负责人",
    "qc": "质检",
    "staff": "业务人员",
    "sysadmin": "系统管理员",
}


@dataclass(frozen=True)
class ChainStep:
    role: str
    action: str
    due_working_days: int | None = None
    due_admin_key: str = ""  # the pack leaves the time limit to the administrator under this key

    @property
    def role_name(self) -> str:
        if self.role in ROLE_NAMES:
            return ROLE_NAMES[self.role]
        from kehu.org.roles import all_role_specs

        return next((spec.name for spec in all_role_specs() if spec.code == self.role), self.role)


@dataclass(frozen=True)
class Chain:
    code: str
    name: str
    steps: tuple[ChainStep, ...]
    article: str
    pack_name: str
    pack_version: str


BUILTIN: dict[str, tuple[str, str, tuple[ChainStep, ...]]] = {
    "complaint_extension": (
        "投诉处理延期（特殊情况）", "000 第十二条",
        (ChainStep("dept_manager", "各级主管领导批准延期"),),
    ),
    "admission": (
        "客户开户审批", "000 第七条",
        (
            ChainStep("sales_reviewer", "销售部审核客户资质材料"),
            ChainStep("finance_reviewer", "财务部审核税务登记证、开票资料"),
            ChainStep("general_manager", "总经理审批"),
        ),
    ),
    "archive_access": (
        "公司以外人员查阅客户资料", "001 第九条",
        (ChainStep("marketing_head", "市场营销部负责人同意查阅"),),
    ),
    "disqualification": (
        "取消客户资格", "000 第十七条",
        (
            ChainStep("sales_reviewer", "销售部核实取消依据"),
            ChainStep("general_manager", "总经理审批"),
        ),
    ),
    "gift": (
        "向特殊客户赠送礼品", "001 第十四条",
        (ChainStep("marketing_head", "市场营销部负责人同意"),),
    ),
    "level_transfer": (
        "客户管理权限在上下级之间转移", "002 6.1.1",
        (
            ChainStep("dept_manager", "移出单位负责人同意"),
            ChainStep("dept_manager", "接收单位负责人同意"),
        ),
    ),
}
# The built-in chains set no time limits: none of the seed regulations gives one for these approvals.

# Pack chain codes that mean the same approval kind.
KIND_ALIASES = {
    "archive_access": ("archive_access", "archive_read_by_outsider"),
    "level_transfer": ("level_transfer", "management_level_transfer"),
}


def system_role(pack, pack_role: str) -> str:
    """The application role that acts for a body the regulation names: the pack's `system_role` for it."""
    role = pack.roles.get(pack_role) if pack is not None else None
    if role is not None and role.system_role:
        return role.system_role
    return pack_role


_BUILTIN_VERSION = "builtin-" + hashlib.sha256(repr(sorted(BUILTIN.items())).encode()).hexdigest()[:12]


def _load_pack(name: str):
    """The parsed pack (re-read when its file changes), or None when it is missing or broken."""
    from kehu.policy.selectors import pack_get

    try:
        return pack_get(name)
    except Exception:  # a broken pack must not stop approvals; the pack page reports the error
        logger.exception("policy pack %s could not be loaded; using built-in approval chains", name)
        return None


def pack_for(name: str | None = None):
    return _load_pack(name or settings.KEHU_DEFAULT_PACK)


def _candidate_packs(pack_name: str | None) -> list[str]:
    """Where a chain is looked up: the named pack first; then the default pack, then the other packs the company
    applies (a gift chain lives in 001's pack even when 000's pack is the default); the built-in chain last."""
    from kehu.policy.selectors import active_pack_names

    names = [pack_name] if pack_name else []
    names += [n for n in (settings.KEHU_DEFAULT_PACK, *active_pack_names()) if n not in names]
    return names


def _admin_days(pack_name: str, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    from kehu.policy.models import AdminValue

    rows = AdminValue.objects.filter(pack_name=pack_name, key__in=keys).values_list("key", "value")
    return {key: int(value) for key, value in rows}


def _pack_chain(pack, kind: str):
    return next((pack.workflows.approval_chains[c] for c in KIND_ALIASES.get(kind, (kind,))
                 if c in pack.workflows.approval_chains), None)


def chain_for(kind: str, *, pack_name: str | None = None) -> Chain:
    """The chain for an approval kind from the pack, with pack roles mapped to system roles and step time limits
    resolved (an administrator-set limit that is not set yet means no due date); the built-in chain otherwise."""
    for name in _candidate_packs(pack_name):
        pack = _load_pack(name)
        chain = _pack_chain(pack, kind) if pack is not None else None
        if chain is None or not chain.steps:
            continue
        from kehu.policy.engine.model import AdminValue

        admin_keys = {s.due_working_days.key for s in chain.steps if isinstance(s.due_working_days, AdminValue)}
        days = _admin_days(pack.name, admin_keys)
        steps = []
        for s in chain.steps:
            if isinstance(s.due_working_days, AdminValue):
                key = s.due_working_days.key
                steps.append(ChainStep(system_role(pack, s.role), s.action, days.get(key), key))
            else:
                steps.append(ChainStep(system_role(pack, s.role), s.action, s.due_working_days))
        return Chain(code=chain.code, name=chain.name, article=f"{pack.name} {chain.citation.article}",
                     pack_name=pack.name, pack_version=pack.version, steps=tuple(steps))
    if kind not in BUILTIN:
        raise LookupError(f"没有为审批类型 {kind!r} 定义审批链")
    chain_name, article, steps = BUILTIN[kind]
    return Chain(code=kind, name=chain_name, article=article, steps=steps, pack_name="builtin",
                 pack_version=_BUILTIN_VERSION)


# 000 第七条: 营业执照、税务登记证、组织机构代码证、开票资料. With a unified credit code (三证合一, GB 32100) the tax
# registration and organisation code are carried by the business licence itself.
BUILTIN_DOCUMENTS = ("business_licence", "tax_registration", "org_code", "invoicing")
DOCUMENT_LABELS = {
    "business_licence": "企业营业执照",
    "tax_registration": "税务登记证",
    "org_code": "组织机构代码证",
    "invoicing": "开票资料（开户行、账号、通讯地址、电话）",
    "hazardous_chemicals": "危险化学品经营许可证",
    "refined_oil": "成品油经营批准证书",
}
# Pack documents are written as the regulation names them; these keywords find the archive record that holds each.
_DOCUMENT_KEYWORDS = (
    ("营业执照", "business_licence"),
    ("税务登记", "tax_registration"),
    ("组织机构代码", "org_code"),
    ("开票资料", "invoicing"),
    ("危险化学品", "hazardous_chemicals"),
    ("成品油", "refined_oil"),
    ("开户审批表", "application_form"),
)


@dataclass(frozen=True)
class RequiredDocument:
    code: str  # a LicenceType value, "invoicing", "application_form", or "other:<label>" (declared on the form)
    label: str


def _document_code(label: str) -> str:
    for keyword, code in _DOCUMENT_KEYWORDS:
        if keyword in label:
            return code
    return label if label in DOCUMENT_LABELS else f"other:{label}"


def required_documents(customer_type: str, *, pack_name: str | None = None) -> tuple[tuple[RequiredDocument, ...], str]:
    """The documents the pack requires for a customer type, de-duplicated by archive record, and the article."""
    pack = pack_for(pack_name)
    if pack is not None:
        for rule in pack.workflows.required_documents:
            if customer_type in rule.customer_types or "all" in rule.customer_types:
                seen: dict[str, RequiredDocument] = {}
                for label in rule.documents:
                    code = _document_code(label)
                    if code == "application_form":
                        continue  # the application being submitted is the form itself
                    seen.setdefault(code, RequiredDocument(code, DOCUMENT_LABELS.get(code, label)))
                return tuple(seen.values()), f"{pack.name} {rule.citation.article}"
    return tuple(RequiredDocument(c, DOCUMENT_LABELS[c]) for c in BUILTIN_DOCUMENTS), "000 第七条"
