from django.urls import path, re_path

from kehu.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.pickup_list_view, name="pickup_list"),
    re_path(r"^pickups/export\.(?P<fmt>csv|xlsx)$", views.pickup_export_view, name="pickup_export"),
    path("payments/", views.payment_list_view, name="payment_list"),
    re_path(r"^payments/export\.(?P<fmt>csv|xlsx)$", views.payment_export_view, name="payment_export"),
    path("plans/", views.plan_list_view, name="plan_list"),
    path("pickups/new/", views.pickup_create_view, name="pickup_create"),
    path("payments/new/", views.payment_create_view, name="payment_create"),
    path("import/", views.import_view, name="import"),
    re_path(r"^import/(?P<kind>pickups|receivables|payments)-template\.(?P<fmt>csv|xlsx)$", views.import_template_view,
            name="import_kind_template"),
    path("import/<int:pk>/retry/", views.import_job_retry_view, name="import_retry"),
    re_path(r"^import/template\.(?P<fmt>csv|xlsx)$", views.import_template_view, name="import_template"),
    path("import/<int:pk>/", views.import_job_view, name="import_job"),
    path("import/<int:pk>/progress/", views.import_job_progress_view, name="import_progress"),
    re_path(r"^import/(?P<pk>[0-9]+)/errors\.(?P<fmt>csv|xlsx)$", views.import_job_errors_view, name="import_errors"),
    path("customers/<int:pk>/monthly/", views.customer_monthly_view, name="customer_monthly"),
    path("customers/<int:pk>/monthly.json", views.customer_monthly_json_view, name="customer_monthly_json"),
]
