from django.conf import settings
from django.conf.urls.static import static
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
]

if settings.DEBUG or settings.TESTING:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
