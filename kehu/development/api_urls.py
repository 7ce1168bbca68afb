from django.urls import path

from kehu.development import api

urlpatterns = [
    path("development/prospects/", api.ProspectListCreateApi.as_view(), name="api-development-prospects"),
    path("development/prospects/<int:pk>/", api.ProspectDetailApi.as_view(), name="api-development-prospect"),
    path("development/prospects/<int:pk>/convert/", api.ProspectConvertApi.as_view(),
         name="api-development-prospect-convert"),
    path("development/plans/", api.PlanListCreateApi.as_view(), name="api-development-plans"),
    path("development/plans/<int:pk>/", api.PlanDetailApi.as_view(), name="api-development-plan"),
    path("development/plans/<int:pk>/submit/", api.PlanSubmitApi.as_view(), name="api-development-plan-submit"),
    path("development/completion/", api.CompletionApi.as_view(), name="api-development-completion"),
    path("development/pool/", api.PoolListApi.as_view(), name="api-development-pool"),
    path("development/pool/<int:pk>/claim/", api.PoolClaimApi.as_view(), name="api-development-pool-claim"),
    path("development/pool/<int:pk>/release/", api.PoolReleaseApi.as_view(), name="api-development-pool-release"),
]
