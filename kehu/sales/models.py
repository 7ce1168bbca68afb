"""Sales data: products, warehouses, pickups (提货), receivables and payments, monthly demand plans, import jobs.

Pickups are the volume the grading engine measures. Each pickup stores its quantity as entered (with its unit)
and `base_quantity`, the same quantity converted into the product's base unit (t for fuel and chemicals,
元 for the anonymous fuel card), so a monthly total is one SUM without joins or per-row conversion.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuantityUnit(models.TextChoices):
    TON = "t", _("吨")
    KILOGRAM = "kg", _("千克")
    LITRE = "L", _("升")
    BAG = "袋", _("袋")
    YUAN = "元", _("元")


class ProductGroup(models.Model):
    """A group the regulations grade by: 聚烯烃 (000 第九条), 其他化工产品 (000 第十条),
    汽油/柴油/不记名卡 (002 3.2), 袋装/散装水泥 (001)."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    base_unit = models.CharField(
        _("计量单位"), max_length=4, choices=QuantityUnit.choices, default=QuantityUnit.TON,
        help_text=_("分级与统计所用的单位：油品、化工品按吨，不记名加油卡按金额（元）"),
    )
    article = models.CharField(_("制度依据"), max_length=120, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产品组")
        verbose_name_plural = _("产品组")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    code = models.CharField(_("产品编码"), max_length=40, unique=True)
    name = models.CharField(_("产品名称"), max_length=100)
    group = models.ForeignKey(ProductGroup, verbose_name=_("产品组"), on_delete=models.PROTECT, related_name="products")
    base_unit = models.CharField(
        _("计量单位"), max_length=4, choices=QuantityUnit.choices, default=QuantityUnit.TON,
        help_text=_("与产品组的计量单位一致"),
    )
    density_kg_per_l = models.DecimalField(
        _("密度（千克/升）"), max_digits=6, decimal_places=4, null=True, blank=True,
        help_text=_("填写后可按升录入，自动折算为吨（如 92# 汽油约 0.7250）"),
    )
    bag_weight_kg = models.DecimalField(
        _("每袋重量（千克）"), max_digits=7, decimal_places=3, null=True, blank=True,
        help_text=_("填写后可按袋录入，自动折算为吨（如袋装水泥 50 千克/袋）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def allowed_units(self) -> list[str]:
        units = [self.base_unit]
        if self.base_unit == QuantityUnit.TON:
            units.append(QuantityUnit.KILOGRAM)
            if self.density_kg_per_l:
                units.append(QuantityUnit.LITRE)
            if self.bag_weight_kg:
                units.append(QuantityUnit.BAG)
        return units

    def to_base(self, quantity: Decimal, unit: str) -> Decimal | None:
        """The quantity in the product's base unit, or None when the unit does not fit the product."""
        if unit == self.base_unit:
            return quantity
        if self.base_unit != QuantityUnit.TON:
            return None
        if unit == QuantityUnit.KILOGRAM:
            factor = Decimal("0.001")
        elif unit == QuantityUnit.LITRE and self.density_kg_per_l:
            factor = self.density_kg_per_l / 1000
        elif unit == QuantityUnit.BAG and self.bag_weight_kg:
            factor = self.bag_weight_kg / 1000
        else:
            return None
        return (quantity * factor).quantize(Decimal("0.001"))


class WarehouseKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("库位")
    STATION = "station", _("加油站")
    PLANT = "plant", _("工厂/驻厂办")


class Warehouse(models.Model):
    """A pickup point: the company's designated warehouse (000 第二条) or a fuel station (002)."""

    code = models.CharField(_("库点编码"), max_length=40, unique=True)
    name = models.CharField(_("库点名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=WarehouseKind.choices, default=WarehouseKind.WAREHOUSE)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库点")
        verbose_name_plural = _("库点")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ImportKind(models.TextChoices):
    PICKUPS = "pickups", _("提货记录")
    RECEIVABLES = "receivables", _("应收账款")
    PAYMENTS = "payments", _("收款记录")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    SUCCEEDED = "succeeded", _("已完成")
    REJECTED = "rejected", _("有错误，未导入")
    FAILED = "failed", _("失败")
    INTERRUPTED = "interrupted", _("已中断，未导入")


FINISHED_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED, ImportStatus.INTERRUPTED)
RETRYABLE_STATUSES = (ImportStatus.FAILED, ImportStatus.INTERRUPTED)


class ImportJob(models.Model):
    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices, default=ImportKind.PICKUPS)
    source = models.CharField(_("来源系统"), max_length=20, default="erp")
    file = models.FileField(_("文件"), upload_to="sales/imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("最近心跳"), null=True, blank=True,
        help_text=_("导入进程运行时定期更新；长时间没有心跳说明进程已中断"),
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    inserted_rows = models.PositiveIntegerField(_("新增行数"), default=0)
    skipped_rows = models.PositiveIntegerField(_("已存在（跳过）"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        permissions = [("import_pickup", _("导入提货记录")), ("import_finance", _("导入应收账款与收款"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class ImportRowError(models.Model):
    """One reason one row of a rejected file was refused (kept outside the import's transaction)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=40, blank=True)
    value = models.CharField(_("内容"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line}: {self.reason}"


class Pickup(models.Model):
    """One pickup. The table holds tens of millions of rows loaded in bulk, so its foreign keys are not database
    constraints: a PostgreSQL RI trigger per row per key cost more than the rest of a 5-million-row import. The
    writers guarantee the references instead — the importer resolves every code from lookups read in its own
    transaction and holds FOR KEY SHARE locks on the referenced rows until it commits; `pickup_record` locks the
    customer; deletes of customers, products and groups are refused by `on_delete=PROTECT`."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="pickups",
        db_index=False,  # covered by the (customer, picked_on) index
        db_constraint=False,
    )
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="pickups", db_index=False,
        db_constraint=False,
    )
    # Denormalised from the product so that "tonnage per customer per group per month" needs no join.
    product_group = models.ForeignKey(
        ProductGroup, verbose_name=_("产品组"), on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    quantity = models.DecimalField(_("数量"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=4, choices=QuantityUnit.choices)
    base_quantity = models.DecimalField(
        _("折算数量"), max_digits=18, decimal_places=3, help_text=_("按产品计量单位折算后的数量")
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    picked_on = models.DateField(_("提货日期"))
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("库点"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )
    source = models.CharField(_("来源系统"), max_length=20, default="manual")
    source_ref = models.CharField(_("单据号"), max_length=64)
    import_job = models.ForeignKey(
        ImportJob, verbose_name=_("导入任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提货记录")
        verbose_name_plural = _("提货记录")
        ordering = ["-picked_on", "-id"]
        constraints = [
            # Loading the same ERP export twice adds nothing (INSERT … ON CONFLICT DO NOTHING).
            models.UniqueConstraint(fields=["source", "source_ref"], name="sales_pickup_source_ref_uniq"),
        ]
        indexes = [
            models.Index(fields=["customer", "picked_on"], name="sales_pickup_cust_date"),
            models.Index(fields=["picked_on", "product_group"], name="sales_pickup_date_group"),
        ]
        permissions = [("export_pickup", _("导出销售数据"))]

    def __str__(self) -> str:
        return f"{self.source_ref} {self.picked_on}"


class Receivable(models.Model):
    """An invoice the customer owes (应收账款), with its due date; payments settle it, possibly in parts."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="receivables"
    )
    invoice_no = models.CharField(_("发票号"), max_length=40, unique=True)
    amount = models.DecimalField(_("应收金额（元）"), max_digits=16, decimal_places=2)
    invoiced_on = models.DateField(_("开票日期"))
    due_on = models.DateField(_("到期日"), db_index=True)
    paid_amount = models.DecimalField(_("已收金额（元）"), max_digits=16, decimal_places=2, default=Decimal("0"))
    settled_on = models.DateField(
        _("结清日期"), null=True, blank=True, help_text=_("累计收款达到应收金额的那一天；未结清为空")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("应收账款")
        verbose_name_plural = _("应收账款")
        ordering = ["-due_on", "-id"]
        indexes = [models.Index(fields=["customer", "due_on"], name="sales_recv_cust_due")]

    def __str__(self) -> str:
        return self.invoice_no

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class Payment(models.Model):
    """Money received. Against an invoice it settles that receivable; without one it is a prepayment (预收款)
    that pickups draw on under 款到发货 (000 第二条)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="payments"
    )
    receivable = models.ForeignKey(
        Receivable, verbose_name=_("核销发票"), null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("收款金额（元）"), max_digits=16, decimal_places=2)
    paid_on = models.DateField(_("收款日期"))
    method = models.CharField(_("收款方式"), max_length=20, blank=True)
    reference = models.CharField(_("银行流水号"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["customer", "paid_on"], name="sales_pay_cust_date")]

    def __str__(self) -> str:
        return self.reference


class DemandPlan(models.Model):
    """An agent's plan for next month (000 第十条（三）1.(2)): quantities and pickup dates, due before the month."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="demand_plans"
    )
    month = models.DateField(_("计划月份"), help_text=_("该月第一天"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_late = models.BooleanField(_("逾期提交"), default=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("需求计划")
        verbose_name_plural = _("需求计划")
        ordering = ["-month", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="sales_plan_customer_month_uniq")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class DemandPlanLine(models.Model):
    plan = models.ForeignKey(DemandPlan, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("计划数量"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=4, choices=QuantityUnit.choices)
    pickup_on = models.DateField(_("计划提货日期"))

    class Meta:
        verbose_name = _("需求计划明细")
        verbose_name_plural = _("需求计划明细")
        ordering = ["pickup_on", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.quantity}{self.unit}"
