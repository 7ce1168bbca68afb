from django.urls import path

from kehu.policy import api

urlpatterns = [
    path("policy/packs/", api.PackListAPI.as_view(), name="policy-api-packs"),
    path("policy/packs/<slug:name>/", api.PackDetailAPI.as_view(), name="policy-api-pack"),
    path("policy/regrade/", api.RegradeAPI.as_view(), name="policy-api-regrade"),
    path("policy/movers/", api.MoversAPI.as_view(), name="policy-api-movers"),
    path("policy/overrides/", api.OverrideCreateAPI.as_view(), name="policy-api-overrides"),
    path("policy/admin-values/", api.AdminValueAPI.as_view(), name="policy-api-admin-values"),
    path("policy/customers/<int:pk>/grades/", api.CustomerGradesAPI.as_view(), name="policy-api-customer-grades"),
    path("policy/customers/<int:pk>/benefits/", api.CustomerBenefitsAPI.as_view(),
         name="policy-api-customer-benefits"),
    path("policy/customers/<int:pk>/classifications/", api.ClassificationAPI.as_view(),
         name="policy-api-customer-classifications"),
]
