from django.urls import path

from kehu.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.csv", views.customer_export_csv, name="export_csv"),
    path("export.xlsx", views.customer_export_xlsx, name="export_xlsx"),
    path("new/", views.customer_create, name="create"),
    path("handover/", views.handover, name="handover"),
    path("handover/customers/", views.handover_customers, name="handover_customers"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:pk>/qualifications/new/", views.qualification_edit, name="qualification_add"),
    path("<int:pk>/qualifications/<int:qualification_id>/edit/", views.qualification_edit,
         name="qualification_edit"),
    path("<int:pk>/qualifications/<int:qualification_id>/verify/", views.qualification_verify,
         name="qualification_verify"),
    path("<int:pk>/qualifications/<int:qualification_id>/delete/", views.qualification_delete,
         name="qualification_delete"),
    path("<int:pk>/qualifications/<int:qualification_id>/file/", views.qualification_file,
         name="qualification_file"),
    path("<int:pk>/invoicing/", views.invoicing_edit, name="invoicing_edit"),
    path("<int:pk>/attachments/new/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/download/", views.attachment_download,
         name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
]
