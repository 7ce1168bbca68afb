"""REST API for the customer archive: input serializer → one service or selector call → output serializer.

Scope and permission are decided by the services and selectors (out of scope → ScopeError → 404, missing
permission → ForbiddenError → 403); kehu.core.api.exception_handler turns their errors into 4xx answers with
field-level messages. A retrieve of an archive is logged as a read through the "api" channel; list endpoints
are not (they show no personal data and would log thousands of rows per page).
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import ID_MAX, KehuAutoSchema
from kehu.core.errors import ScopeError
from kehu.core.pagination import KehuPagination
from kehu.customers import selectors, services
from kehu.customers.models import Attachment, Contact, Customer, CustomerStatus, InvoicingProfile, Qualification
from kehu.customers.serializers import (
    AttachmentInputSerializer,
    AttachmentOutputSerializer,
    ContactInputSerializer,
    ContactOutputSerializer,
    CustomerCreateInputSerializer,
    CustomerDetailOutputSerializer,
    CustomerListOutputSerializer,
    CustomerReadOutputSerializer,
    CustomerUpdateInputSerializer,
    HandoverInputSerializer,
    HandoverOutputSerializer,
    InvoicingInputSerializer,
    InvoicingOutputSerializer,
    QualificationInputSerializer,
    QualificationOutputSerializer,
    TimelineEntryOutputSerializer,
)

TAG = "客户档案 customers"
READ_CHANNEL_API = "api"


class CanViewCustomers(permissions.BasePermission):
    """Every archive endpoint needs `customers.view_customer`; what else is needed is checked by the services."""

    message = _("您没有查看客户档案的权限。")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("customers.view_customer"))


class ArchiveAPIView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, CanViewCustomers]
    schema = KehuAutoSchema()
    pagination_class = None
    filter_backends: list = []

    def customer(self) -> Customer:
        """The customer in the URL, within the actor's scope (else 404)."""
        if not hasattr(self, "_customer"):
            self._customer = selectors.customer_get_for_actor(actor=self.request.user, pk=self.kwargs["customer_pk"])
        return self._customer

    def get_object(self) -> Customer:
        """The customer in the URL; DRF's OPTIONS metadata calls this for PUT (it raised AssertionError → 500,
        there being no queryset)."""
        try:
            return self.customer()
        except ScopeError as exc:
            raise Http404(exc.message) from exc

    def child(self, model, pk: int, message: str):
        obj = model.objects.filter(customer=self.customer(), pk=pk).first()
        if obj is None:
            raise ScopeError(message)
        return obj

    def out(self, serializer_class, instance, **kwargs):
        return serializer_class(instance, context=self.get_serializer_context(), **kwargs).data

    def parse(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PassthroughRenderer(BaseRenderer):
    """Lets a client ask for the file itself (Accept: application/octet-stream); errors still come back as JSON."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict | list):
            return JSONRenderer().render(data)
        return data


class FileDownloadAPIView(ArchiveAPIView):
    """Answers the file itself; an error (404, 403) is JSON even when the client asked for the file
    (Accept: application/octet-stream or ?format=bin): it answered JSON bytes labelled application/octet-stream."""

    renderer_classes = [JSONRenderer, PassthroughRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(getattr(response, "data", None), dict | list) and isinstance(
            getattr(request, "accepted_renderer", None), PassthroughRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _file_response(field_file, *, missing: str) -> FileResponse:
    if not field_file:
        raise ScopeError(missing)
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise ScopeError(missing) from None
    return FileResponse(handle, as_attachment=True, filename=field_file.name.rsplit("/", 1)[-1])


FILE_RESPONSES = {
    # The file goes out with its own type (application/pdf, image/png …), guessed from its name.
    (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description=_("文件内容")),
    404: OpenApiResponse(description=_("不存在或不在您的管理范围内")),
}
REASON_PARAM = OpenApiParameter("reason", str, description=_("删除原因，记入档案历史"), required=False)
CONFLICT = OpenApiResponse(
    inline_serializer("CustomerConflict", {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "current_version": serializers.IntegerField(),
        "current": serializers.DictField(),
    }),
    description=_("保存冲突：档案已被他人修改，返回当前版本号与当前内容，未保存任何修改"),
)


# --------------------------------------------------------------------------------------------- customers


class CustomerFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True,
        help_text=_("名称或简称片段、全拼、拼音首字母（zgsh）、信用代码、客户编码或联系人电话"),
    )
    status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX, help_text=_("客户经理 ID"))
    unit = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                    help_text=_("管理单位 ID（含下级单位）"))
    classification = serializers.ListField(
        child=serializers.RegexField(r"^[^:]+:.*$", error_messages={"invalid": _("格式应为“维度:值”，如 规模:大")}),
        required=False, help_text=_("分类筛选，格式“维度:值”，可重复"),
    )


class CustomerListCreateAPI(ArchiveAPIView):
    pagination_class = KehuPagination
    serializer_class = CustomerListOutputSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        tags=[TAG], operation_id="customers_list", summary=_("客户列表（按数据范围，支持搜索与筛选）"),
        parameters=[CustomerFilterSerializer], responses=CustomerListOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = CustomerFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = selectors.CustomerFilters(
            query=data.get("q", ""), status=data.get("status", ""), owner_id=data.get("owner"),
            unit_id=data.get("unit"),
            classification=dict(item.split(":", 1) for item in data.get("classification", [])),
        )
        qs = selectors.customer_list(actor=request.user, filters=filters).select_related("region")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.out(CustomerListOutputSerializer, page, many=True))

    @extend_schema(
        tags=[TAG], operation_id="customers_create", summary=_("新建客户档案"),
        request=CustomerCreateInputSerializer,
        responses={201: CustomerDetailOutputSerializer, 400: OpenApiResponse(description=_("字段错误"))},
        examples=[OpenApiExample("新建", request_only=True, value={
            "name": "济南鲁兴塑料制品有限公司", "short_name": "鲁兴塑料", "uscc": "91350100M000100Y43",
            "kind": "enterprise", "classifications": {"规模": "中"},
        })],
    )
    def post(self, request: Request) -> Response:
        fields = self.parse(CustomerCreateInputSerializer)
        reason = fields.pop("reason", "")
        customer = services.customer_create(actor=request.user, reason=reason, **fields)
        return Response(self.out(CustomerDetailOutputSerializer, customer), status=status.HTTP_201_CREATED)


class CustomerDetailAPI(ArchiveAPIView):
    serializer_class = CustomerDetailOutputSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def customer(self) -> Customer:
        return selectors.customer_get_for_actor(actor=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(tags=[TAG], operation_id="customers_retrieve",
                   summary=_("客户档案详情（记录一次接口查阅）"), responses=CustomerDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        customer = self.customer()
        services.customer_read_record(customer=customer, actor=request.user, channel=READ_CHANNEL_API)
        customer = (
            Customer.objects.select_related("owner", "unit", "region", "invoicing")
            .prefetch_related("contacts", "qualifications__verified_by").get(pk=customer.pk)
        )
        return Response(self.out(CustomerDetailOutputSerializer, customer))

    @extend_schema(
        tags=[TAG], operation_id="customers_partial_update", summary=_("修改客户档案（须带读取时的 version）"),
        request=CustomerUpdateInputSerializer,
        responses={200: CustomerDetailOutputSerializer, 400: OpenApiResponse(description=_("字段错误")),
                   409: CONFLICT},
    )
    def patch(self, request: Request, pk: int) -> Response:
        fields = self.parse(CustomerUpdateInputSerializer, partial=False)
        version = fields.pop("version")
        reason = fields.pop("reason", "")
        customer = self.customer()
        updated = services.customer_update(
            actor=request.user, customer=customer, expected_version=version, reason=reason, **fields
        )
        return Response(self.out(CustomerDetailOutputSerializer, updated))


# --------------------------------------------------------------------------------------------- contacts

CONTACTS_TAG = "客户档案 customers · 联系人 contacts"


class ContactListCreateAPI(ArchiveAPIView):
    serializer_class = ContactOutputSerializer

    @extend_schema(tags=[CONTACTS_TAG], operation_id="customer_contacts_list", summary=_("联系人列表"),
                   responses=ContactOutputSerializer(many=True))
    def get(self, request: Request, customer_pk: int) -> Response:
        return Response(self.out(ContactOutputSerializer, self.customer().contacts.all(), many=True))

    @extend_schema(tags=[CONTACTS_TAG], operation_id="customer_contacts_create", summary=_("新增联系人"),
                   request=ContactInputSerializer, responses={201: ContactOutputSerializer})
    def post(self, request: Request, customer_pk: int) -> Response:
        fields = self.parse(ContactInputSerializer)
        reason = fields.pop("reason", "")
        contact = services.contact_save(actor=request.user, customer=self.customer(), reason=reason, **fields)
        return Response(self.out(ContactOutputSerializer, contact), status=status.HTTP_201_CREATED)


class ContactDetailAPI(ArchiveAPIView):
    serializer_class = ContactOutputSerializer
    missing = _("联系人不存在。")

    @extend_schema(tags=[CONTACTS_TAG], operation_id="customer_contacts_retrieve", responses=ContactOutputSerializer)
    def get(self, request: Request, customer_pk: int, pk: int) -> Response:
        return Response(self.out(ContactOutputSerializer, self.child(Contact, pk, self.missing)))

    @extend_schema(tags=[CONTACTS_TAG], operation_id="customer_contacts_partial_update", summary=_("修改联系人"),
                   request=ContactInputSerializer, responses=ContactOutputSerializer)
    def patch(self, request: Request, customer_pk: int, pk: int) -> Response:
        fields = self.parse(ContactInputSerializer, partial=True)
        reason = fields.pop("reason", "")
        contact = self.child(Contact, pk, self.missing)
        contact = services.contact_save(
            actor=request.user, customer=self.customer(), contact=contact, reason=reason, **fields
        )
        return Response(self.out(ContactOutputSerializer, contact))

    @extend_schema(tags=[CONTACTS_TAG], operation_id="customer_contacts_destroy", summary=_("删除联系人"),
                   parameters=[REASON_PARAM], responses={204: None})
    def delete(self, request: Request, customer_pk: int, pk: int) -> Response:
        reason = self.request.query_params.get("reason", "")
        contact = self.child(Contact, pk, self.missing)
        services.contact_delete(actor=request.user, contact_id=contact.pk, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------------- qualifications

QUAL_TAG = "客户档案 customers · 资质 qualifications"


class QualificationListCreateAPI(ArchiveAPIView):
    serializer_class = QualificationOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_list", summary=_("资质列表"),
                   responses=QualificationOutputSerializer(many=True))
    def get(self, request: Request, customer_pk: int) -> Response:
        qs = self.customer().qualifications.select_related("verified_by")
        return Response(self.out(QualificationOutputSerializer, qs, many=True))

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_create",
                   summary=_("登记资质（可同时上传扫描件，multipart）"),
                   request={"multipart/form-data": QualificationInputSerializer,
                            "application/json": QualificationInputSerializer},
                   responses={201: QualificationOutputSerializer})
    def post(self, request: Request, customer_pk: int) -> Response:
        fields = self.parse(QualificationInputSerializer)
        reason, file, verified = fields.pop("reason", ""), fields.pop("file", None), fields.pop("verified", False)
        qualification = services.qualification_save(
            actor=request.user, customer=self.customer(), file=file, verified=verified, reason=reason, **fields
        )
        return Response(self.out(QualificationOutputSerializer, qualification), status=status.HTTP_201_CREATED)


class QualificationDetailAPI(ArchiveAPIView):
    serializer_class = QualificationOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    missing = _("资质不存在。")

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_retrieve",
                   responses=QualificationOutputSerializer)
    def get(self, request: Request, customer_pk: int, pk: int) -> Response:
        return Response(self.out(QualificationOutputSerializer, self.child(Qualification, pk, self.missing)))

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_partial_update", summary=_("修改资质"),
                   request={"multipart/form-data": QualificationInputSerializer,
                            "application/json": QualificationInputSerializer},
                   responses=QualificationOutputSerializer)
    def patch(self, request: Request, customer_pk: int, pk: int) -> Response:
        fields = self.parse(QualificationInputSerializer, partial=True)
        reason, file, verified = fields.pop("reason", ""), fields.pop("file", None), fields.pop("verified", False)
        qualification = self.child(Qualification, pk, self.missing)
        qualification = services.qualification_save(
            actor=request.user, customer=self.customer(), qualification=qualification, file=file,
            verified=verified, reason=reason, **fields,
        )
        return Response(self.out(QualificationOutputSerializer, qualification))

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_destroy", summary=_("删除资质"),
                   parameters=[REASON_PARAM], responses={204: None})
    def delete(self, request: Request, customer_pk: int, pk: int) -> Response:
        reason = self.request.query_params.get("reason", "")
        qualification = self.child(Qualification, pk, self.missing)
        services.qualification_delete(actor=request.user, qualification_id=qualification.pk, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QualificationFileAPI(FileDownloadAPIView):

    @extend_schema(tags=[QUAL_TAG], operation_id="customer_qualifications_file",
                   summary=_("下载资质扫描件（记录一次接口查阅）"), responses=FILE_RESPONSES)
    def get(self, request: Request, customer_pk: int, pk: int):
        qualification = self.child(Qualification, pk, _("资质不存在。"))
        response = _file_response(qualification.file, missing=_("该资质没有扫描件。"))
        services.customer_read_record(customer=self.customer(), actor=request.user, channel=READ_CHANNEL_API)
        return response


# --------------------------------------------------------------------------------------------- invoicing

INVOICING_TAG = "客户档案 customers · 开票资料 invoicing"


class InvoicingAPI(ArchiveAPIView):
    serializer_class = InvoicingOutputSerializer

    @extend_schema(tags=[INVOICING_TAG], operation_id="customer_invoicing_retrieve", summary=_("开票资料"),
                   responses={200: InvoicingOutputSerializer,
                              404: OpenApiResponse(description=_("尚未登记开票资料，或客户不在您的管理范围内"))})
    def get(self, request: Request, customer_pk: int) -> Response:
        profile = InvoicingProfile.objects.filter(customer=self.customer()).first()
        if profile is None:
            raise ScopeError(_("该客户尚未登记开票资料。"))
        return Response(self.out(InvoicingOutputSerializer, profile))

    @extend_schema(tags=[INVOICING_TAG], operation_id="customer_invoicing_update",
                   summary=_("登记或修改开票资料（开户行、账号、地址、电话、税号）"),
                   request=InvoicingInputSerializer, responses=InvoicingOutputSerializer)
    def put(self, request: Request, customer_pk: int) -> Response:
        fields = self.parse(InvoicingInputSerializer)
        reason = fields.pop("reason", "")
        profile = services.invoicing_save(actor=request.user, customer=self.customer(), reason=reason, **fields)
        return Response(self.out(InvoicingOutputSerializer, profile))

    @extend_schema(tags=[INVOICING_TAG], operation_id="customer_invoicing_partial_update",
                   request=InvoicingInputSerializer, responses=InvoicingOutputSerializer)
    def patch(self, request: Request, customer_pk: int) -> Response:
        fields = self.parse(InvoicingInputSerializer, partial=True)
        reason = fields.pop("reason", "")
        profile = services.invoicing_save(actor=request.user, customer=self.customer(), reason=reason, **fields)
        return Response(self.out(InvoicingOutputSerializer, profile))


# --------------------------------------------------------------------------------------------- attachments

ATTACH_TAG = "客户档案 customers · 附件 attachments"


class AttachmentListCreateAPI(ArchiveAPIView):
    serializer_class = AttachmentOutputSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(tags=[ATTACH_TAG], operation_id="customer_attachments_list", summary=_("附件列表"),
                   responses=AttachmentOutputSerializer(many=True))
    def get(self, request: Request, customer_pk: int) -> Response:
        qs = self.customer().attachments.select_related("uploaded_by")
        return Response(self.out(AttachmentOutputSerializer, qs, many=True))

    @extend_schema(tags=[ATTACH_TAG], operation_id="customer_attachments_create",
                   summary=_("上传附件（multipart/form-data）"),
                   request={"multipart/form-data": AttachmentInputSerializer},
                   responses={201: AttachmentOutputSerializer, 400: OpenApiResponse(description=_("字段错误"))})
    def post(self, request: Request, customer_pk: int) -> Response:
        fields = self.parse(AttachmentInputSerializer)
        attachment = services.attachment_add(
            actor=request.user, customer=self.customer(), title=fields["title"], file=fields["file"],
            reason=fields.get("reason", ""),
        )
        return Response(self.out(AttachmentOutputSerializer, attachment), status=status.HTTP_201_CREATED)


class AttachmentDetailAPI(ArchiveAPIView):
    serializer_class = AttachmentOutputSerializer
    missing = _("附件不存在。")

    @extend_schema(tags=[ATTACH_TAG], operation_id="customer_attachments_retrieve",
                   responses=AttachmentOutputSerializer)
    def get(self, request: Request, customer_pk: int, pk: int) -> Response:
        return Response(self.out(AttachmentOutputSerializer, self.child(Attachment, pk, self.missing)))

    @extend_schema(tags=[ATTACH_TAG], operation_id="customer_attachments_destroy", summary=_("删除附件"),
                   parameters=[REASON_PARAM], responses={204: None})
    def delete(self, request: Request, customer_pk: int, pk: int) -> Response:
        reason = self.request.query_params.get("reason", "")
        attachment = self.child(Attachment, pk, self.missing)
        services.attachment_delete(actor=request.user, attachment_id=attachment.pk, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadAPI(FileDownloadAPIView):

    @extend_schema(tags=[ATTACH_TAG], operation_id="customer_attachments_download",
                   summary=_("下载附件（需登录，按数据范围校验，记录一次接口查阅）"), responses=FILE_RESPONSES)
    def get(self, request: Request, customer_pk: int, pk: int):
        attachment = self.child(Attachment, pk, _("附件不存在。"))
        response = _file_response(attachment.file, missing=_("附件文件已丢失。"))
        services.customer_read_record(customer=self.customer(), actor=request.user, channel=READ_CHANNEL_API)
        return response


# --------------------------------------------------------------------------------------------- history, reads


class HistoryAPI(ArchiveAPIView):
    serializer_class = TimelineEntryOutputSerializer

    @extend_schema(tags=[TAG], operation_id="customer_history", summary=_("档案历史：谁、何时、改了什么、原因"),
                   responses=TimelineEntryOutputSerializer(many=True))
    def get(self, request: Request, customer_pk: int) -> Response:
        entries = selectors.customer_timeline(customer=self.customer())
        context = {**self.get_serializer_context(),
                   "can_view_personal_data": selectors.can_view_personal_data(request.user)}
        return Response(TimelineEntryOutputSerializer(entries, many=True, context=context).data)


class ReadLogAPI(ArchiveAPIView):
    serializer_class = CustomerReadOutputSerializer

    @extend_schema(tags=[TAG], operation_id="customer_reads", summary=_("查阅记录：谁何时查阅了该档案（最近200条）"),
                   responses={200: CustomerReadOutputSerializer(many=True),
                              403: OpenApiResponse(description=_("需要 customers.view_read_log 权限"))})
    def get(self, request: Request, customer_pk: int) -> Response:
        reads = selectors.customer_reads(actor=request.user, customer=self.customer())
        return Response(self.out(CustomerReadOutputSerializer, reads, many=True))


# --------------------------------------------------------------------------------------------- handover


class HandoverAPI(APIView):
    permission_classes = [permissions.IsAuthenticated]
    schema = KehuAutoSchema()

    @extend_schema(tags=["移交 handovers"], operation_id="handovers_create",
                   summary=_("移交客户：一个事务内把移交人的全部（或所选）客户交给接收人"),
                   request=HandoverInputSerializer,
                   responses={200: HandoverOutputSerializer, 400: OpenApiResponse(description=_("字段错误")),
                              403: OpenApiResponse(description=_("需要 customers.handover_customer 权限"))})
    def post(self, request: Request) -> Response:
        serializer = HandoverInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = services.customer_handover(
            actor=request.user, from_user=data["from_user"], to_user=data["to_user"], reason=data["reason"],
            customer_ids=data.get("customer_ids"),
        )
        return Response(HandoverOutputSerializer(
            {"moved": moved, "from_user": data["from_user"], "to_user": data["to_user"], "reason": data["reason"]}
        ).data)
