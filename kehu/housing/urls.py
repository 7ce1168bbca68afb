from django.urls import path

from kehu.housing import views

app_name = "housing"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/control/", views.control_table_view, name="control_table"),
    path("projects/<int:pk>/control.<str:fmt>", views.control_export, name="control_export"),
    path("projects/<int:pk>/ledger.<str:fmt>", views.ledger_export, name="ledger_export"),
    path("projects/<int:pk>/collections.<str:fmt>", views.collections_export, name="collections_export"),
    path("projects/<int:pk>/buildings/new/", views.building_create_view, name="building_create"),
    path("projects/<int:pk>/targets/new/", views.target_create_view, name="target_create"),
    path("projects/<int:pk>/policies/new/", views.policy_create_view, name="policy_create"),
    path("projects/<int:pk>/commissioners/new/", views.commissioner_create_view, name="commissioner_create"),
    path("projects/<int:pk>/group/", views.member_set_view, name="member_set"),
    path("projects/<int:pk>/memos/new/", views.memo_create_view, name="memo_create"),
    path("projects/<int:pk>/relations/new/", views.relation_create_view, name="relation_create"),
    path("memos/<int:pk>/sign/", views.memo_sign_view, name="memo_sign"),
    path("relations/<int:pk>/paperwork/", views.relation_paperwork_view, name="relation_paperwork"),
    path("relations/<int:pk>/reprice/", views.relation_reprice_view, name="relation_reprice"),
    path("relations/<int:pk>/tickets/new/", views.relation_ticket_view, name="relation_ticket"),
    path("commissioners/<int:pk>/", views.commissioner_detail, name="commissioner_detail"),
    path("commissioners/<int:pk>/price/", views.price_submit_view, name="price_submit"),
    path("commissioners/<int:pk>/release/", views.release_submit_view, name="release_submit"),
    path("commissioners/<int:pk>/tickets/new/", views.ticket_create_view, name="ticket_create"),
    path("commissioners/<int:pk>/annex.<str:fmt>", views.annex_export, name="annex_export"),
    path("buyers/<int:pk>/check/", views.buyer_check_view, name="buyer_check"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/print.pdf", views.ticket_print, name="ticket_print"),
    path("receipts/<int:pk>/take/", views.receipt_take_view, name="receipt_take"),
    path("receipts/<int:pk>/print.pdf", views.receipt_print, name="receipt_print"),
    path("vouchers/<int:pk>/print.pdf", views.voucher_print, name="voucher_print"),
]
