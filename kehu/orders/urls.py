from django.urls import path, re_path

from kehu.orders import views, views_allocation, views_archive

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("new/", views.order_create_view, name="order_create"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
    path("<int:pk>/edit/", views.order_edit_view, name="order_edit"),
    re_path(r"^(?P<pk>[0-9]+)/(?P<action>submit|release|deliver|close|cancel)/$", views.order_action_view,
            name="order_action"),
    path("queue/", views.order_queue_view, name="order_queue"),
    re_path(r"^queue/export\.(?P<fmt>csv|xlsx)$", views.order_queue_export_view, name="order_queue_export"),
    path("customers/<int:pk>/", views_archive.customer_orders_tab_view, name="customer_orders_tab"),
    path("credit/", views.credit_list_view, name="credit_list"),
    path("credit/<int:pk>/", views.credit_detail_view, name="credit_detail"),
    path("prices/", views.price_list_view, name="price_list"),
    path("inquiries/", views.inquiry_list_view, name="inquiry_list"),
    path("inquiries/<int:pk>/", views.inquiry_detail_view, name="inquiry_detail"),
    path("allocation/", views_allocation.allocation_list_view, name="allocation_list"),
    path("allocation/<int:pk>/", views_allocation.allocation_detail_view, name="allocation_detail"),
    re_path(r"^allocation/(?P<pk>[0-9]+)/print\.(?P<fmt>xlsx|pdf)$", views_allocation.allocation_print_view,
            name="allocation_print"),
    path("allocation/lines/<int:pk>/adjust/", views_allocation.allocation_adjust_view, name="allocation_adjust"),
    path("allocation/review/", views_allocation.review_view, name="allocation_review"),
    re_path(r"^allocation/review\.(?P<fmt>xlsx|pdf)$", views_allocation.review_print_view,
            name="allocation_review_print"),
]
