"""Policy packs in use, administrator-set figures, and the grades the engine assigned (with their reasons).

The pack files themselves live in `policies/` and are parsed by the pure-Python engine; this app stores what a
company decided about them (which packs apply, the figures a regulation leaves open) and what the engine produced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PackActivation(models.Model):
    """A pack the company has chosen to apply. With none chosen, settings.KEHU_DEFAULT_PACK applies."""

    pack_name = models.CharField(_("政策包"), max_length=60, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("设置时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("启用的政策包")
        verbose_name_plural = _("启用的政策包")
        ordering = ["pack_name"]
        permissions = [
            ("manage_packs", _("选择启用的政策包、设定管理员数值")),
            ("run_regrade", _("执行客户重新分级")),
            ("override_grade", _("人工调整客户等级")),
            ("set_classification", _("设定客户分类")),
        ]

    def __str__(self) -> str:
        return self.pack_name


class AdminValue(models.Model):
    """A figure the regulation leaves open (e.g. 001's 大/中/小 boundaries), set by an administrator."""

    pack_name = models.CharField(_("政策包"), max_length=60)
    key = models.CharField(_("键"), max_length=120)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("管理员设定值")
        verbose_name_plural = _("管理员设定值")
        ordering = ["pack_name", "key"]
        constraints = [models.UniqueConstraint(fields=["pack_name", "key"], name="policy_admin_value_unique")]

    def __str__(self) -> str:
        return f"{self.pack_name} {self.key}={self.value}"


class ManualMetricValue(models.Model):
    """A metric a person scores by hand (003's weighted factors), the latest value per customer and metric."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    pack_name = models.CharField(_("政策包"), max_length=60)
    metric = models.CharField(_("指标"), max_length=80)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评定人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("评定时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人工评分")
        verbose_name_plural = _("人工评分")
        constraints = [
            models.UniqueConstraint(fields=["customer", "pack_name", "metric"], name="policy_manual_metric_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.metric}={self.value}"


class GradeOverride(models.Model):
    """A grade set by a person with a reason and an approver. It wins over the computed grade until revoked."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="grade_overrides"
    )
    pack_name = models.CharField(_("政策包"), max_length=60)
    scheme_code = models.CharField(_("分级方案"), max_length=80)
    grade = models.CharField(_("等级"), max_length=40)
    reason = models.TextField(_("原因"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(_("批准日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人工调整等级")
        verbose_name_plural = _("人工调整等级")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "pack_name", "scheme_code"], condition=models.Q(revoked_at__isnull=True),
                name="policy_one_active_override",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.scheme_code} → {self.grade}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("完成")
    FAILED = "failed", _("失败")


class RegradeRun(models.Model):
    """One regrade of a pack for a period: what it did and how long each stage took."""

    pack_name = models.CharField(_("政策包"), max_length=60)
    period = models.CharField(_("期间"), max_length=10)
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    pack_version = models.CharField(_("政策包版本"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("执行人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger = models.CharField(_("触发方式"), max_length=20, default="manual")
    schemes = models.PositiveIntegerField(_("方案数"), default=0)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    evaluated = models.PositiveIntegerField(_("评定数"), default=0)
    written = models.PositiveIntegerField(_("写入数"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    moved_up = models.PositiveIntegerField(_("升级"), default=0)
    moved_down = models.PositiveIntegerField(_("降级"), default=0)
    fetch_ms = models.PositiveIntegerField(_("取数耗时(毫秒)"), default=0)
    evaluate_ms = models.PositiveIntegerField(_("计算耗时(毫秒)"), default=0)
    write_ms = models.PositiveIntegerField(_("写入耗时(毫秒)"), default=0)
    total_ms = models.PositiveIntegerField(_("总耗时(毫秒)"), default=0)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重新分级记录")
        verbose_name_plural = _("重新分级记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pack_name} {self.period} {self.get_status_display()}"


class Direction(models.TextChoices):
    UP = "up", _("升级")
    DOWN = "down", _("降级")
    SAME = "same", _("不变")
    NEW = "new", _("首次评定")


class GradeAssignment(models.Model):
    """One customer's grade in one scheme of one pack for one period, with everything that decided it.

    One row per period is the grade history: period, grade, previous grade, metrics, rule and article.
    """

    # No separate index on customer: the unique constraint below starts with it (one index less per row written).
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="grade_assignments",
        db_index=False,
    )
    pack_name = models.CharField(_("政策包"), max_length=60)
    scheme_code = models.CharField(_("分级方案"), max_length=80)
    period = models.CharField(_("期间"), max_length=10)
    grade = models.CharField(_("等级"), max_length=40, null=True, blank=True)
    previous_grade = models.CharField(_("上期等级"), max_length=40, null=True, blank=True)
    reached_grade = models.CharField(_("指标达到的等级"), max_length=40, null=True, blank=True)
    direction = models.CharField(_("变动"), max_length=8, choices=Direction.choices, default=Direction.SAME)
    metrics = models.JSONField(_("指标"), default=dict, blank=True)
    rule = models.CharField(_("规则"), max_length=120, blank=True)
    article = models.CharField(_("条款"), max_length=120, blank=True)
    quote = models.TextField(_("条文"), blank=True)
    # Texts are stored only where they cannot be rebuilt from the fields above (forced distribution, coefficients,
    # administrator figures); otherwise they are empty and `explanation` / `to_next` / `to_previous` build them on
    # read from the stored grade, rule and metrics (kehu.policy.engine.result_from_stored).
    explanation_text = models.TextField(_("说明"), blank=True, db_column="explanation")
    to_next_text = models.TextField(_("升级条件"), blank=True, db_column="to_next")
    to_previous_text = models.TextField(_("降级条件"), blank=True, db_column="to_previous")
    pack_version = models.CharField(_("政策包版本"), max_length=64)
    override = models.ForeignKey(
        GradeOverride, verbose_name=_("人工调整"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(RegradeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    computed_at = models.DateTimeField(_("计算时间"))
    # Hash of everything above that a regrade computes: an unchanged result is not rewritten (idempotent runs).
    fingerprint = models.CharField(max_length=40, editable=False, default="")

    class Meta:
        verbose_name = _("分级结果")
        verbose_name_plural = _("分级结果")
        ordering = ["customer_id", "scheme_code", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "pack_name", "scheme_code", "period"], name="policy_assignment_unique"
            )
        ]
        # A customer's earlier periods are found through the unique constraint (customer first); a separate
        # (pack, scheme, customer, period) index cost 0.4 s per 100,000 rows a regrade writes.
        indexes = [
            models.Index(fields=["pack_name", "scheme_code", "period", "direction"], name="policy_assign_movers"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.scheme_code} {self.period}: {self.grade}"

    @property
    def explanation(self) -> str:
        return self.explanation_text or self._texts()[0]

    @property
    def to_next(self) -> str:
        return self.to_next_text or self._texts()[1]

    @property
    def to_previous(self) -> str:
        return self.to_previous_text or self._texts()[2]

    def _texts(self) -> tuple[str, str, str]:
        cached = getattr(self, "_rebuilt_texts", None)
        if cached is None:
            from kehu.policy.selectors import assignment_texts

            cached = self._rebuilt_texts = assignment_texts(self)
        return cached


class CurrentGrade(models.Model):
    """The latest period's grade per (customer, pack, scheme): a database VIEW over the history (its latest row per
    customer, pack and scheme; migration 0006), read-only. A regrade therefore writes the history alone — keeping
    a second table of 100,000s of rows in step cost as much as writing the history itself — and the current grade
    can never disagree with it. Reads by customer go through the history's unique (customer, pack, scheme, period)
    index."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.DO_NOTHING, related_name="current_grades",
        db_constraint=False,  # a view: the history row's own foreign key (CASCADE) removes it with the customer
    )
    pack_name = models.CharField(_("政策包"), max_length=60)
    scheme_code = models.CharField(_("分级方案"), max_length=80)
    period = models.CharField(_("期间"), max_length=10)
    grade = models.CharField(_("等级"), max_length=40, null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))  # the latest history row's computed_at

    class Meta:
        managed = False
        db_table = "policy_currentgrade"
        verbose_name = _("当前等级")
        verbose_name_plural = _("当前等级")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.scheme_code}: {self.grade}"
