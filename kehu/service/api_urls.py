from django.urls import path

from kehu.service import api

urlpatterns = [
    path("service/complaints/", api.ComplaintListApi.as_view(), name="api-complaint-list"),
    path("service/complaints/counts/", api.ComplaintCountsApi.as_view(), name="api-complaint-counts"),
    path("service/complaints/<int:pk>/", api.ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("service/complaints/<int:pk>/resolve/", api.ComplaintResolveApi.as_view(), name="api-complaint-resolve"),
    path("service/complaints/<int:pk>/follow-up/", api.ComplaintFollowUpApi.as_view(),
         name="api-complaint-follow-up"),
    path("service/complaints/<int:pk>/pause/", api.ComplaintPauseApi.as_view(), name="api-complaint-pause"),
    path("service/complaints/<int:pk>/resume/", api.ComplaintResumeApi.as_view(), name="api-complaint-resume"),
    path("service/complaints/<int:pk>/assign/", api.ComplaintAssignApi.as_view(), name="api-complaint-assign"),
    path("service/complaints/<int:pk>/escalate/", api.ComplaintEscalateApi.as_view(), name="api-complaint-escalate"),
    path("service/complaints/<int:pk>/investigate/", api.ComplaintInvestigateApi.as_view(),
         name="api-complaint-investigate"),
    path("service/complaints/<int:pk>/extension/", api.ComplaintExtensionApi.as_view(),
         name="api-complaint-extension"),
    path("service/complaints/<int:pk>/extension/decision/", api.ComplaintExtensionDecisionApi.as_view(),
         name="api-complaint-extension-decision"),
]
