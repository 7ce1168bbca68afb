"""Writes: regrade (fetch → evaluate → persist in bulk, one transaction), administrator values, classifications,
manual overrides and pack activation."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.jobs import record_when_database_is_back
from kehu.core.logs import database_unavailable
from kehu.core.permissions import require_perm
from kehu.customers.models import ArchiveEvent, Customer
from kehu.customers.selectors import customer_get_for_actor
from kehu.customers.services import archive_event_record, customer_update
from kehu.policy import fetch, grade_sql
from kehu.policy.engine import (
    AdminValueMissing,
    EvaluationError,
    GradeResult,
    Pack,
    PackError,
    Scheme,
    evaluate_scheme,
    texts_rebuildable,
)
from kehu.policy.engine.model import AGGREGATE_METRIC_KINDS
from kehu.policy.engine.sql import sql_gradable
from kehu.policy.models import (
    AdminValue,
    Direction,
    GradeAssignment,
    GradeOverride,
    ManualMetricValue,
    PackActivation,
    RegradeRun,
    RunStatus,
)
from kehu.policy.periods import Period, parse_period
from kehu.policy.selectors import PackNotFound, admin_values_for, pack_admin_slots, pack_files, pack_get

logger = logging.getLogger(__name__)

BATCH = 2000


def pack_error_detail(exc: PackError) -> ValidationError:
    return ValidationError({"pack": [str(issue) for issue in exc.issues]})


def _load_pack(pack_name: str) -> Pack:
    """The pack a request names; an unknown or broken one is a field error on `pack` (400), not a missing page."""
    try:
        return pack_get(pack_name)
    except PackNotFound as exc:
        raise ValidationError({"pack": [exc.message]}) from None
    except PackError as exc:
        raise pack_error_detail(exc) from None


# ----- regrade ----------------------------------------------------------------------------------------------------


@dataclass
class _SchemeOutcome:
    evaluated: int = 0
    written: int = 0
    unchanged: int = 0
    up: int = 0
    down: int = 0


def _check_period(period: str) -> Period:
    parsed = parse_period(period)
    today = timezone.localdate()
    if parsed.start > today:
        raise ValidationError({"period": f"期间 {parsed.key}（{parsed.label}）尚未开始，不能评定未来的期间。"})
    return parsed


def _lock_pack(pack_name: str) -> None:
    """Two regrades of the same pack queue instead of interleaving (PostgreSQL advisory lock, released at commit)."""
    if connection.vendor == "postgresql":
        key = int(hashlib.sha1(f"kehu.policy.regrade:{pack_name}".encode()).hexdigest()[:15], 16)  # noqa: S324
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _pg_transaction_settings() -> None:
    """For the regrade's transaction only. The compiled grading query is wide (hundreds of CASE branches):
    PostgreSQL's JIT spent seconds compiling it for a 100,000-row run that it never won back."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def regrade(*, pack_name: str, period: str, actor=None, trigger: str = "manual") -> RegradeRun:
    """Grade every customer in every scheme of the pack for the period; one transaction, idempotent.

    Bad input (malformed pack, future period, unknown product group, missing administrator value) raises
    ValidationError before anything is written. A failure half-way rolls the whole regrade back; the run is
    recorded as failed.
    """
    if actor is not None:
        require_perm(actor, "policy.run_regrade", "您没有执行重新分级的权限。")
    pack = _load_pack(pack_name)
    parsed = _check_period(period)
    groups = fetch.product_group_ids(pack.schemes.values())
    admin_values = admin_values_for(pack_name)
    _check_admin_values(pack, admin_values)
    run = RegradeRun.objects.create(
        pack_name=pack_name, period=parsed.key, pack_version=pack.version, actor=actor, trigger=trigger,
        schemes=len(pack.schemes),
    )
    started = time.perf_counter()
    timings = {"fetch": 0.0, "evaluate": 0.0, "write": 0.0}
    try:
        with transaction.atomic():
            _lock_pack(pack_name)
            _pg_transaction_settings()
            totals = _regrade_in_transaction(pack, parsed, groups, admin_values, run, actor, timings)
    except (AdminValueMissing, EvaluationError) as exc:
        _finish(run, started, timings, status=RunStatus.FAILED, error=str(exc))
        raise ValidationError({"pack": str(exc)}) from None
    except Exception as exc:
        if database_unavailable(exc):
            # The transaction died with the connection (nothing was written); record that once the database is
            # back instead of leaving the run "running" for ever. A regrade is idempotent: run it again.
            error = f"中断：数据库连接断开，本次未写入任何结果，可重新执行。{type(exc).__name__}: {exc}"
            record_when_database_is_back(
                lambda: _finish(run, started, timings, status=RunStatus.FAILED, error=error),
                what=f"regrade run {run.pk}")
        else:
            _finish(run, started, timings, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(run, started, timings, status=RunStatus.SUCCEEDED, totals=totals)
    return run


def _check_admin_values(pack: Pack, admin_values: Mapping[str, Decimal]) -> None:
    """Figures the schemes cannot do without: missing ones are listed together, before anything is fetched."""
    problems = []
    for scheme in pack.schemes.values():
        if scheme.type != "thresholds":
            continue
        try:
            evaluate_scheme(scheme, [], "check", admin_values=admin_values)
        except (AdminValueMissing, EvaluationError) as exc:
            problems.append(str(exc))
    if problems:
        raise ValidationError({"admin_values": problems})


def _finish(run: RegradeRun, started: float, timings: dict, *, status: str, error: str = "", totals=None) -> None:
    run.status = status
    run.error = error[:4000]
    run.fetch_ms = int(timings["fetch"] * 1000)
    run.evaluate_ms = int(timings["evaluate"] * 1000)
    run.write_ms = int(timings["write"] * 1000)
    run.total_ms = int((time.perf_counter() - started) * 1000)
    run.finished_at = timezone.now()
    if totals:
        run.customers, run.evaluated, run.written, run.unchanged, run.moved_up, run.moved_down = totals
    RegradeRun.objects.filter(pk=run.pk).update(
        status=run.status, error=run.error, fetch_ms=run.fetch_ms, evaluate_ms=run.evaluate_ms,
        write_ms=run.write_ms, total_ms=run.total_ms, finished_at=run.finished_at, customers=run.customers,
        evaluated=run.evaluated, written=run.written, unchanged=run.unchanged, moved_up=run.moved_up,
        moved_down=run.moved_down,
    )


def grades_in_database(scheme: Scheme) -> bool:
    """Whether this scheme is graded inside the database (grade_sql) rather than in Python. Same results either
    way; `KEHU_REGRADE_IN_DATABASE = False` sends every scheme through Python (tests compare the two)."""
    return settings.KEHU_REGRADE_IN_DATABASE and sql_gradable(scheme)


def _regrade_in_transaction(pack, parsed, groups, admin_values, run, actor, timings):
    schemes = list(pack.schemes.values())
    in_database = [grades_in_database(s) for s in schemes]
    population = None
    earlier_grades: dict[int, dict[str, Any]] = {}
    earlier_periods: dict[str, str] = {}
    metric_cache: dict = {}
    metric_tables = grade_sql.MetricTables.empty()
    total = _SchemeOutcome()
    customers = 0
    for index, scheme in enumerate(schemes):
        scheme_period = parsed.containing(scheme.period)
        key = scheme_period.key
        if in_database[index]:
            now = timezone.now()
            result = grade_sql.regrade_scheme_in_database(
                pack_name=pack.name, scheme=scheme, period=parsed, scheme_period=scheme_period,
                groups=groups, metric_tables=metric_tables, earlier_periods=earlier_periods, run_id=run.pk,
                actor_id=actor.pk if actor is not None else None, now=now, timings=timings,
                clock=time.perf_counter,
            )
            outcome = _SchemeOutcome(evaluated=result.evaluated, written=result.written,
                                     unchanged=result.evaluated - result.written, up=result.up, down=result.down)
            customers = max(customers, result.evaluated)
            if not all(in_database[index + 1:]):  # a later scheme graded in Python may read this grade
                for customer_id, grade in grade_sql.grades_of_run(scheme.code, pack.name, key).items():
                    earlier_grades.setdefault(customer_id, {})[scheme.code] = grade
        else:
            if population is None:
                t0 = time.perf_counter()
                population = fetch.fetch_population()
                timings["fetch"] += time.perf_counter() - t0
            outcome = _regrade_scheme(pack, scheme, parsed, groups, admin_values, population, earlier_grades, run,
                                      actor, timings, metric_cache)
            customers = max(customers, len(population.ids))
        earlier_periods[scheme.code] = key
        total.evaluated += outcome.evaluated
        total.written += outcome.written
        total.unchanged += outcome.unchanged
        total.up += outcome.up
        total.down += outcome.down
    metric_tables.drop()
    return customers, total.evaluated, total.written, total.unchanged, total.up, total.down


def _regrade_scheme(pack, scheme, parsed, groups, admin_values, population, earlier_grades, run, actor, timings,
                    metric_cache):
    t0 = time.perf_counter()
    scheme_period = parsed.containing(scheme.period)
    key = scheme_period.key
    specs = fetch.metric_specs(scheme, parsed, groups)
    metrics = fetch.fetch_aggregates(specs, cache=metric_cache)
    metrics.update(fetch.fetch_manual_metrics(pack.name, scheme))
    aggregate_codes = [m.code for m in scheme.metrics if m.kind in AGGREGATE_METRIC_KINDS]
    previous = fetch.fetch_previous_grades(pack.name, scheme.code, key)
    overrides = fetch.fetch_overrides(pack.name, scheme.code)
    facts = fetch.build_facts(
        population=population, metrics=metrics, previous=previous, overrides=overrides,
        extra_attributes=earlier_grades, zero_metrics=aggregate_codes,
    )
    existing = {
        customer_id: (pk, fingerprint, grade)
        for customer_id, pk, fingerprint, grade in GradeAssignment.objects.filter(
            pack_name=pack.name, scheme_code=scheme.code, period=key
        ).values_list("customer_id", "pk", "fingerprint", "grade").iterator(chunk_size=10000)
    }
    t1 = time.perf_counter()
    timings["fetch"] += t1 - t0

    results: list[GradeResult] = evaluate_scheme(scheme, facts, key, admin_values=admin_values)
    now = timezone.now()
    db_now = connection.ops.adapt_datetimefield_value(now)
    outcome = _SchemeOutcome(evaluated=len(results))
    to_write: list[tuple] = []  # rows in ASSIGNMENT_COLUMNS order: no model instances on the hot path
    events: list[tuple] = []  # rows in EVENT_COLUMNS order
    period_label = scheme_period.label
    pack_name, scheme_code, run_id = pack.name, scheme.code, run.pk
    actor_id = actor.pk if actor is not None else None
    up, down, new, same = Direction.UP, Direction.DOWN, Direction.NEW, Direction.SAME
    rank = scheme.rank
    # Threshold schemes store the structured result only; the texts are built on read (GradeAssignment.explanation).
    store_texts = not texts_rebuildable(scheme)
    dumps, blake2b = json.dumps, hashlib.blake2b
    grade_name = scheme.grade_name
    for result in results:
        customer_id = result.customer_id
        grade, previous = result.grade, result.previous_grade
        earlier_grades.setdefault(customer_id, {})[scheme_code] = grade
        if previous is None:
            direction = new if grade is not None else same
        elif grade is None or grade == previous or previous not in rank or grade not in rank:
            direction = same
        else:
            direction = up if rank[grade] > rank[previous] else down
        override = overrides.get(customer_id) if overrides else None
        override_id = override[0] if override else None
        metrics_json = dumps({code: str(value) for code, value in result.metrics.items()}, ensure_ascii=False)
        texts = (result.explanation, result.to_next, result.to_previous) if store_texts else ("", "", "")
        row = (
            customer_id, pack_name, scheme_code, key, grade, previous, result.reached_grade, direction,
            metrics_json, result.rule, result.article or "", result.quote or "", *texts,
            result.pack_version, override_id,
        )
        fingerprint = blake2b(repr(row).encode("utf-8"), digest_size=20).hexdigest()
        found = existing.get(customer_id)
        if found is not None and found[1] == fingerprint:
            outcome.unchanged += 1
        else:
            to_write.append((*row, run_id, db_now, fingerprint))
            if direction in (up, down) and (found is None or found[2] != grade):
                arrow = "升级" if direction == up else "降级"
                events.append((
                    customer_id, db_now, actor_id, "grade_change",
                    f"{scheme.name}{arrow}：{grade_name(previous)} → {grade_name(grade)}（{period_label}）"[:300],
                    (texts[0] or result.explanation)[:2000],
                    dumps({"pack": pack_name, "scheme": scheme_code, "period": key, "grade": grade,
                           "previous_grade": previous, "rule": result.rule, "article": result.article,
                           "metrics": {code: str(value) for code, value in result.metrics.items()}},
                          ensure_ascii=False),
                ))
        if direction == up:
            outcome.up += 1
        elif direction == down:
            outcome.down += 1
    t2 = time.perf_counter()
    timings["evaluate"] += t2 - t1

    outcome.written = len(to_write)
    write_assignments(to_write, period_is_empty=not existing)
    write_grade_events(events)
    timings["write"] += time.perf_counter() - t2
    return outcome


ASSIGNMENT_COLUMNS = (
    "customer_id", "pack_name", "scheme_code", "period", "grade", "previous_grade", "reached_grade", "direction",
    "metrics", "rule", "article", "quote", "explanation", "to_next", "to_previous", "pack_version", "override_id",
    "run_id", "computed_at", "fingerprint",
)
ASSIGNMENT_KEY = ("customer_id", "pack_name", "scheme_code", "period")


def _copy_in(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain INSERT of many rows: PostgreSQL COPY straight into the table, SQLite one executemany."""
    if not rows:
        return
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE for many rows in a fixed number of statements.

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT. SQLite: one executemany (a single prepared
    statement run per row inside the transaction). Both run inside the caller's transaction.
    """
    if not rows:
        return
    cols = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    conflict = ", ".join(key)
    # Table and column names are module constants, never user input.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"tmp_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.execute(
                f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"  # noqa: S608
            )
            with cursor.copy(f"COPY {temp} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {temp}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                rows,
            )


def write_assignments(rows: list[tuple], *, period_is_empty: bool = False) -> None:
    """Insert new assignments and rewrite changed ones (INSERT … ON CONFLICT DO UPDATE); rows follow
    ASSIGNMENT_COLUMNS. When nothing is stored yet for the scheme and period (the usual first run of a month; the
    pack's advisory lock keeps a concurrent regrade out), the rows are copied straight in."""
    if period_is_empty:
        _copy_in(GradeAssignment._meta.db_table, ASSIGNMENT_COLUMNS, rows)
    else:
        _upsert(GradeAssignment._meta.db_table, ASSIGNMENT_COLUMNS, ASSIGNMENT_KEY, rows)


EVENT_COLUMNS = ("customer_id", "at", "actor_id", "kind", "summary", "reason", "data")


def write_grade_events(rows: list[tuple]) -> None:
    """Grade changes onto the archive timeline (customers.ArchiveEvent rows, the same fields
    `archive_event_record` fills), written as plain rows: PostgreSQL COPY, SQLite one executemany. A regrade moves
    up to every customer at once, and model instances cost more than the grading itself."""
    _copy_in(ArchiveEvent._meta.db_table, EVENT_COLUMNS, rows)


# ----- administrator values, classifications, manual scores ------------------------------------------------------


@transaction.atomic
def admin_value_set(*, actor, pack_name: str, key: str, value, note: str = "") -> AdminValue:
    """Set a figure the regulation leaves open, checked against the range the pack allows."""
    require_perm(actor, "policy.manage_packs", "您没有设定政策包数值的权限。")
    pack = _load_pack(pack_name)
    slots = {slot.key: slot for slot in pack_admin_slots(pack)}
    slot = slots.get(key)
    if slot is None:
        raise ValidationError({"key": f"政策包 {pack_name} 没有需要管理员设定的数值“{key}”。"})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": "请输入数字。"}) from None
    if not number.is_finite():
        raise ValidationError({"value": "请输入数字。"})
    if number < 0:
        raise ValidationError({"value": "数值不能为负数。"})
    if (slot.allowed_min is not None and number < slot.allowed_min) or (
        slot.allowed_max is not None and number > slot.allowed_max
    ):
        low = "—" if slot.allowed_min is None else format(slot.allowed_min.normalize(), "f")
        high = "—" if slot.allowed_max is None else format(slot.allowed_max.normalize(), "f")
        raise ValidationError({"value": f"超出条文允许的范围 {low}–{high}（{slot.article}）。"})
    row = AdminValue.objects.filter(pack_name=pack_name, key=key).first() or AdminValue(pack_name=pack_name, key=key)
    row.value = number
    row.note = note[:200]
    row.set_by = actor
    row._history_user = actor
    row.save()
    # The thresholds that use it must still form ordered ranges (中 below 大 …).
    for scheme in pack.schemes.values():
        if scheme.type == "thresholds" and any(a.key == key for a in scheme.admin_values_needed()):
            try:
                evaluate_scheme(scheme, [], "check", admin_values=admin_values_for(pack_name))
            except AdminValueMissing:
                pass  # the other boundary is not set yet
            except EvaluationError as exc:
                raise ValidationError({"value": str(exc)}) from None
    return row


def classification_set(*, actor, customer: Customer, pack_name: str | None = None, dimension: str, value,
                       reason: str = "") -> Customer:
    """Set a customer's value in a pack dimension (e.g. 结算方式 = 月结), checked against the allowed values;
    the archive's history records who, when and why."""
    require_perm(actor, "policy.set_classification", "您没有设定客户分类的权限。")
    from kehu.policy.selectors import default_pack_name

    pack = _load_pack(pack_name or default_pack_name())
    dim = pack.dimensions.get(dimension)
    if dim is None:
        raise ValidationError(
            {"dimension": f"政策包 {pack.name} 没有分类维度“{dimension}”（现有：{'、'.join(pack.dimensions)}）。"}
        )
    allowed = dim.value_codes()
    if value in (None, "", []):
        new_value = None
    elif dim.multiple:
        values = list(value) if isinstance(value, list | tuple) else [value]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValidationError(
                {"value": f"“{'、'.join(map(str, bad))}”不是{dim.name}的取值（可选：{'、'.join(allowed)}）。"}
            )
        new_value = values
    else:
        if value not in allowed:
            raise ValidationError({"value": f"“{value}”不是{dim.name}的取值（可选：{'、'.join(allowed)}）。"})
        new_value = value
    with transaction.atomic():
        current = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
        classifications = dict(current.classifications or {})
        if new_value is None:
            classifications.pop(dimension, None)
        else:
            classifications[dimension] = new_value
        return customer_update(
            actor=actor, customer=current, expected_version=current.version,
            reason=reason or f"设定分类：{dim.name}（{dim.citation.article}）", classifications=classifications,
        )


@transaction.atomic
def manual_metric_set(*, actor, customer: Customer, pack_name: str, metric: str, value) -> ManualMetricValue:
    require_perm(actor, "policy.set_classification", "您没有评分的权限。")
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    pack = _load_pack(pack_name)
    spec = next((m for s in pack.schemes.values() for m in s.metrics if m.code == metric and m.kind == "manual"), None)
    if spec is None:
        raise ValidationError({"metric": f"政策包 {pack_name} 没有人工评分指标“{metric}”。"})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": "请输入数字。"}) from None
    high = spec.scale_max if spec.scale_max is not None else Decimal(100)
    if not number.is_finite() or number < 0 or number > high:
        raise ValidationError({"value": f"{spec.label}应在 0–{format(high.normalize(), 'f')} 之间。"})
    row, _ = ManualMetricValue.objects.update_or_create(
        customer=customer, pack_name=pack_name, metric=metric, defaults={"value": number, "set_by": actor}
    )
    return row


# ----- overrides --------------------------------------------------------------------------------------------------


@transaction.atomic
def grade_override_create(
    *, actor, customer: Customer, pack_name: str, scheme_code: str, grade: str, reason: str, approver,
    approved_on: date | None = None,
) -> GradeOverride:
    """A person sets the grade, with a reason and an approver; it applies from the next regrade."""
    require_perm(actor, "policy.override_grade", "您没有人工调整等级的权限。")
    customer = customer_get_for_actor(actor=actor, pk=customer.pk, for_update=True)
    pack = _load_pack(pack_name)
    scheme = pack.schemes.get(scheme_code)
    if scheme is None:
        raise ValidationError({"scheme": f"政策包 {pack_name} 没有分级方案“{scheme_code}”。"})
    if not scheme.override.allowed:
        raise ValidationError({"scheme": f"{scheme.name}不允许人工调整等级。"})
    errors = {}
    if grade not in scheme.rank:
        errors["grade"] = f"“{grade}”不是{scheme.name}的等级（可选：{'、'.join(scheme.grade_codes())}）。"
    if not (reason or "").strip():
        errors["reason"] = "请填写调整原因。"
    if approver is None:
        errors["approver"] = "请指定批准人。"
    elif not approver.is_active:
        errors["approver"] = "批准人已停用。"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    GradeOverride.objects.filter(
        customer=customer, pack_name=pack_name, scheme_code=scheme_code, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor)
    override = GradeOverride(
        customer=customer, pack_name=pack_name, scheme_code=scheme_code, grade=grade, reason=reason.strip(),
        approver=approver, approved_on=approved_on or timezone.localdate(), created_by=actor,
    )
    override._history_user = actor
    override.save()
    archive_event_record(
        customer=customer, actor=actor, kind="grade_override",
        summary=f"{scheme.name}人工调整为{scheme.grade_name(grade)}（批准人：{approver}）",
        reason=reason, data={"pack": pack_name, "scheme": scheme_code, "grade": grade},
    )
    return override


@transaction.atomic
def grade_override_revoke(*, actor, override: GradeOverride, reason: str = "") -> GradeOverride:
    require_perm(actor, "policy.override_grade", "您没有人工调整等级的权限。")
    customer_get_for_actor(actor=actor, pk=override.customer_id)
    if override.revoked_at is not None:
        raise ServiceError("该人工调整已撤销。")
    override.revoked_at = timezone.now()
    override.revoked_by = actor
    override._history_user = actor
    override.save(update_fields=["revoked_at", "revoked_by"])
    archive_event_record(
        customer=override.customer, actor=actor, kind="grade_override_revoked",
        summary=f"撤销人工调整等级（{override.scheme_code} → {override.grade}）", reason=reason,
    )
    return override


# ----- packs in use -----------------------------------------------------------------------------------------------


@transaction.atomic
def pack_activation_set(*, actor, pack_name: str, active: bool) -> PackActivation:
    require_perm(actor, "policy.manage_packs", "您没有选择政策包的权限。")
    if pack_name not in pack_files():
        raise ValidationError({"pack": f"政策包“{pack_name}”不存在。"})
    if active:
        _load_pack(pack_name)  # a broken pack cannot be switched on
    row, _ = PackActivation.objects.update_or_create(
        pack_name=pack_name, defaults={"is_active": active, "changed_by": actor}
    )
    return row
