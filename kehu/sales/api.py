"""Thin DRF views over the sales selectors and services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import body_reference
from kehu.core.errors import ForbiddenError
from kehu.sales import serializers as s
from kehu.sales.models import Receivable
from kehu.sales.selectors import demand_plan_list, import_job_get, payment_list, pickup_list, product_list
from kehu.sales.services import (
    PlanLineInput,
    demand_plan_submit,
    import_job_create,
    payment_record,
    pickup_record,
)


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise ForbiddenError(f"您没有执行此操作的权限（{perm}）。")


class ProductListApi(generics.ListAPIView):
    serializer_class = s.ProductSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return product_list().order_by("code")


class PickupListCreateApi(generics.ListAPIView):
    serializer_class = s.PickupOutSerializer

    def get_queryset(self):
        _need(self.request, "sales.view_pickup")
        return pickup_list(actor=self.request.user)

    @extend_schema(request=s.PickupInSerializer, responses={201: s.PickupOutSerializer})
    def post(self, request):
        data = s.PickupInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with body_reference("customer"):
            pickup = pickup_record(
                actor=request.user, customer=d["customer"], product=d["product"], quantity=d["quantity"],
                unit=d["unit"], amount=d["amount"], picked_on=d["picked_on"], warehouse=d.get("warehouse"),
                source=d["source"], source_ref=d["source_ref"], enforce_prepayment=d["enforce_prepayment"],
            )
        return Response(s.PickupOutSerializer(pickup).data, status=status.HTTP_201_CREATED)


class PaymentListCreateApi(generics.ListAPIView):
    serializer_class = s.PaymentOutSerializer

    def get_queryset(self):
        _need(self.request, "sales.view_payment")
        return payment_list(actor=self.request.user)

    @extend_schema(request=s.PaymentInSerializer, responses={201: s.PaymentOutSerializer})
    def post(self, request):
        data = s.PaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        _need(request, "sales.add_payment")  # before looking anything up for the user
        receivable = None
        if d.get("invoice_no"):
            # Looked up among the customer's own invoices: another customer's invoice number reveals nothing.
            receivable = Receivable.objects.filter(invoice_no=d["invoice_no"], customer_id=d["customer"]).first()
            if receivable is None:
                raise ValidationError({"invoice_no": ["发票号不存在，或不属于此客户。"]})
        with body_reference("customer"):
            payment = payment_record(actor=request.user, customer=d["customer"], amount=d["amount"],
                                     paid_on=d["paid_on"], reference=d["reference"], receivable=receivable,
                                     method=d.get("method", ""))
        return Response(s.PaymentOutSerializer(payment).data, status=status.HTTP_201_CREATED)


class DemandPlanListCreateApi(generics.ListAPIView):
    serializer_class = s.DemandPlanSerializer

    def get_queryset(self):
        _need(self.request, "sales.view_demandplan")
        return demand_plan_list(actor=self.request.user).order_by("-month", "customer_id")

    @extend_schema(request=s.DemandPlanSerializer, responses={201: s.DemandPlanSerializer})
    def post(self, request):
        data = s.DemandPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        plan = demand_plan_submit(
            actor=request.user, customer=d["customer"], month=d["month"], note=d.get("note", ""),
            lines=[PlanLineInput(product=ln["product"], quantity=ln["quantity"], unit=ln["unit"],
                                 pickup_on=ln["pickup_on"]) for ln in d["lines"]],
        )
        return Response(s.DemandPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class ImportCreateApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request=s.ImportUploadSerializer, responses={202: s.ImportJobSerializer})
    def post(self, request):
        data = s.ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_job_create(actor=request.user, upload=data.validated_data["file"],
                                kind=data.validated_data["kind"], source=data.validated_data["source"])
        job.refresh_from_db()
        return Response(s.ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportStatusApi(APIView):
    @extend_schema(responses={200: s.ImportJobSerializer})
    def get(self, request, pk: int):
        from kehu.sales.views import _job_context

        job = import_job_get(actor=request.user, pk=pk)
        ctx = _job_context(job)
        return Response(s.ImportJobSerializer(job, context={"percent": ctx["progress"].get("percent", 0)}).data)
