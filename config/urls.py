from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns = [
    path("", include("kehu.core.api_urls")),
    path("", include("kehu.org.api_urls")),
    path("", include("kehu.customers.api_urls")),
    path("", include("kehu.policy.api_urls")),
    path("", include("kehu.sales.api_urls")),
    path("", include("kehu.workflow.api_urls")),
    path("", include("kehu.workdays.api_urls")),
    path("", include("kehu.service.api_urls")),
    path("", include("kehu.orders.api_urls")),
    path("", include("kehu.development.api_urls")),
    path("", include("kehu.reports.api_urls")),
    path("", include("kehu.housing.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("", include("kehu.core.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("org/", include("kehu.org.urls")),
    path("policy/", include("kehu.policy.urls")),
    path("sales/", include("kehu.sales.urls")),
    path("approvals/", include("kehu.workflow.urls")),
    path("calendar/", include("kehu.workdays.urls")),
    path("service/", include("kehu.service.urls")),
    path("orders/", include("kehu.orders.urls")),
    path("development/", include("kehu.development.urls")),
    path("reports/", include("kehu.reports.urls")),
    path("housing/", include("kehu.housing.urls")),
    path("audit/", include("kehu.audit.urls")),
]
# Uploaded files (scans, attachments) are never served from a public media URL: only through logged-in views
# that check the customer's data scope.

# /api/ URLs that match no route answer JSON 404; pages keep the HTML one.
handler404 = "kehu.core.api.not_found"
