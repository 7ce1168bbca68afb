"""What the policy pack says about service work: complaint types, complaint deadlines, visit frequency.

Read from the pack through kehu.policy.engine (`workflows.complaint_types`, `workflows.deadlines`,
`workflows.visit_frequency`, `workflows.company_hours`) when the engine and the pack file are available; otherwise
the seed values below, each citing its article, keep the service working.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings

from kehu.workdays.calendar import WorkingHours

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComplaintTypeSpec:
    code: str
    name: str
    article: str


@dataclass(frozen=True)
class DeadlineSpec:
    code: str
    name: str
    days: int
    counting: str
    article: str
    max_days: int | None = None  # extension with approval (000 第十二条(三): at most 7)


@dataclass(frozen=True)
class ServiceRules:
    pack: str
    complaint_types: tuple[ComplaintTypeSpec, ...]
    deadlines: dict  # severity -> DeadlineSpec
    hours: WorkingHours | None
    same_day_report: bool  # 001 第十九条一: logged and reported the same day
    report_to: str
    visit_frequency: tuple[tuple[str, int, str], ...] = field(default=())  # (applies_to, per_year, article)

    def type_name(self, code: str) -> str | None:
        for t in self.complaint_types:
            if t.code == code:
                return t.name
        return None


_HB_TYPES = (
    ComplaintTypeSpec("quality", "产品质量", "000 第十二条"),
    ComplaintTypeSpec("quantity", "数量/计量", "000 第十二条"),
    ComplaintTypeSpec("delivery", "交货与物流", "000 第十二条"),
    ComplaintTypeSpec("service", "服务质量", "000 第十二条"),
    ComplaintTypeSpec("billing", "价格与结算", "000 第十二条"),
    ComplaintTypeSpec("other", "其他", "000 第十二条"),
)
_CEMENT_TYPES = (
    ComplaintTypeSpec("bag_count_short", "袋数不足", "001 第十九条"),
    ComplaintTypeSpec("bag_weight_dispute", "袋重不足", "001 第十九条"),
    ComplaintTypeSpec("excessive_breakage", "破包", "001 第十九条"),
    ComplaintTypeSpec("damp_caking", "受潮结块", "001 第十九条"),
    ComplaintTypeSpec("bulk_shortage", "散装短少", "001 第十九条"),
    ComplaintTypeSpec("quality", "质量问题", "001 第十九条"),
)

SEED_RULES = {
    "hb-chemicals": ServiceRules(
        pack="hb-chemicals", complaint_types=_HB_TYPES,
        deadlines={
            "general": DeadlineSpec("complaint_general", "一般投诉处理", 1, "whole_days", "000 第十二条(三)"),
            "major": DeadlineSpec("complaint_major", "较大事件投诉处理", 3, "whole_days", "000 第十二条(三)", 7),
            "serious": DeadlineSpec("complaint_major", "严重投诉（报总经理专题会议）", 3, "whole_days",
                                    "000 第十二条(二)(三)", 7),
        },
        hours=None, same_day_report=False, report_to="主管领导",
        visit_frequency=(("all", 1, "000 第十一条"), ("abcd:A", 4, "003 一、6")),
    ),
    "shaanxi-cement": ServiceRules(
        pack="shaanxi-cement", complaint_types=_CEMENT_TYPES,
        deadlines={
            s: DeadlineSpec("complaint_solution_our_fault", "属我方原因的解决方案", 3, "whole_days", "001 第十九条三")
            for s in ("general", "major", "serious")
        },
        hours=WorkingHours(((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))),
        same_day_report=True, report_to="市场营销部负责人、质检部负责人、相关责任部门",
        visit_frequency=(("all", 1, "001 第十七条"),),
    ),
}


def _from_engine(pack_code: str, seed: ServiceRules) -> ServiceRules:
    """Overlay what the pack file says on the seed values (types and deadlines); any problem → seed values."""
    try:
        from kehu.policy.engine import load_pack
    except ImportError:
        return seed
    path = settings.KEHU_POLICY_DIR / f"{pack_code}.yaml"
    if not path.exists():
        return seed
    try:
        w = load_pack(path).workflows
    except Exception:
        logger.warning("service: pack %s could not be loaded, using seed values", pack_code, exc_info=True)
        return seed
    types = seed.complaint_types
    if getattr(w, "complaint_types", None):
        types = tuple(ComplaintTypeSpec(t.code, t.name, f"{_article(t.citation)}") for t in w.complaint_types)
    deadlines = dict(seed.deadlines)
    dl = getattr(w, "deadlines", {}) or {}

    def spec(d, name=None):
        max_days = d.extension.max_amount if getattr(d, "extension", None) else None
        return DeadlineSpec(d.code, name or d.name, d.amount, d.counting or "whole_days", _article(d.citation),
                            max_days)

    if "complaint_general" in dl and dl["complaint_general"].unit == "working_days":
        deadlines["general"] = spec(dl["complaint_general"])
    if "complaint_major" in dl and dl["complaint_major"].unit == "working_days":
        deadlines["major"] = spec(dl["complaint_major"])
        deadlines["serious"] = spec(dl["complaint_major"], "严重投诉（报总经理专题会议）")
    if "complaint_solution_our_fault" in dl:
        d = dl["complaint_solution_our_fault"]
        deadlines = {s: spec(d) for s in ("general", "major", "serious")}
    hours = seed.hours
    ch = getattr(w, "company_hours", None)
    if ch is not None and hours is None:
        with contextlib.suppress(ValueError):
            hours = WorkingHours.parse(f"{ch.start}-{ch.end}")
    visits = seed.visit_frequency
    if getattr(w, "visit_frequency", None):
        parsed = []
        for v in w.visit_frequency:
            if isinstance(v.visits_per_year, Decimal | int):
                parsed.append((v.applies_to, int(v.visits_per_year), _article(v.citation)))
        if parsed:
            base = [x for x in visits if not any(p[0] == x[0] for p in parsed)]
            visits = tuple(base + parsed)
    return ServiceRules(pack=pack_code, complaint_types=types, deadlines=deadlines, hours=hours,
                        same_day_report=seed.same_day_report, report_to=seed.report_to, visit_frequency=visits)


def _article(citation) -> str:
    if citation is None:
        return ""
    return str(getattr(citation, "article", citation))


@lru_cache(maxsize=16)
def service_rules(pack_code: str | None = None) -> ServiceRules:
    pack_code = pack_code or settings.KEHU_DEFAULT_PACK
    seed = SEED_RULES.get(pack_code, SEED_RULES["hb-chemicals"])
    if pack_code not in SEED_RULES:
        seed = ServiceRules(**{**seed.__dict__, "pack": pack_code})
    return _from_engine(pack_code, seed)


def visits_per_year(grades: list[str] | str | None, rules: ServiceRules) -> tuple[int, str]:
    """Visits a year for a customer with `grades` ("scheme:grade" each): the most frequent matching rule; the
    "all" rule otherwise (000 第十一条 asks for a yearly plan: once a year by default; 003 A 类每季度)."""
    if isinstance(grades, str):
        grades = [grades]
    grades = set(grades or ())
    best = None
    fallback = (1, "000 第十一条")
    for applies_to, per_year, article in rules.visit_frequency:
        if applies_to == "all":
            fallback = (per_year, article)
        elif applies_to in grades and (best is None or per_year > best[0]):
            best = (per_year, article)
    return best or fallback
