"""/api/ routes of the customer archive (included by config/urls.py under /api/)."""

from django.urls import path

from kehu.customers import api

urlpatterns = [
    path("customers/", api.CustomerListCreateAPI.as_view(), name="api-customer-list"),
    path("customers/<int:pk>/", api.CustomerDetailAPI.as_view(), name="api-customer-detail"),
    path("customers/<int:customer_pk>/contacts/", api.ContactListCreateAPI.as_view(), name="api-customer-contacts"),
    path("customers/<int:customer_pk>/contacts/<int:pk>/", api.ContactDetailAPI.as_view(),
         name="api-customer-contact"),
    path("customers/<int:customer_pk>/qualifications/", api.QualificationListCreateAPI.as_view(),
         name="api-customer-qualifications"),
    path("customers/<int:customer_pk>/qualifications/<int:pk>/", api.QualificationDetailAPI.as_view(),
         name="api-customer-qualification"),
    path("customers/<int:customer_pk>/qualifications/<int:pk>/file/", api.QualificationFileAPI.as_view(),
         name="api-customer-qualification-file"),
    path("customers/<int:customer_pk>/invoicing/", api.InvoicingAPI.as_view(), name="api-customer-invoicing"),
    path("customers/<int:customer_pk>/attachments/", api.AttachmentListCreateAPI.as_view(),
         name="api-customer-attachments"),
    path("customers/<int:customer_pk>/attachments/<int:pk>/", api.AttachmentDetailAPI.as_view(),
         name="api-customer-attachment"),
    path("customers/<int:customer_pk>/attachments/<int:pk>/download/", api.AttachmentDownloadAPI.as_view(),
         name="api-customer-attachment-download"),
    path("customers/<int:customer_pk>/history/", api.HistoryAPI.as_view(), name="api-customer-history"),
    path("customers/<int:customer_pk>/reads/", api.ReadLogAPI.as_view(), name="api-customer-reads"),
    path("handovers/", api.HandoverAPI.as_view(), name="api-handovers"),
]
