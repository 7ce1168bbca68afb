from django.urls import path

from kehu.service import api

urlpatterns = [
    path("service/complaints/", api.ComplaintListApi.as_view(), name="api-complaint-list"),
    path("service/complaints/counts/", api.ComplaintCountsApi.as_view(), name="api-complaint-counts"),
    path("service/complaints/<int:pk>/", api.ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("service/complaints/<int:pk>/resolve/", api.ComplaintResolveApi.as_view(), name="api-complaint-resolve"),
    path("service/complaints/<int:pk>/follow-up/", api.ComplaintFollowUpApi.as_view(),
         name="api-complaint-follow-up"),
]
