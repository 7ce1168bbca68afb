"""Load and validate pack files. Every problem is collected with its file and line; a bad pack never half-loads."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import PackError, PackIssue
from .model import (
    AGGREGATE_METRIC_KINDS,
    BENEFIT_ADJUSTMENT_EFFECTS,
    BENEFIT_FIELDS,
    COMBINE_RULES,
    CONDITION_EFFECTS,
    DEADLINE_COUNTING,
    DEADLINE_UNITS,
    METRIC_KINDS,
    METRIC_PERIODS,
    RUSH_ORDER_POLICIES,
    SCHEDULE_FREQUENCIES,
    SCHEME_TYPES,
    AdminValue,
    ApprovalChain,
    ApprovalStep,
    Band,
    BenefitAdjustment,
    Benefits,
    Bound,
    Citation,
    Coefficients,
    CompanyHours,
    ComplaintType,
    Condition,
    Criterion,
    Deadline,
    DeadlineExtension,
    Dimension,
    DimensionBenefits,
    DimensionValue,
    Distribution,
    Factor,
    Grade,
    GroupCoefficient,
    Metric,
    Movement,
    OverridePolicy,
    Pack,
    Predicate,
    Provision,
    RequiredDocuments,
    Role,
    Schedule,
    Scheme,
    Term,
    Threshold,
    TieKey,
    VisitFrequency,
    Workflows,
)
from .yamlsrc import LineDict, LineList, parse_yaml

PACK_SUFFIXES = (".yaml", ".yml")
CITATION_KEYS = {"article", "quote", "note"}
_SYSTEM_ROLE_RE = re.compile(r"[a-z][a-z0-9_]*")
_MISSING = object()


def load_pack(path: str | Path) -> Pack:
    """Read, validate and return one pack; raises PackError listing every problem."""
    path = Path(path)
    data = path.read_bytes()
    return _load(data, str(path))


def load_pack_text(text: str, filename: str = "<text>") -> Pack:
    """Validate a pack given as text; `filename` is used in error messages and for the name check."""
    return _load(text.encode("utf-8"), filename)


def available_packs(directory: str | Path) -> dict[str, Path]:
    """Pack name → file, for every pack file in `directory` (not loaded or validated)."""
    directory = Path(directory)
    found = sorted(p for p in directory.iterdir() if p.suffix in PACK_SUFFIXES and p.is_file())
    return {p.stem: p for p in found}


def load_packs(directory: str | Path) -> dict[str, Pack]:
    """Load every pack in `directory`; errors of all files are reported together."""
    packs: dict[str, Pack] = {}
    issues: list[PackIssue] = []
    for name, path in available_packs(directory).items():
        try:
            packs[name] = load_pack(path)
        except PackError as error:
            issues.extend(error.issues)
    if issues:
        raise PackError(issues)
    return packs


def _load(data: bytes, filename: str) -> Pack:
    version = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PackError([PackIssue(filename, 1, f"文件不是 UTF-8 编码：{error}")]) from None
    try:
        document = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise PackError([PackIssue(filename, line, f"YAML 语法错误：{error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise PackError([PackIssue(filename, 1, f"YAML 语法错误：{error}")]) from None
    builder = _PackBuilder(filename, version)
    pack = builder.build(document)
    if builder.issues or pack is None:
        raise PackError(builder.issues or [PackIssue(filename, 1, "策略包为空")])
    return pack


class _PackBuilder:
    """Walks the parsed document once, building dataclasses and collecting every issue."""

    def __init__(self, filename: str, version: str) -> None:
        self.filename = filename
        self.version = version
        self.issues: list[PackIssue] = []
        self.admin_keys: dict[str, tuple[int, Decimal | None, Decimal | None]] = {}

    # ----- primitive readers -------------------------------------------------------------------------------------

    def error(self, line: int, message: str) -> None:
        self.issues.append(PackIssue(self.filename, line, message))

    def mapping(self, value: Any, line: int, where: str) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        self.error(line, f"{where} 应为映射（key: value），实际为 {_type_name(value)}")
        return None

    def sequence(self, value: Any, line: int, where: str) -> LineList | None:
        if isinstance(value, LineList):
            return value
        self.error(line, f"{where} 应为列表，实际为 {_type_name(value)}")
        return None

    def keys(self, m: LineDict, where: str, required: Iterable[str] = (), optional: Iterable[str] = ()) -> None:
        required = set(required)
        allowed = required | set(optional)
        for key, line in m.duplicates:
            self.error(line, f"{where} 中键 {key!r} 重复")
        for key in m:
            if key not in allowed:
                self.error(m.line_of(key), f"{where} 中有未知的键 {key!r}（允许：{', '.join(sorted(allowed))}）")
        for key in sorted(required - set(m)):
            if key == "article":
                self.error(m.line, f"{where} 缺少条文引用 article（每条规则都须注明所依据的条款）")
            else:
                self.error(m.line, f"{where} 缺少必填项 {key!r}")

    def get(self, m: LineDict, key: str, types: tuple[type, ...], where: str, default: Any = None) -> Any:
        if key not in m or m[key] is None:
            return default
        value = m[key]
        if isinstance(value, bool) and bool not in types:
            self.error(m.line_of(key), f"{where}.{key} 的类型不对：应为 {_names(types)}，实际为布尔值")
            return default
        if not isinstance(value, types):
            self.error(m.line_of(key), f"{where}.{key} 的类型不对：应为 {_names(types)}，实际为 {_type_name(value)}")
            return default
        return value

    def text(self, m: LineDict, key: str, where: str, default: str | None = None) -> str | None:
        value = self.get(m, key, (str,), where)
        if value is None:
            return default
        if not value.strip():
            self.error(m.line_of(key), f"{where}.{key} 不能为空")
            return default
        return value

    def decimal(self, m: LineDict, key: str, where: str) -> Decimal | None:
        value = self.get(m, key, (int, Decimal), where)
        return None if value is None else Decimal(value)

    def integer(self, m: LineDict, key: str, where: str, minimum: int | None = None) -> int | None:
        value = self.get(m, key, (int,), where)
        if value is not None and minimum is not None and value < minimum:
            self.error(m.line_of(key), f"{where}.{key} 不能小于 {minimum}")
            return None
        return value

    def choice(self, m: LineDict, key: str, where: str, choices: tuple[str, ...], what: str) -> str | None:
        value = self.get(m, key, (str,), where)
        if value is not None and value not in choices:
            self.error(m.line_of(key), f"{where}.{key}：未知的{what} {value!r}（可用：{', '.join(choices)}）")
            return None
        return value

    def citation(self, m: LineDict, where: str) -> Citation | None:
        article = self.text(m, "article", where)
        if article is None:
            if "article" in m:  # present but empty or wrong type: already reported
                return None
            return None
        return Citation(article=article, quote=self.text(m, "quote", where), note=self.text(m, "note", where))

    def bound(self, m: LineDict, key: str, where: str, purpose: str, article: str | None) -> Bound | None:
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, LineDict) and "admin_set" in value:
            sub = f"{where}.{key}"
            self.keys(value, sub, required=("admin_set",), optional=("purpose", "allowed_min", "allowed_max", "note"))
            admin_key = self.text(value, "admin_set", sub)
            if admin_key is None:
                return None
            allowed_min = self.decimal(value, "allowed_min", sub)
            allowed_max = self.decimal(value, "allowed_max", sub)
            self.admin_keys.setdefault(admin_key, (value.line, allowed_min, allowed_max))
            return AdminValue(
                key=admin_key,
                purpose=self.text(value, "purpose", sub) or purpose,
                article=article or "",
                allowed_min=allowed_min,
                allowed_max=allowed_max,
            )
        self.error(
            m.line_of(key),
            f"{where}.{key} 应为数字，或 {{admin_set: 键名}} 表示条文未给出、须由管理员设定的数值；"
            f"实际为 {_type_name(value)}",
        )
        return None

    def step_due(self, m: LineDict, where: str, article: str | None) -> int | AdminValue | None:
        """A step's time limit: whole working days, or {admin_set: key} where the regulation sets none."""
        value = m.get("due_working_days")
        if isinstance(value, LineDict):
            bound = self.bound(m, "due_working_days", where, "审批步骤办理时限（工作日）", article)
            return bound if isinstance(bound, AdminValue) else None
        return self.integer(m, "due_working_days", where, minimum=0)

    def items(self, m: LineDict, key: str, where: str, required: bool = False) -> list[tuple[int, Any]]:
        """(line, item) pairs of a list under `key`; reports a wrong type or a missing required list."""
        if key not in m or m[key] is None:
            if required:
                self.error(m.line, f"{where} 缺少必填项 {key!r}")
            return []
        seq = self.sequence(m[key], m.line_of(key), f"{where}.{key}")
        if seq is None:
            return []
        return [(seq.line_of(i), item) for i, item in enumerate(seq)]

    def mapping_items(self, m: LineDict, key: str, where: str, required: bool = False) -> list[LineDict]:
        result = []
        for line, item in self.items(m, key, where, required):
            sub = self.mapping(item, line, f"{where}.{key} 的条目")
            if sub is not None:
                result.append(sub)
        return result

    def unique(self, seen: dict[str, int], code: str | None, line: int, what: str) -> None:
        if code is None:
            return
        if code in seen:
            self.error(line, f"{what} {code!r} 重复（第 {seen[code]} 行已定义）")
        else:
            seen[code] = line

    # ----- the pack ----------------------------------------------------------------------------------------------

    def build(self, document: Any) -> Pack | None:
        if document is None:
            self.error(1, "策略包为空")
            return None
        root = self.mapping(document, getattr(document, "line", 1), "策略包顶层")
        if root is None:
            return None
        self.keys(
            root,
            "策略包顶层",
            required=("pack", "title", "company", "source_seed"),
            optional=(
                "schemes",
                "figures",
                "applications",
                "schema_version",
                "org",
                "dimensions",
                "benefits",
                "dimension_benefits",
                "benefit_adjustments",
                "workflows",
                "provisions",
                "notes",
            ),
        )
        name = self.text(root, "pack", "策略包顶层")
        stem = Path(self.filename).stem
        if name and Path(self.filename).suffix in PACK_SUFFIXES and name != stem:
            self.error(root.line_of("pack"), f"pack 名称 {name!r} 须与文件名 {stem!r} 一致")
        title = self.text(root, "title", "策略包顶层")
        company = self.text(root, "company", "策略包顶层")
        source_seed = self.text(root, "source_seed", "策略包顶层")
        self.get(root, "notes", (str, LineList), "策略包顶层")
        version = self.get(root, "schema_version", (int,), "策略包顶层", 1)
        if version != 1:
            self.error(root.line_of("schema_version"), f"不支持的 schema_version {version}（当前为 1）")

        roles, org_units = self.build_org(root)
        dimensions = self.build_dimensions(root)
        schemes = self.build_schemes(root, name or stem)
        benefits = self.build_benefits(root, schemes)
        dimension_benefits = self.build_dimension_benefits(root, dimensions)
        adjustments = self.build_adjustments(root, schemes)
        workflows = self.build_workflows(root, roles, schemes)
        provisions = self.build_provisions(root)
        figures, applications = self.build_sections(root, roles, workflows)
        self.check_admin_keys()
        if self.issues:
            return None
        return Pack(
            name=name or stem,
            title=title or "",
            company=company or "",
            source_seed=source_seed or "",
            version=self.version,
            path=self.filename,
            roles=MappingProxyType(roles),
            dimensions=MappingProxyType(dimensions),
            schemes=MappingProxyType(schemes),
            benefits=MappingProxyType(benefits),
            dimension_benefits=MappingProxyType(dimension_benefits),
            benefit_adjustments=tuple(adjustments),
            workflows=workflows,
            provisions=tuple(provisions),
            org_units=tuple(org_units),
            figures=MappingProxyType(figures),
            applications=MappingProxyType(applications),
        )

    def build_sections(self, root: LineDict, roles: dict[str, Role], workflows: Workflows) -> tuple[dict, dict]:
        """The optional `figures` and `applications` sections (003 委建房, 铁路/电力大客户; engine/sections.py).
        A pack needs at least one of schemes, figures or applications."""
        from . import sections

        if not any(key in root for key in ("schemes", "figures", "applications")):
            self.error(root.line, "策略包须至少包含 schemes（分级方案）、figures（数值）或 applications（申请）之一")
        figures = sections.build_figures(self, root)
        applications = sections.build_applications(self, root, roles, workflows.approval_chains)
        sections.check_validity_ends(self, root, applications)
        return figures, applications

    def check_admin_keys(self) -> None:
        for key, (line, low, high) in self.admin_keys.items():
            if low is not None and high is not None and low > high:
                self.error(line, f"管理员数值 {key} 的 allowed_min 大于 allowed_max")

    def build_org(self, root: LineDict) -> tuple[dict[str, Role], list[str]]:
        roles: dict[str, Role] = {}
        units: list[str] = []
        if "org" not in root:
            return roles, units
        org = self.mapping(root["org"], root.line_of("org"), "org")
        if org is None:
            return roles, units
        self.keys(org, "org", optional=("roles", "units"))
        seen: dict[str, int] = {}
        for item in self.mapping_items(org, "roles", "org"):
            self.keys(item, "org.roles 条目", required=("code", "name"), optional=(*CITATION_KEYS, "system_role"))
            code = self.text(item, "code", "org.roles")
            self.unique(seen, code, item.line, "角色")
            name = self.text(item, "name", "org.roles")
            citation = self.citation(item, "org.roles") if "article" in item else None
            system_role = self.text(item, "system_role", "org.roles") if "system_role" in item else None
            if system_role is not None and not _SYSTEM_ROLE_RE.fullmatch(system_role):
                self.error(
                    item.line_of("system_role"),
                    f"org.roles[{code}].system_role 应为系统角色编码（小写字母、数字、下划线），实际为 {system_role!r}",
                )
                system_role = None
            if code and name:
                roles[code] = Role(code, name, citation, system_role)
        for line, unit in self.items(org, "units", "org"):
            if isinstance(unit, str):
                units.append(unit)
            else:
                self.error(line, "org.units 的条目应为文字")
        return roles, units

    def build_dimensions(self, root: LineDict) -> dict[str, Dimension]:
        result: dict[str, Dimension] = {}
        seen: dict[str, int] = {}
        for item in self.mapping_items(root, "dimensions", "dimensions"):
            where = f"dimensions[{item.get('code', '?')}]"
            self.keys(
                item, where, required=("code", "name", "values", "article"), optional=("quote", "note", "multiple")
            )
            code = self.text(item, "code", where)
            self.unique(seen, code, item.line, "分类维度")
            values: list[DimensionValue] = []
            value_seen: dict[str, int] = {}
            for line, value in self.items(item, "values", where, required=False):
                if isinstance(value, str):
                    values.append(DimensionValue(value, value))
                    self.unique(value_seen, value, line, f"{where} 的取值")
                    continue
                sub = self.mapping(value, line, f"{where}.values 的条目")
                if sub is None:
                    continue
                self.keys(sub, f"{where}.values", required=("code",), optional=("name", "definition"))
                value_code = self.text(sub, "code", where)
                self.unique(value_seen, value_code, line, f"{where} 的取值")
                if value_code:
                    values.append(
                        DimensionValue(value_code, self.text(sub, "name", where) or value_code, sub.get("definition"))
                    )
            if "values" in item and not values:
                self.error(item.line_of("values"), f"{where}.values 至少需要一个取值")
            citation = self.citation(item, where)
            if code and citation:
                result[code] = Dimension(
                    code=code,
                    name=self.text(item, "name", where) or code,
                    values=tuple(values),
                    citation=citation,
                    multiple=bool(self.get(item, "multiple", (bool,), where, False)),
                )
        return result

    # ----- schemes -----------------------------------------------------------------------------------------------

    def build_schemes(self, root: LineDict, pack_name: str) -> dict[str, Scheme]:
        result: dict[str, Scheme] = {}
        seen: dict[str, int] = {}
        items = self.mapping_items(root, "schemes", "schemes")
        if "schemes" in root and isinstance(root["schemes"], LineList) and not root["schemes"]:
            self.error(root.line_of("schemes"), "schemes 至少需要一个分级方案")
        for item in items:
            scheme = self.build_scheme(item, pack_name)
            code = item.get("code") if isinstance(item.get("code"), str) else None
            self.unique(seen, code, item.line, "分级方案")
            if scheme is not None and code:
                result[code] = scheme
        return result

    def build_scheme(self, item: LineDict, pack_name: str) -> Scheme | None:
        where = f"schemes[{item.get('code', '?')}]"
        self.keys(
            item,
            where,
            required=("code", "name", "type", "grades", "article"),
            optional=(
                "quote",
                "note",
                "period",
                "metrics",
                "criteria",
                "combine",
                "conditions",
                "movement",
                "coefficients",
                "distribution",
                "grade_attribute",
                "applies_when",
                "override",
            ),
        )
        issues_before = len(self.issues)
        code = self.text(item, "code", where)
        scheme_type = self.choice(item, "type", where, SCHEME_TYPES, "规则类型")
        citation = self.citation(item, where)
        period = self.choice(item, "period", where, METRIC_PERIODS, "期间")
        grades = self.build_grades(item, where)
        grade_codes = [g.code for g in grades]
        rank = {g: i for i, g in enumerate(grade_codes)}
        metrics = self.build_metrics(item, where)
        metric_codes = {m.code for m in metrics}

        criteria: list[Criterion] = []
        for criterion_item in self.mapping_items(item, "criteria", where):
            criterion = self.build_criterion(criterion_item, where, rank, metric_codes)
            if criterion is not None:
                criteria.append(criterion)
        combine = self.choice(item, "combine", where, COMBINE_RULES, "组合规则") or "highest"
        conditions = [
            c
            for c in (self.build_condition(ci, where, rank) for ci in self.mapping_items(item, "conditions", where))
            if c
        ]
        movement = None
        if "movement" in item:
            m = self.mapping(item["movement"], item.line_of("movement"), f"{where}.movement")
            if m is not None:
                self.keys(m, f"{where}.movement", required=("max_step", "article"), optional=("quote", "note"))
                max_step = self.integer(m, "max_step", f"{where}.movement", minimum=1)
                movement_citation = self.citation(m, f"{where}.movement")
                if max_step and movement_citation:
                    movement = Movement(max_step, movement_citation)
        coefficients = self.build_coefficients(item, where, rank) if "coefficients" in item else None
        distribution = self.build_distribution(item, where, rank, metric_codes) if "distribution" in item else None
        grade_attribute = self.text(item, "grade_attribute", where)
        applies_when = None
        if "applies_when" in item:
            applies_when = self.build_predicate(
                item["applies_when"], item.line_of("applies_when"), f"{where}.applies_when"
            )
        override = self.build_override(item, where)

        # What each rule type needs.
        if scheme_type == "thresholds" and not criteria and "criteria" not in item:
            self.error(item.line, f"{where}：thresholds 类型须有 criteria（指标及其阈值）")
        if scheme_type == "forced_distribution" and "distribution" not in item:
            self.error(item.line, f"{where}：forced_distribution 类型须有 distribution（分布比例与同分规则）")
        if scheme_type == "manual" and grade_attribute is None:
            self.error(item.line, f"{where}：manual 类型须有 grade_attribute（人工评定等级所在的客户属性）")
        if scheme_type != "thresholds":
            for key in ("criteria", "coefficients"):
                if key in item:
                    self.error(item.line_of(key), f"{where}.{key} 只适用于 thresholds 类型")
        if scheme_type != "forced_distribution" and "distribution" in item:
            self.error(item.line_of("distribution"), f"{where}.distribution 只适用于 forced_distribution 类型")

        if len(self.issues) > issues_before or not (code and scheme_type and citation and grades):
            return None
        return Scheme(
            code=code,
            name=self.text(item, "name", where) or code,
            type=scheme_type,
            grades=tuple(grades),
            citation=citation,
            metrics=tuple(metrics),
            criteria=tuple(criteria),
            combine=combine,
            conditions=tuple(conditions),
            movement=movement,
            coefficients=coefficients,
            distribution=distribution,
            grade_attribute=grade_attribute,
            applies_when=applies_when,
            override=override,
            period=period,
            pack_name=pack_name,
            pack_version=self.version,
        )

    def build_grades(self, item: LineDict, where: str) -> list[Grade]:
        grades: list[Grade] = []
        seen: dict[str, int] = {}
        for line, value in self.items(item, "grades", where):
            if isinstance(value, str):
                grade = Grade(value, value)
            else:
                sub = self.mapping(value, line, f"{where}.grades 的条目")
                if sub is None:
                    continue
                self.keys(sub, f"{where}.grades", required=("code", "name"))
                code, name = self.text(sub, "code", where), self.text(sub, "name", where)
                if not (code and name):
                    continue
                grade = Grade(code, name)
            self.unique(seen, grade.code, line, f"{where} 的等级")
            grades.append(grade)
        if "grades" in item and not grades:
            self.error(item.line_of("grades"), f"{where}.grades 至少需要一个等级")
        return grades

    def build_metrics(self, item: LineDict, where: str) -> list[Metric]:
        metrics: list[Metric] = []
        seen: dict[str, int] = {}
        raw = self.mapping_items(item, "metrics", where)
        declared = {m.get("code") for m in raw}
        for m in raw:
            sub = f"{where}.metrics[{m.get('code', '?')}]"
            self.keys(
                m,
                sub,
                required=("code", "kind", "label"),
                optional=("unit", "period", "product_group", "product_groups", "factors", "scale_max", "description",
                          *CITATION_KEYS),
            )
            code = self.text(m, "code", sub)
            self.unique(seen, code, m.line, "指标")
            kind = self.choice(m, "kind", sub, METRIC_KINDS, "指标类型")
            period = self.choice(m, "period", sub, METRIC_PERIODS, "期间")
            if kind in AGGREGATE_METRIC_KINDS and period is None and "period" not in m:
                self.error(m.line, f"{sub}：{kind} 指标须写明统计期间 period（month/quarter/half_year/year）")
            product_groups = self.product_groups(m, sub, kind)
            if kind == "sum_quantity":
                if not product_groups and "product_group" not in m and "product_groups" not in m:
                    self.error(m.line, f"{sub}：sum_quantity 指标须写明 product_group（或 product_groups）")
                if "unit" not in m:
                    self.error(m.line, f"{sub}：sum_quantity 指标须写明 unit")
            factors: list[Factor] = []
            if kind == "weighted_score":
                factor_items = self.mapping_items(m, "factors", sub, required=True)
                for f in factor_items:
                    self.keys(f, f"{sub}.factors", required=("metric", "weight"))
                    metric = self.text(f, "metric", f"{sub}.factors")
                    if metric is not None and (metric not in declared or metric == code):
                        self.error(f.line_of("metric"), f"{sub}.factors：未声明的指标 {metric!r}")
                    weight = self.bound(f, "weight", f"{sub}.factors", f"{metric} 的权重", item.get("article"))
                    if metric and weight is not None:
                        factors.append(Factor(metric, weight))
                weights = [f.weight for f in factors]
                if weights and all(isinstance(w, Decimal) for w in weights) and sum(weights) != Decimal(100):
                    self.error(m.line_of("factors"), f"{sub}.factors 的权重合计应为 100，实际为 {sum(weights)}")
            elif "factors" in m:
                self.error(m.line_of("factors"), f"{sub}.factors 只适用于 weighted_score 指标")
            if code and kind:
                metrics.append(
                    Metric(
                        code=code,
                        kind=kind,
                        label=self.text(m, "label", sub) or code,
                        unit=self.text(m, "unit", sub),
                        period=period,
                        product_groups=product_groups,
                        factors=tuple(factors),
                        scale_max=self.decimal(m, "scale_max", sub),
                        description=self.text(m, "description", sub),
                    )
                )
        return metrics

    def product_groups(self, m: LineDict, where: str, kind: str | None) -> tuple[str, ...]:
        """`product_group: 聚烯烃` or `product_groups: [袋装水泥, 散装水泥]` (summed together), not both."""
        if "product_group" in m and "product_groups" in m:
            self.error(m.line_of("product_groups"), f"{where}：product_group 与 product_groups 只能写一个")
            return ()
        if "product_group" in m:
            single = self.text(m, "product_group", where)
            groups: tuple[str, ...] = (single,) if single else ()
        elif "product_groups" in m:
            names: list[str] = []
            items = self.items(m, "product_groups", where)
            if not items and isinstance(m["product_groups"], LineList):
                self.error(m.line_of("product_groups"), f"{where}.product_groups 至少需要一个产品组")
            for line, value in items:
                if not isinstance(value, str) or not value.strip():
                    self.error(line, f"{where}.product_groups 的条目应为产品组的编码或名称，实际为 {_type_name(value)}")
                elif value in names:
                    self.error(line, f"{where}.product_groups 中产品组 {value!r} 重复")
                else:
                    names.append(value)
            groups = tuple(names)
        else:
            return ()
        if groups and kind not in ("sum_quantity", "sum_amount", None):
            self.error(m.line_of("product_groups" if "product_groups" in m else "product_group"),
                       f"{where}：只有 sum_quantity / sum_amount 指标可以限定产品组")
        return groups

    def build_criterion(
        self, item: LineDict, where: str, rank: dict[str, int], metric_codes: set[str]
    ) -> Criterion | None:
        sub = f"{where}.criteria[{item.get('metric', '?')}]"
        self.keys(item, sub, required=("metric", "thresholds"))
        metric = self.text(item, "metric", sub)
        if metric is not None and metric not in metric_codes:
            self.error(item.line_of("metric"), f"{sub}：未知的指标 {metric!r}（须先在 metrics 中声明）")
        thresholds: list[Threshold] = []
        ok = True
        for t in self.mapping_items(item, "thresholds", sub, required=True):
            threshold = self.build_threshold(t, sub, rank)
            if threshold is None:
                ok = False
            else:
                thresholds.append(threshold)
        if ok:
            self.check_continuity(thresholds, sub, rank)
        if metric is None or not thresholds:
            return None
        return Criterion(metric, tuple(thresholds))

    def build_threshold(self, t: LineDict, where: str, rank: dict[str, int]) -> Threshold | None:
        sub = f"{where}.thresholds"
        before = len(self.issues)
        self.keys(
            t,
            sub,
            required=("grade", "article"),
            optional=("min", "min_inclusive", "max", "max_inclusive", "phrase", "quote", "note"),
        )
        grade = self.text(t, "grade", sub)
        if grade is not None and grade not in rank:
            self.error(t.line_of("grade"), f"{sub}：未知的等级 {grade!r}（本方案的等级：{', '.join(rank)}）")
        article = t.get("article") if isinstance(t.get("article"), str) else None
        low = self.bound(t, "min", sub, f"{grade} 的下限", article)
        high = self.bound(t, "max", sub, f"{grade} 的上限", article)
        low_inclusive = self.get(t, "min_inclusive", (bool,), sub)
        high_inclusive = self.get(t, "max_inclusive", (bool,), sub)
        # 含/不含 must be stated: the articles are explicit about it and a default would hide a misreading.
        if "min" in t and "min_inclusive" not in t:
            self.error(t.line_of("min"), f"{sub}[{grade}]：写了 min 就须写明 min_inclusive（含/不含本数）")
        if "max" in t and "max_inclusive" not in t:
            self.error(t.line_of("max"), f"{sub}[{grade}]：写了 max 就须写明 max_inclusive（含/不含本数）")
        if "min" not in t and "max" not in t:
            self.error(t.line, f"{sub}[{grade}]：阈值至少需要 min 或 max")
        both_numbers = isinstance(low, Decimal) and isinstance(high, Decimal)
        if both_numbers and (low > high or (low == high and not (low_inclusive and high_inclusive))):
            self.error(t.line, f"{sub}[{grade}]：区间为空（min {low} 不小于 max {high}）")
        citation = self.citation(t, sub)
        if len(self.issues) > before or grade is None or citation is None:
            return None
        return Threshold(
            grade=grade,
            min=low,
            min_inclusive=bool(low_inclusive),
            max=high,
            max_inclusive=bool(high_inclusive),
            citation=citation,
            phrase=self.text(t, "phrase", sub),
            line=t.line,
        )

    def check_continuity(self, thresholds: list[Threshold], where: str, rank: dict[str, int]) -> None:
        for lower, upper in pairwise(thresholds):
            at = f"{where}：『{lower.grade}』与『{upper.grade}』之间"
            if rank[upper.grade] <= rank[lower.grade]:
                self.error(
                    upper.line, f"{where}：阈值须按等级由低到高排列，『{upper.grade}』不应排在『{lower.grade}』之后"
                )
            if lower.max is None:
                self.error(lower.line, f"{at}重叠：『{lower.grade}』没有上限，却还有更高一档")
                continue
            if upper.min is None:
                self.error(upper.line, f"{at}重叠：『{upper.grade}』没有下限，却不是最低一档")
                continue
            if isinstance(lower.max, AdminValue) or isinstance(upper.min, AdminValue):
                if not (
                    isinstance(lower.max, AdminValue)
                    and isinstance(upper.min, AdminValue)
                    and lower.max.key == upper.min.key
                ):
                    self.error(upper.line, f"{at}：相邻两档须引用同一个管理员数值（admin_set），否则可能重叠或空缺")
                    continue
            elif lower.max < upper.min:
                self.error(upper.line, f"{at}有空缺：{_fmt(lower.max)} 与 {_fmt(upper.min)} 之间的数值不属于任何等级")
                continue
            elif lower.max > upper.min:
                self.error(upper.line, f"{at}重叠：{_fmt(upper.min)} 至 {_fmt(lower.max)} 同时属于两档")
                continue
            if lower.max_inclusive and upper.min_inclusive:
                self.error(upper.line, f"{at}重叠：边界值 {_fmt_bound(upper.min)} 被两档同时包含（都写了「含」）")
            elif not lower.max_inclusive and not upper.min_inclusive:
                self.error(upper.line, f"{at}有空缺：边界值 {_fmt_bound(upper.min)} 不属于任何一档（都写了「不含」）")
        if thresholds and thresholds[-1].max is not None:
            self.error(
                thresholds[-1].line, f"{where}：最高一档『{thresholds[-1].grade}』不应有上限，否则更大的数值无等级"
            )

    def build_predicate(self, value: Any, line: int, where: str) -> Predicate | None:
        m = self.mapping(value, line, where)
        if m is None:
            return None
        self.keys(m, where, optional=("attribute", "equals", "in", "no_previous_grade", "all"))
        if "all" in m:
            if len(m) > 1:
                self.error(m.line, f"{where}：all 不能与其他条件同写")
            parts = [self.build_predicate(v, line, f"{where}.all") for line, v in self.items(m, "all", where)]
            if not parts or any(p is None for p in parts):
                return None
            return Predicate(all_of=tuple(parts))
        if m.get("no_previous_grade") is True:
            if len(m) > 1:
                self.error(m.line, f"{where}：no_previous_grade 不能与其他条件同写")
            return Predicate(no_previous_grade=True)
        attribute = self.text(m, "attribute", where)
        if attribute is None:
            self.error(m.line, f"{where}：须写 attribute（客户属性）或 no_previous_grade: true")
            return None
        if ("equals" in m) == ("in" in m):
            self.error(m.line, f"{where}：须写 equals 或 in 之一")
            return None
        if "in" in m:
            options = self.get(m, "in", (LineList,), where)
            return Predicate(attribute=attribute, one_of=tuple(options or ()))
        return Predicate(attribute=attribute, equals=m["equals"])

    def build_condition(self, item: LineDict, where: str, rank: dict[str, int]) -> Condition | None:
        sub = f"{where}.conditions[{item.get('code', '?')}]"
        before = len(self.issues)
        self.keys(
            item, sub, required=("code", "label", "when", "effect", "grade", "article"), optional=("quote", "note")
        )
        code = self.text(item, "code", sub)
        effect = self.choice(item, "effect", sub, CONDITION_EFFECTS, "条件效果")
        grade = self.text(item, "grade", sub)
        if grade is not None and grade not in rank:
            self.error(item.line_of("grade"), f"{sub}：未知的等级 {grade!r}（本方案的等级：{', '.join(rank)}）")
        when = self.build_predicate(item.get("when"), item.line_of("when"), f"{sub}.when") if "when" in item else None
        citation = self.citation(item, sub)
        if len(self.issues) > before or not (code and effect and grade and when and citation):
            return None
        return Condition(code, self.text(item, "label", sub) or code, when, effect, grade, citation)

    def build_coefficients(self, item: LineDict, where: str, rank: dict[str, int]) -> Coefficients | None:
        sub = f"{where}.coefficients"
        m = self.mapping(item["coefficients"], item.line_of("coefficients"), sub)
        if m is None:
            return None
        before = len(self.issues)
        self.keys(m, sub, required=("groups", "article"), optional=("applies_to_grades", "quote", "note"))
        applies: list[str] = []
        for line, grade in self.items(m, "applies_to_grades", sub):
            if grade not in rank:
                self.error(line, f"{sub}.applies_to_grades：未知的等级 {grade!r}")
            else:
                applies.append(grade)
        citation = self.citation(m, sub)
        groups: dict[str, GroupCoefficient] = {}
        for g in self.mapping_items(m, "groups", sub, required=True):
            self.keys(g, f"{sub}.groups", required=("group", "value"), optional=("when_unset", "note"))
            group = self.text(g, "group", f"{sub}.groups")
            value = self.bound(g, "value", f"{sub}.groups", f"{group} 的系数", citation.article if citation else None)
            when_unset = self.choice(g, "when_unset", f"{sub}.groups", ("error", "no_coefficient"), "未设定时的处理")
            if isinstance(value, Decimal) and not (Decimal(0) < value <= Decimal(10)):
                self.error(g.line_of("value"), f"{sub}.groups[{group}]：系数须大于 0")
            if group in groups:
                self.error(g.line, f"{sub}.groups：组 {group!r} 重复")
            if group and value is not None:
                groups[group] = GroupCoefficient(group, value, when_unset or "error")
        if len(self.issues) > before or citation is None:
            return None
        return Coefficients(tuple(applies) or tuple(rank), MappingProxyType(groups), citation)

    def build_distribution(
        self, item: LineDict, where: str, rank: dict[str, int], metric_codes: set[str]
    ) -> Distribution | None:
        sub = f"{where}.distribution"
        m = self.mapping(item["distribution"], item.line_of("distribution"), sub)
        if m is None:
            return None
        before = len(self.issues)
        self.keys(
            m, sub, required=("rank_metric", "bands", "tie_break", "article"), optional=("rounding", "quote", "note")
        )
        rank_metric = self.text(m, "rank_metric", sub)
        if rank_metric is not None and rank_metric not in metric_codes:
            self.error(m.line_of("rank_metric"), f"{sub}：未知的指标 {rank_metric!r}")
        rounding = self.choice(m, "rounding", sub, ("cumulative_half_up",), "取整规则") or "cumulative_half_up"
        bands: list[Band] = []
        seen: dict[str, int] = {}
        band_items = self.mapping_items(m, "bands", sub, required=True)
        for index, b in enumerate(band_items):
            self.keys(b, f"{sub}.bands", required=("grade",), optional=("share_percent", "top", "rest"))
            grade = self.text(b, "grade", f"{sub}.bands")
            if grade is not None and grade not in rank:
                self.error(b.line_of("grade"), f"{sub}.bands：未知的等级 {grade!r}")
            self.unique(seen, grade, b.line, f"{sub}.bands 的等级")
            share = self.decimal(b, "share_percent", f"{sub}.bands")
            top = self.integer(b, "top", f"{sub}.bands", minimum=1)
            rest = bool(self.get(b, "rest", (bool,), f"{sub}.bands", False))
            if sum(x is not None and x is not False for x in (share, top, rest or None)) != 1:
                self.error(b.line, f"{sub}.bands[{grade}]：须且只须写 share_percent、top 或 rest: true 之一")
            if rest and index != len(band_items) - 1:
                self.error(b.line, f"{sub}.bands[{grade}]：rest 只能用于最后一档")
            if grade:
                bands.append(Band(grade, share, top, rest))
        for upper, lower in pairwise(bands):
            if upper.grade in rank and lower.grade in rank and rank[lower.grade] >= rank[upper.grade]:
                self.error(m.line_of("bands"), f"{sub}.bands 须从最高等级排到最低等级（排名靠前者等级高）")
                break
        shares = [b.share_percent for b in bands]
        if bands and all(s is not None for s in shares) and sum(shares) != Decimal(100):
            self.error(m.line_of("bands"), f"{sub}.bands 的比例合计应为 100%，实际为 {sum(shares)}%")
        ties: list[TieKey] = []
        tie_items = self.mapping_items(m, "tie_break", sub, required=True)
        for t in tie_items:
            self.keys(t, f"{sub}.tie_break", required=("field", "order"))
            field_name = self.text(t, "field", f"{sub}.tie_break")
            order = self.choice(t, "order", f"{sub}.tie_break", ("asc", "desc"), "排序方向")
            if field_name is not None and field_name != "customer_id" and field_name not in metric_codes:
                self.error(t.line_of("field"), f"{sub}.tie_break：未知的指标 {field_name!r}")
            if field_name and order:
                ties.append(TieKey(field_name, order == "desc"))
        if tie_items and (not ties or ties[-1].field != "customer_id"):
            self.error(
                m.line_of("tie_break"), f"{sub}.tie_break 的最后一项须为 customer_id，保证同分时结果唯一且可复现"
            )
        citation = self.citation(m, sub)
        if len(self.issues) > before or not (rank_metric and citation):
            return None
        return Distribution(rank_metric, tuple(bands), tuple(ties), rounding, citation)

    def build_override(self, item: LineDict, where: str) -> OverridePolicy:
        default = OverridePolicy(allowed=True, requires=("reason", "approver"))
        if "override" not in item:
            return default
        sub = f"{where}.override"
        m = self.mapping(item["override"], item.line_of("override"), sub)
        if m is None:
            return default
        self.keys(m, sub, required=("allowed",), optional=("requires", "article", "quote", "note"))
        requires = []
        for line, value in self.items(m, "requires", sub):
            if value not in ("reason", "approver"):
                self.error(line, f"{sub}.requires：未知的要求 {value!r}（可用：reason, approver）")
            else:
                requires.append(value)
        return OverridePolicy(
            allowed=bool(self.get(m, "allowed", (bool,), sub, True)),
            requires=tuple(requires) if "requires" in m else default.requires,
            citation=self.citation(m, sub) if "article" in m else None,
        )

    # ----- benefits ----------------------------------------------------------------------------------------------

    def build_terms(self, item: LineDict, where: str) -> tuple[dict[str, Term], list[Term]]:
        terms: dict[str, Term] = {}
        for key in BENEFIT_FIELDS:
            if key not in item:
                continue
            sub = f"{where}.{key}"
            m = self.mapping(item[key], item.line_of(key), sub)
            if m is None:
                continue
            self.keys(m, sub, required=("value", "article"), optional=("quote", "note"))
            value = self.term_value(key, m, sub)
            citation = self.citation(m, sub)
            if value is not None and citation is not None:
                terms[key] = Term(value, citation)
        extra: list[Term] = []
        for e in self.mapping_items(item, "extra", where):
            self.keys(e, f"{where}.extra", required=("text", "article"), optional=("quote", "note"))
            text = self.text(e, "text", f"{where}.extra")
            citation = self.citation(e, f"{where}.extra")
            if text and citation:
                extra.append(Term(text, citation))
        return terms, extra

    def term_value(self, key: str, m: LineDict, where: str) -> Any:
        if key in ("discount_cap_percent", "surcharge_percent"):
            value = self.decimal(m, "value", where)
            if value is not None and not (Decimal(0) <= value <= Decimal(100)):
                self.error(m.line_of("value"), f"{where}：百分比须在 0 至 100 之间")
                return None
            return value
        if key in ("lead_time_days", "order_priority", "inquiry_response_hours"):
            return self.integer(m, "value", where, minimum=0)
        if key == "rush_orders":
            return self.choice(m, "value", where, RUSH_ORDER_POLICIES, "插单规则")
        if key in ("visits_per_year", "credit_limit"):
            if isinstance(m.get("value"), str):
                return self.text(m, "value", where)
            return self.bound(m, "value", where, key, m.get("article"))
        return self.text(m, "value", where)

    def build_benefits(self, root: LineDict, schemes: dict[str, Scheme]) -> dict[tuple[str, str], Benefits]:
        result: dict[tuple[str, str], Benefits] = {}
        seen: dict[str, int] = {}
        for item in self.mapping_items(root, "benefits", "benefits"):
            where = f"benefits[{item.get('scheme', '?')}:{item.get('grade', '?')}]"
            self.keys(item, where, required=("scheme", "grade"), optional=(*BENEFIT_FIELDS, "extra", "note"))
            scheme_code = self.text(item, "scheme", where)
            grade = self.text(item, "grade", where)
            scheme = schemes.get(scheme_code) if scheme_code else None
            if scheme_code and scheme is None and not self._scheme_failed(root, scheme_code):
                self.error(item.line_of("scheme"), f"{where}：未知的分级方案 {scheme_code!r}")
            if scheme is not None and grade is not None and grade not in scheme.rank:
                self.error(
                    item.line_of("grade"),
                    f"{where}：方案 {scheme_code} 没有等级 {grade!r}（现有：{', '.join(scheme.grade_codes())}）",
                )
            self.unique(seen, f"{scheme_code}:{grade}", item.line, "权益条目")
            terms, extra = self.build_terms(item, where)
            if not terms and not extra:
                self.error(item.line, f"{where}：没有任何权益项")
            if scheme_code and grade:
                result[(scheme_code, grade)] = Benefits(scheme=scheme_code, grade=grade, extra=tuple(extra), **terms)
        return result

    def _scheme_failed(self, root: LineDict, code: str) -> bool:
        """A scheme that failed its own validation is declared; do not report it a second time as unknown."""
        schemes = root.get("schemes")
        return isinstance(schemes, list) and any(isinstance(s, dict) and s.get("code") == code for s in schemes)

    def build_dimension_benefits(
        self, root: LineDict, dimensions: dict[str, Dimension]
    ) -> dict[tuple[str, str], DimensionBenefits]:
        result: dict[tuple[str, str], DimensionBenefits] = {}
        for item in self.mapping_items(root, "dimension_benefits", "dimension_benefits"):
            where = f"dimension_benefits[{item.get('dimension', '?')}:{item.get('value', '?')}]"
            self.keys(item, where, required=("dimension", "value"), optional=(*BENEFIT_FIELDS, "extra", "note"))
            code = self.text(item, "dimension", where)
            value = self.text(item, "value", where)
            dimension = dimensions.get(code) if code else None
            if code and dimension is None:
                self.error(item.line_of("dimension"), f"{where}：未知的分类维度 {code!r}")
            elif dimension is not None and value is not None and value not in dimension.value_codes():
                self.error(item.line_of("value"), f"{where}：维度 {code} 没有取值 {value!r}")
            terms, extra = self.build_terms(item, where)
            if extra:
                terms = {**terms, "extra": extra}  # type: ignore[dict-item]
            if code and value:
                result[(code, value)] = DimensionBenefits(code, value, MappingProxyType(terms))
        return result

    def build_adjustments(self, root: LineDict, schemes: dict[str, Scheme]) -> list[BenefitAdjustment]:
        result: list[BenefitAdjustment] = []
        for item in self.mapping_items(root, "benefit_adjustments", "benefit_adjustments"):
            where = f"benefit_adjustments[{item.get('code', '?')}]"
            before = len(self.issues)
            self.keys(
                item,
                where,
                required=("code", "scheme", "when", "effect", "article"),
                optional=("steps", "quote", "note"),
            )
            code = self.text(item, "code", where)
            scheme_code = self.text(item, "scheme", where)
            scheme = schemes.get(scheme_code) if scheme_code else None
            if scheme_code and scheme is None:
                self.error(item.line_of("scheme"), f"{where}：未知的分级方案 {scheme_code!r}")
            effect = self.choice(item, "effect", where, BENEFIT_ADJUSTMENT_EFFECTS, "调整效果")
            steps = self.integer(item, "steps", where, minimum=1) or 1
            when = self.mapping(item.get("when"), item.line_of("when"), f"{where}.when") if "when" in item else None
            metric, low, inclusive = None, None, True
            if when is not None:
                self.keys(when, f"{where}.when", required=("metric", "min", "min_inclusive"))
                metric = self.text(when, "metric", f"{where}.when")
                low = self.decimal(when, "min", f"{where}.when")
                inclusive = bool(self.get(when, "min_inclusive", (bool,), f"{where}.when", True))
                if scheme is not None and metric is not None and metric not in {m.code for m in scheme.metrics}:
                    self.error(when.line_of("metric"), f"{where}.when：方案 {scheme_code} 没有指标 {metric!r}")
            citation = self.citation(item, where)
            if (
                len(self.issues) == before
                and code
                and scheme_code
                and effect
                and metric
                and low is not None
                and citation
            ):
                result.append(BenefitAdjustment(code, scheme_code, metric, low, inclusive, effect, steps, citation))
        return result

    # ----- workflows ---------------------------------------------------------------------------------------------

    def build_workflows(self, root: LineDict, roles: dict[str, Role], schemes: dict[str, Scheme]) -> Workflows:
        if "workflows" not in root:
            return Workflows()
        w = self.mapping(root["workflows"], root.line_of("workflows"), "workflows")
        if w is None:
            return Workflows()
        self.keys(
            w,
            "workflows",
            optional=(
                "approval_chains",
                "deadlines",
                "company_hours",
                "complaint_types",
                "required_documents",
                "visit_frequency",
                "schedules",
            ),
        )
        chains: dict[str, ApprovalChain] = {}
        for item in self.mapping_items(w, "approval_chains", "workflows"):
            where = f"workflows.approval_chains[{item.get('code', '?')}]"
            self.keys(item, where, required=("code", "name", "steps", "article"), optional=("quote", "note"))
            code = self.text(item, "code", where)
            steps: list[ApprovalStep] = []
            for s in self.mapping_items(item, "steps", where, required=True):
                self.keys(s, f"{where}.steps", required=("role", "action"), optional=("due_working_days", "note"))
                role = self.text(s, "role", f"{where}.steps")
                if role and roles and role not in roles:
                    self.error(s.line_of("role"), f"{where}.steps：未知的角色 {role!r}（须在 org.roles 中声明）")
                action = self.text(s, "action", f"{where}.steps")
                due = self.step_due(s, f"{where}.steps", item.get("article") if isinstance(item.get("article"), str)
                                    else None)
                if role and action:
                    steps.append(ApprovalStep(role, action, due))
            if "steps" in item and isinstance(item["steps"], list) and not item["steps"]:
                self.error(item.line_of("steps"), f"{where}.steps 至少需要一步")
            citation = self.citation(item, where)
            if code in chains:
                self.error(item.line, f"审批链 {code!r} 重复")
            if code and citation:
                chains[code] = ApprovalChain(code, self.text(item, "name", where) or code, tuple(steps), citation)

        company_hours = None
        if "company_hours" in w:
            h = self.mapping(w["company_hours"], w.line_of("company_hours"), "workflows.company_hours")
            if h is not None:
                self.keys(h, "workflows.company_hours", required=("start", "end"), optional=("note",))
                start = self.text(h, "start", "workflows.company_hours")
                end = self.text(h, "end", "workflows.company_hours")
                for key, value in (("start", start), ("end", end)):
                    if value is not None and not _is_hhmm(value):
                        self.error(h.line_of(key), f'workflows.company_hours.{key} 应为 "HH:MM"（加引号）')
                if start and end and _is_hhmm(start) and _is_hhmm(end) and start >= end:
                    self.error(h.line, "workflows.company_hours：start 须早于 end")
                if start and end:
                    company_hours = CompanyHours(start, end)

        deadlines: dict[str, Deadline] = {}
        for item in self.mapping_items(w, "deadlines", "workflows"):
            where = f"workflows.deadlines[{item.get('code', '?')}]"
            self.keys(
                item,
                where,
                required=("code", "name", "amount", "unit", "article"),
                optional=("counting", "extension", "quote", "note"),
            )
            code = self.text(item, "code", where)
            amount = self.integer(item, "amount", where, minimum=0)
            unit = self.choice(item, "unit", where, DEADLINE_UNITS, "时限单位")
            counting = self.choice(item, "counting", where, DEADLINE_COUNTING, "计时方式")
            counting = counting or ("working_hours" if unit == "working_hours" else "whole_days")
            if counting == "working_hours" and company_hours is None:
                self.error(item.line, f"{where}：按工作小时计时须在 workflows.company_hours 中写明公司作息时间")
            extension = None
            if "extension" in item:
                e = self.mapping(item["extension"], item.line_of("extension"), f"{where}.extension")
                if e is not None:
                    self.keys(e, f"{where}.extension", required=("max_amount",), optional=("approval_chain", "note"))
                    max_amount = self.integer(e, "max_amount", f"{where}.extension", minimum=1)
                    chain = self.text(e, "approval_chain", f"{where}.extension")
                    if chain and chain not in chains:
                        self.error(e.line_of("approval_chain"), f"{where}.extension：未知的审批链 {chain!r}")
                    if max_amount is not None and amount is not None and max_amount < amount:
                        self.error(e.line_of("max_amount"), f"{where}.extension.max_amount 不应小于 amount")
                    if max_amount:
                        extension = DeadlineExtension(max_amount, chain)
            citation = self.citation(item, where)
            if code in deadlines:
                self.error(item.line, f"时限 {code!r} 重复")
            if code and amount is not None and unit and citation:
                deadlines[code] = Deadline(
                    code, self.text(item, "name", where) or code, amount, unit, counting, citation, extension
                )

        complaint_types: list[ComplaintType] = []
        for item in self.mapping_items(w, "complaint_types", "workflows"):
            where = f"workflows.complaint_types[{item.get('code', '?')}]"
            self.keys(item, where, required=("code", "name", "article"), optional=("quote", "note"))
            code, name, citation = (
                self.text(item, "code", where),
                self.text(item, "name", where),
                self.citation(item, where),
            )
            if code and name and citation:
                complaint_types.append(ComplaintType(code, name, citation))

        documents: list[RequiredDocuments] = []
        for item in self.mapping_items(w, "required_documents", "workflows"):
            where = "workflows.required_documents"
            self.keys(item, where, required=("customer_types", "documents", "article"), optional=("quote", "note"))
            types = [v for _, v in self.items(item, "customer_types", where) if isinstance(v, str)]
            docs = [v for _, v in self.items(item, "documents", where) if isinstance(v, str)]
            citation = self.citation(item, where)
            if types and docs and citation:
                documents.append(RequiredDocuments(tuple(types), tuple(docs), citation))

        visits: list[VisitFrequency] = []
        for item in self.mapping_items(w, "visit_frequency", "workflows"):
            where = "workflows.visit_frequency"
            self.keys(
                item, where, required=("applies_to", "visits_per_year", "article"), optional=("form", "quote", "note")
            )
            applies_to = self.text(item, "applies_to", where)
            if applies_to and applies_to != "all":
                scheme_code, _, grade = applies_to.partition(":")
                scheme = schemes.get(scheme_code)
                if scheme is None or grade not in scheme.rank:
                    self.error(
                        item.line_of("applies_to"),
                        f"{where}：applies_to 应为 all 或 <方案>:<等级>，{applies_to!r} 不存在",
                    )
            citation = self.citation(item, where)
            per_year = self.bound(
                item, "visits_per_year", where, "每年走访次数", citation.article if citation else None
            )
            if applies_to and per_year is not None and citation:
                visits.append(VisitFrequency(applies_to, per_year, citation, self.text(item, "form", where)))

        schedules: list[Schedule] = []
        for item in self.mapping_items(w, "schedules", "workflows"):
            where = f"workflows.schedules[{item.get('code', '?')}]"
            self.keys(
                item,
                where,
                required=("code", "name", "frequency", "article"),
                optional=("times", "months", "day_of_month", "target", "quote", "note"),
            )
            code = self.text(item, "code", where)
            frequency = self.choice(item, "frequency", where, SCHEDULE_FREQUENCIES, "周期")
            months = []
            for line, month in self.items(item, "months", where):
                if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
                    self.error(line, f"{where}.months：月份须为 1–12")
                else:
                    months.append(month)
            day = self.integer(item, "day_of_month", where, minimum=1)
            if day is not None and day > 31:
                self.error(item.line_of("day_of_month"), f"{where}.day_of_month 须为 1–31")
            citation = self.citation(item, where)
            if code and frequency and citation:
                schedules.append(
                    Schedule(
                        code=code,
                        name=self.text(item, "name", where) or code,
                        frequency=frequency,
                        citation=citation,
                        times=self.integer(item, "times", where, minimum=1),
                        months=tuple(months),
                        day_of_month=day,
                        target=self.text(item, "target", where),
                    )
                )
        return Workflows(
            approval_chains=MappingProxyType(chains),
            deadlines=MappingProxyType(deadlines),
            company_hours=company_hours,
            complaint_types=tuple(complaint_types),
            required_documents=tuple(documents),
            visit_frequency=tuple(visits),
            schedules=tuple(schedules),
        )

    def build_provisions(self, root: LineDict) -> list[Provision]:
        result: list[Provision] = []
        seen: dict[str, int] = {}
        for item in self.mapping_items(root, "provisions", "provisions"):
            where = f"provisions[{item.get('code', '?')}]"
            self.keys(item, where, required=("code", "text", "article"), optional=("quote", "note"))
            code = self.text(item, "code", where)
            self.unique(seen, code, item.line, "条款")
            text = self.text(item, "text", where)
            citation = self.citation(item, where)
            if code and text and citation:
                result.append(Provision(code, text, citation))
        return result


def _is_hhmm(value: str) -> bool:
    parts = value.split(":")
    return (
        len(parts) == 2
        and all(p.isdigit() and len(p) == 2 for p in parts)
        and int(parts[0]) < 24
        and int(parts[1]) < 60
    )


def _type_name(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, (int, Decimal)):
        return "数字"
    if isinstance(value, str):
        return f"文字 {value!r}"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return type(value).__name__


def _names(types: tuple[type, ...]) -> str:
    names = {str: "文字", int: "整数", Decimal: "数字", bool: "布尔值", LineList: "列表", LineDict: "映射"}
    return "或".join(dict.fromkeys(names.get(t, t.__name__) for t in types))


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _fmt_bound(value: Bound | None) -> str:
    if isinstance(value, AdminValue):
        return f"管理员数值 {value.key}"
    return "无" if value is None else _fmt(value)
