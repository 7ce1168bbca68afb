from django.urls import path

from kehu.sales import api

urlpatterns = [
    path("sales/products/", api.ProductListApi.as_view(), name="sales-api-products"),
    path("sales/pickups/", api.PickupListCreateApi.as_view(), name="sales-api-pickups"),
    path("sales/payments/", api.PaymentListCreateApi.as_view(), name="sales-api-payments"),
    path("sales/plans/", api.DemandPlanListCreateApi.as_view(), name="sales-api-plans"),
    path("sales/imports/", api.ImportCreateApi.as_view(), name="sales-api-imports"),
    path("sales/imports/<int:pk>/", api.ImportStatusApi.as_view(), name="sales-api-import"),
]
