"""REST API of the policy app: packs, regrade, a customer's grades with their reasons, benefits, movers,
overrides, administrator values and classifications. Thin: one selector or service per call."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import body_reference
from kehu.core.errors import ForbiddenError
from kehu.core.pagination import KehuPagination
from kehu.customers.selectors import customer_get_for_actor
from kehu.org.models import User
from kehu.policy import selectors, services
from kehu.policy.engine import PackError
from kehu.policy.serializers import (
    AdminValueInputSerializer,
    AdminValueOutputSerializer,
    ClassificationInputSerializer,
    ClassificationOutputSerializer,
    CustomerBenefitsSerializer,
    GradeExplanationSerializer,
    MoverOutputSerializer,
    OverrideInputSerializer,
    OverrideOutputSerializer,
    PackDetailSerializer,
    PackSummarySerializer,
    RegradeInputSerializer,
    RegradeRunOutputSerializer,
)

TAG = "分级 policy"


def _pack_summary(listing) -> dict:
    pack = listing.pack
    out = {"name": listing.name, "active": listing.is_active, "errors": list(listing.errors)}
    if pack is not None:
        out.update({
            "title": pack.title, "company": pack.company, "version": pack.version,
            "schemes": [{"code": s.code, "name": s.name, "type": s.type, "period": s.period,
                         "grades": [g.code for g in s.grades], "article": s.citation.article}
                        for s in pack.schemes.values()],
            "dimensions": [{"code": d.code, "name": d.name, "values": list(d.value_codes()),
                            "article": d.citation.article} for d in pack.dimensions.values()],
        })
    return out


class PackListAPI(APIView):
    @extend_schema(tags=[TAG], summary="政策包列表（含校验错误）", operation_id="policy_packs_list",
                   responses=PackSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        listings = [_pack_summary(listing) for listing in selectors.pack_listings()]
        return Response(PackSummarySerializer(listings, many=True).data)


class PackDetailAPI(APIView):
    @extend_schema(tags=[TAG], summary="一个政策包：维度、方案、阈值与条款、管理员设定值",
                   responses=PackDetailSerializer)
    def get(self, request: Request, name: str) -> Response:
        listing = next((x for x in selectors.pack_listings() if x.name == name), None)
        if listing is None:
            raise Http404
        data = _pack_summary(listing)
        if listing.pack is not None:
            data["thresholds"] = {
                code: [t.__dict__ for t in selectors._threshold_lines(listing.pack, code, None)]
                for code in listing.pack.schemes
            }
            data["admin_values"] = [
                {"key": s.key, "purpose": s.purpose, "article": s.article,
                 "allowed_min": s.allowed_min, "allowed_max": s.allowed_max, "value": s.value}
                for s in selectors.admin_slots(name)
            ]
        return Response(PackDetailSerializer(data).data)


class RegradeAPI(APIView):
    @extend_schema(tags=[TAG], summary="重新分级（一个政策包、一个期间）", request=RegradeInputSerializer,
                   responses={201: RegradeRunOutputSerializer})
    def post(self, request: Request) -> Response:
        data = RegradeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.regrade(pack_name=data.validated_data["pack"], period=data.validated_data["period"],
                               actor=request.user)
        return Response(RegradeRunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class CustomerGradesAPI(APIView):
    @extend_schema(tags=[TAG], summary="客户为什么是这个等级：指标、阈值、条款原文、升降条件",
                   responses=GradeExplanationSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_actor(actor=request.user, pk=pk)
        return Response(GradeExplanationSerializer(selectors.customer_grade_explanations(customer), many=True).data)


class CustomerBenefitsAPI(APIView):
    @extend_schema(tags=[TAG], summary="客户当前享有的条件（价格、付款、交期、优先级…）及条款",
                   parameters=[OpenApiParameter("pack", str, required=False)],
                   responses=CustomerBenefitsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_actor(actor=request.user, pk=pk)
        try:
            benefits = selectors.customer_benefits(customer=customer, pack_name=request.query_params.get("pack"))
        except PackError as exc:
            raise services.pack_error_detail(exc) from None
        return Response(CustomerBenefitsSerializer(benefits.as_dict()).data)


class MoversAPI(GenericAPIView):
    serializer_class = MoverOutputSerializer
    pagination_class = KehuPagination

    @extend_schema(tags=[TAG], summary="本期升级/降级的客户（按数据权限）", responses=MoverOutputSerializer(many=True),
                   parameters=[OpenApiParameter(n, str, required=False) for n in ("pack", "period", "scheme",
                                                                                   "direction")])
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("policy.view_gradeassignment"):
            raise ForbiddenError("您没有查看分级结果的权限。")
        params = request.query_params
        qs = selectors.grade_movers(
            actor=request.user, pack_name=params.get("pack") or selectors.default_pack_name(),
            period=params.get("period") or None, scheme_code=params.get("scheme") or None,
            direction=params.get("direction") or None,
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(MoverOutputSerializer(page, many=True).data)


class OverrideCreateAPI(APIView):
    @extend_schema(tags=[TAG], summary="人工调整等级（须写原因与批准人）", request=OverrideInputSerializer,
                   responses={201: OverrideOutputSerializer})
    def post(self, request: Request) -> Response:
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with body_reference("customer"):
            customer = customer_get_for_actor(actor=request.user, pk=v["customer"])
        override = services.grade_override_create(
            actor=request.user, customer=customer, pack_name=v["pack"], scheme_code=v["scheme"], grade=v["grade"],
            reason=v["reason"], approver=User.objects.filter(pk=v["approver"]).first(),
            approved_on=v.get("approved_on"),
        )
        return Response(OverrideOutputSerializer(override).data, status=status.HTTP_201_CREATED)


class AdminValueAPI(APIView):
    @extend_schema(tags=[TAG], summary="设定条文未给出的数值（在条文允许范围内）", request=AdminValueInputSerializer,
                   responses=AdminValueOutputSerializer)
    def post(self, request: Request) -> Response:
        data = AdminValueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        row = services.admin_value_set(actor=request.user, pack_name=v["pack"], key=v["key"], value=v["value"],
                                       note=v.get("note", ""))
        out = AdminValueOutputSerializer({"pack": row.pack_name, "key": row.key, "value": str(row.value)})
        return Response(out.data, status=status.HTTP_200_OK)


class ClassificationAPI(APIView):
    @extend_schema(tags=[TAG], summary="设定客户分类（按政策包维度的取值校验）", request=ClassificationInputSerializer,
                   responses=ClassificationOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = ClassificationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        customer = customer_get_for_actor(actor=request.user, pk=pk)
        customer = services.classification_set(
            actor=request.user, customer=customer, pack_name=v.get("pack"), dimension=v["dimension"],
            value=v["value"], reason=v.get("reason", ""),
        )
        return Response(ClassificationOutputSerializer(
            {"customer": customer.pk, "classifications": customer.classifications}).data)
