from django.urls import path

from kehu.orders import api

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="orders-api-list"),
    path("orders/quote/", api.OrderQuoteApi.as_view(), name="orders-api-quote"),
    path("orders/queue/", api.OrderQueueApi.as_view(), name="orders-api-queue"),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="orders-api-detail"),
    path("orders/<int:pk>/submit/", api.OrderSubmitApi.as_view(), name="orders-api-submit"),
    path("orders/<int:pk>/release/", api.OrderReleaseApi.as_view(), name="orders-api-release"),
    path("orders/<int:pk>/deliver/", api.OrderDeliverApi.as_view(), name="orders-api-deliver"),
    path("orders/<int:pk>/close/", api.OrderCloseApi.as_view(), name="orders-api-close"),
    path("orders/<int:pk>/cancel/", api.OrderCancelApi.as_view(), name="orders-api-cancel"),
    path("credit/<int:customer_pk>/", api.CreditDetailApi.as_view(), name="credit-api-detail"),
    path("credit/<int:customer_pk>/requests/", api.CreditRequestApi.as_view(), name="credit-api-request"),
    path("price-lists/", api.PriceListApi.as_view(), name="price-lists-api"),
    path("inquiries/", api.InquiryListCreateApi.as_view(), name="inquiries-api-list"),
    path("inquiries/<int:pk>/answer/", api.InquiryAnswerApi.as_view(), name="inquiries-api-answer"),
    path("allocations/", api.AllocationListApi.as_view(), name="allocations-api-list"),
    path("allocations/run/", api.AllocationRunApi.as_view(), name="allocations-api-run"),
    path("allocations/<int:pk>/lines/", api.AllocationLinesApi.as_view(), name="allocations-api-lines"),
    path("allocation-lines/<int:pk>/adjust/", api.AllocationAdjustApi.as_view(), name="allocation-lines-api-adjust"),
]
