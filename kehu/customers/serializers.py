"""API serializers for the customer archive.

Input serializers only parse and type the request (ids to objects, strings to dates); every business rule
(credit code, phone and bank-account formats, uniqueness, scope, permission) is checked by the services, whose
ValidationError becomes a 400 with field-level messages. Output serializers shape what the actor may see:
personal data (mobile numbers, ID numbers) is masked without `customers.view_personal_data`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kehu.core.api import ID_MAX
from kehu.customers.models import (
    Attachment,
    Contact,
    Customer,
    CustomerKind,
    CustomerRead,
    CustomerStatus,
    InvoicingProfile,
    LicenceType,
    Qualification,
)
from kehu.customers.selectors import contact_masked_values, mask_id_number, mask_mobile
from kehu.org.models import OrgUnit, User
from kehu.org.serializers import UnitRefSerializer

# --------------------------------------------------------------------------------------------- shared bits


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="label", read_only=True)


def _actor(serializer: serializers.Serializer) -> User:
    return serializer.context["request"].user


# --------------------------------------------------------------------------------------------- customers


class CustomerListOutputSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True, allow_null=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    region = UnitRefSerializer(read_only=True, allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Customer
        fields = (
            "id", "code", "name", "short_name", "kind", "kind_display", "uscc", "status", "status_display",
            "owner", "unit", "region", "is_important", "classifications", "version", "updated_at",
        )
        read_only_fields = fields


class ContactOutputSerializer(serializers.ModelSerializer):
    mobile = serializers.SerializerMethodField(help_text=_("无个人信息查看权限时打码"))
    phone = serializers.SerializerMethodField(help_text=_("无个人信息查看权限时打码"))
    id_number = serializers.SerializerMethodField(help_text=_("无个人信息查看权限时打码"))
    # Not an EmailField: the archive keeps "" for "no e-mail", which is not a valid "email" format.
    email = serializers.CharField(read_only=True, help_text=_("电子邮箱，未登记时为空字符串"))

    class Meta:
        model = Contact
        fields = (
            "id", "name", "title", "is_decision_maker", "mobile", "phone", "email", "id_number", "birthday",
            "preferences", "notes",
        )
        read_only_fields = fields

    def _masked(self, obj: Contact) -> dict[str, str]:
        cache = self.context.setdefault("_masked", {})
        if obj.pk not in cache:
            cache[obj.pk] = contact_masked_values(_actor(self), obj)
        return cache[obj.pk]

    def get_mobile(self, obj: Contact) -> str:
        return self._masked(obj)["mobile"]

    def get_phone(self, obj: Contact) -> str:
        return self._masked(obj)["phone"]

    def get_id_number(self, obj: Contact) -> str:
        return self._masked(obj)["id_number"]


class QualificationOutputSerializer(serializers.ModelSerializer):
    licence_type_display = serializers.CharField(source="get_licence_type_display", read_only=True)
    verified_by = UserRefSerializer(read_only=True, allow_null=True)
    has_file = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(help_text=_("扫描件下载地址（需登录，按数据范围校验）"))

    class Meta:
        model = Qualification
        fields = (
            "id", "licence_type", "licence_type_display", "number", "issued_on", "expires_on", "has_file",
            "file_url", "verified_by", "verified_at",
        )
        read_only_fields = fields

    def get_has_file(self, obj: Qualification) -> bool:
        return bool(obj.file)

    def get_file_url(self, obj: Qualification) -> str | None:
        if not obj.file:
            return None
        from django.urls import reverse

        url = reverse("api-customer-qualification-file", kwargs={"customer_pk": obj.customer_id, "pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class InvoicingOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoicingProfile
        fields = ("id", "bank_name", "bank_account", "address", "phone", "tax_number")
        read_only_fields = fields


class AttachmentOutputSerializer(serializers.ModelSerializer):
    uploaded_by = UserRefSerializer(read_only=True, allow_null=True)
    filename = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(help_text=_("下载地址（需登录，按数据范围校验）"))

    class Meta:
        model = Attachment
        fields = ("id", "title", "filename", "size", "uploaded_by", "uploaded_at", "download_url")
        read_only_fields = fields

    def get_filename(self, obj: Attachment) -> str:
        return obj.file.name.rsplit("/", 1)[-1] if obj.file else ""

    def get_download_url(self, obj: Attachment) -> str:
        from django.urls import reverse

        url = reverse("api-customer-attachment-download", kwargs={"customer_pk": obj.customer_id, "pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CustomerDetailOutputSerializer(CustomerListOutputSerializer):
    contacts = ContactOutputSerializer(many=True, read_only=True)
    qualifications = QualificationOutputSerializer(many=True, read_only=True)
    invoicing = serializers.SerializerMethodField()

    class Meta(CustomerListOutputSerializer.Meta):
        fields = (
            *CustomerListOutputSerializer.Meta.fields, "address", "notes", "created_at",
            "contacts", "qualifications", "invoicing",
        )
        read_only_fields = fields

    @extend_schema_field(InvoicingOutputSerializer(allow_null=True))
    def get_invoicing(self, obj: Customer):
        try:
            profile = obj.invoicing
        except InvoicingProfile.DoesNotExist:
            return None
        return InvoicingOutputSerializer(profile, context=self.context).data


class CustomerCreateInputSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                 help_text=_("留空则自动编号"))
    name = serializers.CharField(help_text=_("客户全称"))
    short_name = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    uscc = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                 help_text=_("统一社会信用代码，18位，按 GB 32100-2015 校验"))
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                               help_text=_("客户经理，留空为本人"))
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    region = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True)
    is_important = serializers.BooleanField(required=False)
    classifications = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, help_text=_("变更原因，记入档案历史"))


class CustomerUpdateInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text=_("读取档案时的版本号；档案已被他人修改时返回 409 及当前内容")
    )
    name = serializers.CharField(required=False)
    short_name = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    uscc = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False,
                                     help_text=_("直接变更状态需要 customers.change_status 权限"))
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False,
                                               help_text=_("更换客户经理请使用移交接口"))
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    region = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True)
    is_important = serializers.BooleanField(required=False)
    classifications = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, help_text=_("变更原因，记入档案历史"))


# --------------------------------------------------------------------------------------------- children


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField(required=False, allow_blank=True)
    is_decision_maker = serializers.BooleanField(required=False)
    mobile = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    id_number = serializers.CharField(required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    preferences = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)


class QualificationInputSerializer(serializers.Serializer):
    licence_type = serializers.ChoiceField(choices=LicenceType.choices)
    number = serializers.CharField()
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True, help_text=_("留空表示长期有效"))
    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False,
                                 help_text=_("扫描件：PDF、PNG/JPG、Word、Excel 或 OFD"))
    verified = serializers.BooleanField(required=False, default=False, help_text=_("标记为已由本人核验"))
    reason = serializers.CharField(required=False, allow_blank=True)


class InvoicingInputSerializer(serializers.Serializer):
    bank_name = serializers.CharField(allow_blank=True)
    bank_account = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    tax_number = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)


class AttachmentInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    file = serializers.FileField(allow_empty_file=False, use_url=False,
                                 help_text=_("PDF、PNG/JPG、Word、Excel 或 OFD 文件"))
    reason = serializers.CharField(required=False, allow_blank=True)


# --------------------------------------------------------------------------------------------- history, reads

_PERSONAL_FIELDS = {"mobile": mask_mobile, "phone": mask_mobile, "id_number": mask_id_number}


def _plain(value):
    if value is None or isinstance(value, str | int | bool | float | dict | list):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class FieldChangeOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class TimelineEntryOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    what = serializers.CharField(help_text=_("变更对象，如“客户档案”“联系人 张三”“业务事件”"))
    action = serializers.CharField()
    reason = serializers.CharField()
    changes = FieldChangeOutputSerializer(many=True)

    def to_representation(self, entry):
        can_see = self.context.get("can_view_personal_data", False)
        is_contact = entry.what.startswith("联系人")
        changes = []
        for ch in entry.changes:
            old, new = _plain(ch.old), _plain(ch.new)
            if is_contact and not can_see and ch.field in _PERSONAL_FIELDS:
                mask = _PERSONAL_FIELDS[ch.field]
                old = mask(old) if isinstance(old, str) and old != "（空）" else old
                new = mask(new) if isinstance(new, str) and new != "（空）" else new
            changes.append({"field": ch.field, "label": ch.label, "old": old, "new": new})
        return {
            "at": serializers.DateTimeField().to_representation(entry.at),
            "actor": entry.actor, "what": entry.what, "action": entry.action, "reason": entry.reason,
            "changes": changes,
        }


class CustomerReadOutputSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = CustomerRead
        fields = ("id", "user", "at", "channel", "channel_display")
        read_only_fields = fields


# --------------------------------------------------------------------------------------------- handover


class HandoverInputSerializer(serializers.Serializer):
    from_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text=_("移交人"))
    to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text=_("接收人"))
    reason = serializers.CharField(allow_blank=True, help_text=_("移交原因，记入每个客户的档案历史"))
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), required=False, allow_null=True,
        allow_empty=False,
        help_text=_("只移交这些客户；省略则移交移交人名下全部客户"),
    )


class HandoverOutputSerializer(serializers.Serializer):
    moved = serializers.IntegerField(help_text=_("移交的客户数"))
    from_user = UserRefSerializer()
    to_user = UserRefSerializer()
    reason = serializers.CharField()

