"""The customer archive (客户档案): the system of record every other capability reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kehu.customers.validators import validate_bank_account, validate_mobile, validate_phone, validate_uscc


class CustomerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INSTITUTION = "institution", _("机关事业单位")
    INDIVIDUAL = "individual", _("个人")


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("潜在客户")
    APPLYING = "applying", _("审批中")
    ACTIVE = "active", _("正式客户")
    SUSPENDED = "suspended", _("暂停业务")
    DISQUALIFIED = "disqualified", _("取消资格")
    CHURNED = "churned", _("已流失")


# Statuses in which business (orders, pickups) may be recorded.
TRADING_STATUSES = frozenset({CustomerStatus.ACTIVE})


class Customer(models.Model):
    code = models.CharField(_("客户编码"), max_length=32, unique=True)
    name = models.CharField(_("客户全称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    # Computed on write so that search never converts on the fly (see services.customer_search_keys).
    name_pinyin = models.CharField(max_length=400, editable=False, default="")
    name_initials = models.CharField(max_length=150, editable=False, default="")
    kind = models.CharField(_("客户性质"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.ENTERPRISE)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True, validators=[validate_uscc],
        error_messages={"unique": _("该统一社会信用代码已被其他客户使用。")},
        help_text=_("18位，按 GB 32100-2015 校验"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("客户经理"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_customers",
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("管理单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    region = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("所在地区"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="region_customers",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_important = models.BooleanField(
        _("重要客户"), default=False, help_text=_("重要客户须登记至少两名联系人")
    )
    classifications = models.JSONField(_("分类"), default=dict, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Optimistic lock: a save carries the version it read; a stale version is a conflict, not an overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["name_pinyin", "name_initials", "updated_at", "version"])

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # The list is ordered by code within the actor's scope: keeps deep pages of one owner's customers cheap.
            models.Index(fields=["owner", "code"], name="customer_owner_code_idx"),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["name"]),
        ]
        permissions = [
            ("view_personal_data", _("查看联系人手机、证件号等个人信息")),
            ("view_read_log", _("查看客户档案的查阅记录")),
            ("handover_customer", _("移交客户")),
            ("export_customer", _("导出客户")),
            ("change_status", _("直接变更客户状态（不经审批）")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("客户"))
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=40, blank=True)
    is_decision_maker = models.BooleanField(_("决策人"), default=False)
    mobile = models.CharField(_("手机"), max_length=20, blank=True, validators=[validate_mobile], db_index=True)
    phone = models.CharField(_("固定电话"), max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField(_("电子邮箱"), blank=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    preferences = models.TextField(_("兴趣爱好与偏好"), blank=True)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_decision_maker", "id"]

    def __str__(self) -> str:
        return self.name


class LicenceType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("营业执照")
    TAX_REGISTRATION = "tax_registration", _("税务登记证")
    ORG_CODE = "org_code", _("组织机构代码证")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("危险化学品经营许可证")
    REFINED_OIL = "refined_oil", _("成品油经营批准证书")
    EXCLUSIVE_AGENCY = "exclusive_agency", _("独家代理许可证")
    ID_CARD = "id_card", _("身份证")
    OTHER = "other", _("其他")


class Qualification(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("客户")
    )
    licence_type = models.CharField(_("资质类型"), max_length=30, choices=LicenceType.choices)
    number = models.CharField(_("证件编号"), max_length=60)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("留空表示长期有效"), db_index=True)
    file = models.FileField(_("扫描件"), upload_to="qualifications/%Y/%m/", blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核验人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资质")
        verbose_name_plural = _("资质")
        ordering = ["licence_type", "-expires_on"]

    def __str__(self) -> str:
        return f"{self.get_licence_type_display()} {self.number}"


class InvoicingProfile(models.Model):
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="invoicing", verbose_name=_("客户")
    )
    bank_name = models.CharField(_("开户行"), max_length=100)
    bank_account = models.CharField(_("账号"), max_length=40, validators=[validate_bank_account])
    address = models.CharField(_("通讯地址"), max_length=200)
    phone = models.CharField(_("电话"), max_length=30, validators=[validate_phone])
    tax_number = models.CharField(_("纳税人识别号"), max_length=20)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("开票资料")
        verbose_name_plural = _("开票资料")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.bank_account}"


class Attachment(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("客户")
    )
    title = models.CharField(_("标题"), max_length=100)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/")
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class ReadChannel(models.TextChoices):
    PAGE = "page", _("页面")
    API = "api", _("接口")
    EXPORT = "export", _("导出")


class CustomerRead(models.Model):
    """One read of an archive: who looked, when, through which channel."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=10, choices=ReadChannel.choices)

    class Meta:
        verbose_name = _("查阅记录")
        verbose_name_plural = _("查阅记录")
        ordering = ["-at"]
        indexes = [models.Index(fields=["customer", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} {self.customer_id}"


class ArchiveEvent(models.Model):
    """A business event on an archive that is not a field change (handover, grade change, approval …).

    Other apps add rows here through `customers.services.archive_event_record`, so the archive timeline
    shows everything that happened to a customer in one place.
    """

    # No single-column customer index: the (customer, -at) index below starts with it and serves every lookup by
    # customer (the archive timeline, the pool's ownership events, cascades) — one index less per event written.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed only where set (see Meta): the events the system writes itself (a scheduled regrade moves up to every
    # customer at once) have no actor, and an index entry per NULL served no query.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("档案事件")
        verbose_name_plural = _("档案事件")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"]),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="archiveevent_actor_set"),
        ]

    def __str__(self) -> str:
        return self.summary
