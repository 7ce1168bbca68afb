from django.urls import path

from kehu.housing import api

urlpatterns = [
    path("housing/projects/", api.ProjectListApi.as_view(), name="housing-api-projects"),
    path("housing/projects/<int:pk>/control-table/", api.ControlTableApi.as_view(), name="housing-api-control"),
    path("housing/projects/<int:pk>/tickets/", api.TicketListCreateApi.as_view(), name="housing-api-tickets"),
    path("housing/commissioners/<int:pk>/buyers/", api.BuyersApi.as_view(), name="housing-api-buyers"),
    path("housing/commissioners/<int:pk>/price/", api.PriceApi.as_view(), name="housing-api-price"),
    path("housing/buyers/<int:pk>/check/", api.BuyerCheckApi.as_view(), name="housing-api-buyer-check"),
    path("housing/tickets/<int:pk>/reverse/", api.TicketReverseApi.as_view(), name="housing-api-ticket-reverse"),
    path("housing/tickets/<int:pk>/receipts/", api.ReceiptCreateApi.as_view(), name="housing-api-receipts"),
    path("housing/tickets/<int:pk>/voucher/", api.VoucherCreateApi.as_view(), name="housing-api-voucher"),
]
