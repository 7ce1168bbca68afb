"""Writes to sales data. Each service is one transaction and checks permission and data scope inside."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from kehu.core.errors import ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import TRADING_STATUSES, Customer
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import OrgUnit, User
from kehu.sales.models import (
    DemandPlan,
    DemandPlanLine,
    ImportJob,
    ImportKind,
    Payment,
    Pickup,
    Product,
    ProductGroup,
    QuantityUnit,
    Receivable,
    Warehouse,
    WarehouseKind,
)
from kehu.sales.selectors import pickup_release_check

MAX_QUANTITY = Decimal("999999999999")
MAX_AMOUNT = Decimal("99999999999999")


def _decimal(value, field: str, *, places: int, positive: bool = True, allow_zero: bool = False) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "请输入有效的数字。"}) from None
    if not d.is_finite():
        raise ValidationError({field: "请输入有效的数字。"})
    if d.as_tuple().exponent < -places:
        raise ValidationError({field: f"最多 {places} 位小数。"})
    if positive and (d < 0 or (d == 0 and not allow_zero)):
        raise ValidationError({field: "必须大于 0。" if not allow_zero else "不能为负数。"})
    if abs(d) > (MAX_AMOUNT if places == 2 else MAX_QUANTITY):
        raise ValidationError({field: "数值过大。"})
    return d


def _trading_customer(customer: Customer) -> None:
    if customer.status not in TRADING_STATUSES:
        raise ValidationError(
            {"customer": f"客户状态为“{customer.get_status_display()}”，暂停或取消资格的客户不得交易。"})


# ---------------------------------------------------------------- catalogue


@transaction.atomic
def product_group_create(*, actor: User | None, code: str, name: str, base_unit: str = QuantityUnit.TON,
                         article: str = "") -> ProductGroup:
    if actor is not None:
        require_perm(actor, "sales.add_productgroup")
    group = ProductGroup(code=code.strip(), name=name.strip(), base_unit=base_unit, article=article)
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def product_create(*, actor: User | None, code: str, name: str, group: ProductGroup,
                   density_kg_per_l: Decimal | None = None, bag_weight_kg: Decimal | None = None) -> Product:
    if actor is not None:
        require_perm(actor, "sales.add_product")
    if group.base_unit != QuantityUnit.TON and (density_kg_per_l or bag_weight_kg):
        raise ValidationError({"group": "只有按吨计量的产品可以设置密度或袋重。"})
    product = Product(code=code.strip(), name=name.strip(), group=group, base_unit=group.base_unit,
                      density_kg_per_l=density_kg_per_l, bag_weight_kg=bag_weight_kg)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def warehouse_create(*, actor: User | None, code: str, name: str, kind: str = WarehouseKind.WAREHOUSE,
                     org_unit: OrgUnit | None = None) -> Warehouse:
    if actor is not None:
        require_perm(actor, "sales.add_warehouse")
    wh = Warehouse(code=code.strip(), name=name.strip(), kind=kind, org_unit=org_unit)
    wh.full_clean()
    wh.save()
    return wh


# The product catalogue the seeds name: 000 (polyolefins vs other chemicals), 002 (gasoline, diesel, anonymous
# fuel card), 001 (bagged and bulk cement). Densities are typical values the administrator may correct.
STANDARD_CATALOGUE = (
    ("polyolefin", "聚烯烃", QuantityUnit.TON, "000 第九条", (
        ("PE-LLDP", "线性低密度聚乙烯", None, None), ("PE-HD", "高密度聚乙烯", None, None),
        ("PP-T30S", "聚丙烯拉丝料", None, None),
    )),
    ("chemical-other", "其他化工产品", QuantityUnit.TON, "000 第十条", (
        ("CH-BZ", "纯苯", None, None), ("CH-SM", "苯乙烯", None, None),
    )),
    ("gasoline", "汽油", QuantityUnit.TON, "002 3.2", (
        ("GAS-92", "92# 车用汽油", Decimal("0.7250"), None), ("GAS-95", "95# 车用汽油", Decimal("0.7370"), None),
    )),
    ("diesel", "柴油", QuantityUnit.TON, "002 3.2", (
        ("DSL-0", "0# 车用柴油", Decimal("0.8400"), None),
    )),
    ("fuel-card", "不记名加油卡", QuantityUnit.YUAN, "002 3.2", (
        ("CARD-ANON", "昆仑不记名加油卡", None, None),
    )),
    ("cement-bagged", "袋装水泥", QuantityUnit.TON, "001", (
        ("CEM-PO425-B", "P.O42.5 袋装水泥", None, Decimal("50")),
    )),
    ("cement-bulk", "散装水泥", QuantityUnit.TON, "001", (
        ("CEM-PO425-S", "P.O42.5 散装水泥", None, None),
    )),
)


@transaction.atomic
def product_catalogue_bootstrap() -> int:
    """Create the standard product groups and products if absent (idempotent). Returns how many were created."""
    created = 0
    for g_code, g_name, unit, article, products in STANDARD_CATALOGUE:
        group, made = ProductGroup.objects.get_or_create(
            code=g_code, defaults={"name": g_name, "base_unit": unit, "article": article})
        created += made
        for p_code, p_name, density, bag in products:
            _, made = Product.objects.get_or_create(code=p_code, defaults={
                "name": p_name, "group": group, "base_unit": group.base_unit, "density_kg_per_l": density,
                "bag_weight_kg": bag})
            created += made
    return created


# ---------------------------------------------------------------- pickups


@transaction.atomic
def pickup_record(
    *, actor: User, customer: Customer | int, product: Product, quantity, unit: str, amount, picked_on: date,
    source_ref: str, warehouse: Warehouse | None = None, source: str = "manual", enforce_prepayment: bool = False,
) -> Pickup:
    """Record one pickup. A customer that may not trade (suspended, disqualified …) is refused. With
    `enforce_prepayment` (款到发货, 000 第二条) the pickup is refused unless prepayments cover its amount."""
    require_perm(actor, "sales.add_pickup")
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    # Locks the customer row so that two releases cannot both spend the same prepayment.
    customer = customer_get_for_actor(actor=actor, pk=customer_id, for_update=True)
    _trading_customer(customer)
    qty = _decimal(quantity, "quantity", places=3)
    money = _decimal(amount, "amount", places=2, allow_zero=True)
    if not product.is_active:
        raise ValidationError({"product": "该产品已停用。"})
    base = product.to_base(qty, unit)
    if base is None:
        allowed = "、".join(product.allowed_units())
        raise ValidationError({"unit": f"产品“{product.name}”不能按“{unit}”计量，可用单位：{allowed}。"})
    if picked_on > timezone.localdate():
        raise ValidationError({"picked_on": "提货日期不能晚于今天。"})
    source_ref = (source_ref or "").strip()
    if not source_ref or len(source_ref) > 64:
        raise ValidationError({"source_ref": "请填写单据号（不超过64个字符）。"})
    if enforce_prepayment:
        decision = pickup_release_check(customer=customer, amount=money)
        if not decision.allowed:
            raise ServiceError(decision.reason, code="prepayment_required", field="amount")
    pickup = Pickup(
        customer=customer, product=product, product_group_id=product.group_id, quantity=qty, unit=unit,
        base_quantity=base, amount=money, picked_on=picked_on, warehouse=warehouse, source=source,
        source_ref=source_ref, created_by=actor,
    )
    try:
        with transaction.atomic():
            pickup.save()
    except IntegrityError:
        raise ValidationError({"source_ref": "该单据号已经录入过。"}) from None
    return pickup


# ---------------------------------------------------------------- receivables and payments


@transaction.atomic
def receivable_create(*, actor: User, customer: Customer | int, invoice_no: str, amount, invoiced_on: date,
                      due_on: date) -> Receivable:
    require_perm(actor, "sales.add_receivable")
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    money = _decimal(amount, "amount", places=2)
    if due_on < invoiced_on:
        raise ValidationError({"due_on": "到期日不能早于开票日期。"})
    invoice_no = (invoice_no or "").strip()
    if not invoice_no:
        raise ValidationError({"invoice_no": "请填写发票号。"})
    if Receivable.objects.filter(invoice_no=invoice_no).exists():
        raise ValidationError({"invoice_no": "该发票号已经录入过。"})
    return Receivable.objects.create(customer=customer, invoice_no=invoice_no, amount=money,
                                     invoiced_on=invoiced_on, due_on=due_on)


# Apps that react to invoices being paid (orders: two late payments in a quarter lower the payment terms at once,
# 003 客户分级管理制度 4.) register here; they are called after commit with the customers whose invoices changed.
_SETTLEMENT_LISTENERS: list = []


def register_settlement_listener(fn) -> None:
    """fn(customer_ids: set[int]) runs after the commit of every payment that settles invoices (entry or import)."""
    if fn not in _SETTLEMENT_LISTENERS:
        _SETTLEMENT_LISTENERS.append(fn)


def _settlements_recorded(customer_ids: set[int]) -> None:
    if not customer_ids or not _SETTLEMENT_LISTENERS:
        return

    def _run():
        for fn in _SETTLEMENT_LISTENERS:
            fn(set(customer_ids))

    transaction.on_commit(_run)


@transaction.atomic
def receivable_record_for_release(*, customer_id: int, invoice_no: str, amount: Decimal, invoiced_on: date,
                                  due_on: date) -> Receivable:
    """The receivable of goods released on credit, written by the service that released them (orders checks the
    releasing user's permission and scope itself). Refuses a duplicate invoice number."""
    money = _decimal(amount, "amount", places=2)
    if due_on < invoiced_on:
        raise ValidationError({"due_on": "到期日不能早于开票日期。"})
    if Receivable.objects.filter(invoice_no=invoice_no).exists():
        raise ValidationError({"invoice_no": "该发票号已经录入过。"})
    return Receivable.objects.create(customer_id=customer_id, invoice_no=invoice_no, amount=money,
                                     invoiced_on=invoiced_on, due_on=due_on)


def receivables_refresh(receivable_ids: Iterable[int]) -> None:
    """Recompute paid amount and settlement date of these invoices from their payments, set-based:
    the settlement date is the date of the payment that brought the running total up to the invoice amount."""
    ids = list(receivable_ids)
    if not ids:
        return
    invoices = {r.pk: r for r in Receivable.objects.filter(pk__in=ids)}
    running: dict[int, Decimal] = dict.fromkeys(invoices, Decimal("0"))
    settled: dict[int, date | None] = dict.fromkeys(invoices)
    for rid, amount, paid_on in (Payment.objects.filter(receivable_id__in=ids)
                                 .order_by("receivable_id", "paid_on", "id")
                                 .values_list("receivable_id", "amount", "paid_on").iterator(chunk_size=2000)):
        running[rid] += Decimal(str(amount))
        if settled[rid] is None and running[rid] >= invoices[rid].amount:
            settled[rid] = paid_on
    for rid, inv in invoices.items():
        inv.paid_amount = running[rid]
        inv.settled_on = settled[rid]
    Receivable.objects.bulk_update(invoices.values(), ["paid_amount", "settled_on"], batch_size=1000)
    _settlements_recorded({inv.customer_id for inv in invoices.values()})


@transaction.atomic
def payment_record(*, actor: User, customer: Customer | int, amount, paid_on: date, reference: str,
                   receivable: Receivable | None = None, method: str = "") -> Payment:
    """Record money received: against an invoice (partial payments allowed) or as a prepayment."""
    require_perm(actor, "sales.add_payment")
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    money = _decimal(amount, "amount", places=2)
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "收款日期不能晚于今天。"})
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "请填写银行流水号。"})
    if Payment.objects.filter(reference=reference).exists():
        raise ValidationError({"reference": "该流水号已经录入过。"})
    if receivable is not None:
        receivable = Receivable.objects.select_for_update().get(pk=receivable.pk)
        if receivable.customer_id != customer.pk:
            raise ValidationError({"receivable": "该发票不属于此客户。"})
        paid = Payment.objects.filter(receivable=receivable).aggregate(s=Sum("amount"))["s"] or Decimal("0")
        if Decimal(str(paid)) + money > receivable.amount:
            raise ValidationError({"amount": f"超过发票未收金额 {receivable.amount - Decimal(str(paid))} 元。"})
    payment = Payment.objects.create(customer=customer, receivable=receivable, amount=money, paid_on=paid_on,
                                     reference=reference, method=method, created_by=actor)
    if receivable is not None:
        receivables_refresh([receivable.pk])
    return payment


# ---------------------------------------------------------------- demand plans


@dataclass(frozen=True)
class PlanLineInput:
    product: Product
    quantity: Decimal
    unit: str
    pickup_on: date


@transaction.atomic
def demand_plan_submit(*, actor: User, customer: Customer | int, month: date, lines: Sequence[PlanLineInput],
                       note: str = "") -> DemandPlan:
    """An agent's plan for a month (000 第十条). Due before the month starts: a plan submitted on or after the
    month's first day is kept but flagged late. Resubmitting replaces the lines."""
    require_perm(actor, "sales.add_demandplan")
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    customer = customer_get_for_actor(actor=actor, pk=customer_id)
    _trading_customer(customer)
    if month.day != 1:
        month = month.replace(day=1)
    if not lines:
        raise ValidationError({"lines": "请至少填写一行计划。"})
    next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    errors = []
    for i, line in enumerate(lines, start=1):
        try:
            qty = _decimal(line.quantity, "quantity", places=3)
        except ValidationError:
            errors.append(f"第{i}行：数量必须大于 0，最多 3 位小数。")
            continue
        if line.product.to_base(qty, line.unit) is None:
            errors.append(f"第{i}行：产品“{line.product.name}”不能按“{line.unit}”计量。")
        if not (month <= line.pickup_on < next_month):
            errors.append(f"第{i}行：计划提货日期须在 {month:%Y年%m月} 内。")
    if errors:
        raise ValidationError({"lines": errors})
    now = timezone.now()
    is_late = timezone.localdate(now) >= month
    plan, created = DemandPlan.objects.select_for_update().get_or_create(
        customer=customer, month=month,
        defaults={"submitted_at": now, "submitted_by": actor, "is_late": is_late, "note": note},
    )
    if not created:
        plan.submitted_at, plan.submitted_by, plan.note = now, actor, note
        plan.is_late = plan.is_late or is_late
        plan.save(update_fields=["submitted_at", "submitted_by", "note", "is_late"])
        plan.lines.all().delete()
    DemandPlanLine.objects.bulk_create([
        DemandPlanLine(plan=plan, product=ln.product, quantity=Decimal(str(ln.quantity)), unit=ln.unit,
                       pickup_on=ln.pickup_on) for ln in lines
    ])
    return plan


# ---------------------------------------------------------------- imports


ALLOWED_IMPORT_SUFFIXES = (".csv", ".xlsx", ".txt")
IMPORT_PERMISSION = {ImportKind.PICKUPS: "sales.import_pickup", ImportKind.RECEIVABLES: "sales.import_finance",
                     ImportKind.PAYMENTS: "sales.import_finance"}
# The worker beats every HEARTBEAT_SECONDS; a running job silent for STALE_AFTER is shown as interrupted.
HEARTBEAT_SECONDS = 15
STALE_AFTER = timedelta(minutes=3)


@transaction.atomic
def import_job_create(*, actor: User, upload, kind: str = ImportKind.PICKUPS, source: str = "erp") -> ImportJob:
    """Save the uploaded file and queue the import (runs in the background; immediately under tests)."""
    if kind not in IMPORT_PERMISSION:
        raise ValidationError({"kind": "未知的导入类型。"})
    require_perm(actor, IMPORT_PERMISSION[kind])
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(ALLOWED_IMPORT_SUFFIXES):
        raise ValidationError({"file": "请上传 CSV 或 XLSX 文件。"})
    source = (source or "erp").strip()[:20]
    if not source:
        raise ValidationError({"source": "请填写来源系统。"})
    job = ImportJob(kind=kind, source=source, original_name=name[:200], created_by=actor)
    job.file.save(name.rsplit("/", 1)[-1], upload, save=False)
    job.save()
    _enqueue(job.pk)
    return job


def _enqueue(job_id: int) -> None:
    def _run():
        from kehu.sales.tasks import run_import_job

        run_import_job(job_id)

    transaction.on_commit(_run)


def import_progress_path(job_id: int):
    from django.conf import settings

    return settings.VAR_DIR / "sales-imports" / f"job-{job_id}.json"


class _Heartbeat:
    """Beats while the import runs: a daemon thread sets `heartbeat_at` on the job every HEARTBEAT_SECONDS in its
    own connection (autocommit, so other processes see it while the import's transaction is still open) and
    touches the progress file. On SQLite the import holds the database's write lock, so there the file is the
    heartbeat (SQLite is the one-machine mode, where the web process and the worker share the file system)."""

    def __init__(self, job_id: int, interval: float = HEARTBEAT_SECONDS):
        import threading

        self.job_id, self.interval = job_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-heartbeat-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def beat(self) -> None:
        import os

        from django.db import connection

        path = import_progress_path(self.job_id)
        if path.exists():
            os.utime(path)
        if connection.vendor != "sqlite":
            from kehu.sales.models import ImportStatus

            ImportJob.objects.filter(pk=self.job_id, status=ImportStatus.RUNNING).update(heartbeat_at=timezone.now())

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(self.interval):
                with contextlib.suppress(Exception):  # a missed beat must never break the import
                    self.beat()
        finally:
            connection.close()


def import_job_last_alive(job: ImportJob):
    """The last sign of life of a running job: its heartbeat, its start, or its progress file."""
    import datetime as _dt

    times = [t for t in (job.heartbeat_at, job.started_at, job.created_at) if t is not None]
    path = import_progress_path(job.pk)
    with contextlib.suppress(OSError):
        times.append(_dt.datetime.fromtimestamp(path.stat().st_mtime, tz=_dt.UTC))
    return max(times) if times else None


def import_job_is_stale(job: ImportJob, *, now=None) -> bool:
    from kehu.sales.models import ImportStatus

    if job.status != ImportStatus.RUNNING:
        return False
    last = import_job_last_alive(job)
    return last is not None and (now or timezone.now()) - last > STALE_AFTER


def import_jobs_mark_interrupted(*, jobs: Iterable[ImportJob] | None = None, now=None) -> int:
    """Mark running jobs without a heartbeat for STALE_AFTER as interrupted (their worker died; the import's
    transaction was rolled back with it, so nothing was loaded). Returns how many were marked."""
    from kehu.sales.models import ImportStatus

    now = now or timezone.now()
    candidates = list(jobs) if jobs is not None else list(ImportJob.objects.filter(status=ImportStatus.RUNNING))
    stale = [j.pk for j in candidates if import_job_is_stale(j, now=now)]
    if not stale:
        return 0
    minutes = int(STALE_AFTER.total_seconds() // 60)
    return ImportJob.objects.filter(pk__in=stale, status=ImportStatus.RUNNING).update(
        status=ImportStatus.INTERRUPTED, finished_at=now,
        message=f"导入进程已中断（超过 {minutes} 分钟没有心跳），整个文件未导入，可以重新导入。",
    )


@transaction.atomic
def import_job_retry(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue a failed or interrupted import again (same file, same source)."""
    from kehu.sales.models import RETRYABLE_STATUSES, ImportRowError, ImportStatus

    require_perm(actor, IMPORT_PERMISSION.get(job.kind, "sales.import_pickup"))
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportStatus.RUNNING and import_job_is_stale(job):
        import_jobs_mark_interrupted(jobs=[job])
        job.refresh_from_db()
    if job.status not in RETRYABLE_STATUSES:
        raise ServiceError("只有失败或已中断的导入可以重新导入。", code="not_retryable")
    ImportRowError.objects.filter(job=job).delete()
    job.status, job.message = ImportStatus.PENDING, ""
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.total_rows = job.inserted_rows = job.skipped_rows = job.error_count = 0
    job.save()
    import_progress_path(job.pk).unlink(missing_ok=True)
    _enqueue(job.pk)
    return job


def _run_kind(job: ImportJob, progress):
    from kehu.sales.importers import import_pickups
    from kehu.sales.models import ImportKind as K

    if job.kind == K.PICKUPS:
        return import_pickups(job.file.path, source=job.source, job_id=job.pk, actor_id=job.created_by_id,
                              progress=progress)
    from kehu.sales.finance_import import import_payments, import_receivables

    fn = import_receivables if job.kind == K.RECEIVABLES else import_payments
    return fn(job.file.path, actor_id=job.created_by_id, progress=progress)


def import_job_run(*, job_id: int, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> ImportJob:
    """Run a queued import (called by the background worker). The import itself is one transaction; the job's
    status and the error report are written outside it, so they survive a rejected file."""
    from kehu.sales.importers import file_progress_writer
    from kehu.sales.models import ImportRowError, ImportStatus

    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (ImportStatus.PENDING,):
        return job
    now = timezone.now()
    job.status, job.started_at, job.heartbeat_at = ImportStatus.RUNNING, now, now
    job.attempts += 1
    job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    progress = file_progress_writer(import_progress_path(job.pk))
    try:
        with _Heartbeat(job.pk, heartbeat_seconds):
            result = _run_kind(job, progress)
    except Exception as exc:  # a crash is recorded on the job, then re-raised for the worker's log
        job.status, job.finished_at = ImportStatus.FAILED, timezone.now()
        job.message = f"导入失败：{exc.__class__.__name__}: {str(exc)[:500]}"
        job.save(update_fields=["status", "finished_at", "message"])
        raise
    job.total_rows, job.inserted_rows, job.skipped_rows = result.total_rows, result.inserted, result.skipped
    job.error_count, job.message, job.finished_at = result.error_count, result.message, timezone.now()
    job.status = ImportStatus.SUCCEEDED if result.ok else ImportStatus.REJECTED
    with transaction.atomic():
        job.save()
        ImportRowError.objects.bulk_create(
            [ImportRowError(job=job, line=e.line, column=e.column[:40], value=e.value[:200], reason=e.reason[:200])
             for e in result.errors], batch_size=2000,
        )
    return job
