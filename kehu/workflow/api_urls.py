from django.urls import path

from kehu.workflow import api

urlpatterns = [
    path("approvals/waiting/", api.InboxApi.as_view(), name="api-approvals-waiting"),
    path("approvals/submitted/", api.SubmittedApi.as_view(), name="api-approvals-submitted"),
    path("approvals/<int:pk>/", api.ApprovalDetailApi.as_view(), name="api-approval-detail"),
    path("approvals/<int:pk>/withdraw/", api.ApprovalWithdrawApi.as_view(), name="api-approval-withdraw"),
    path("approvals/<int:pk>/resubmit/", api.ApprovalResubmitApi.as_view(), name="api-approval-resubmit"),
    path("approvals/steps/<int:pk>/decide/", api.StepDecideApi.as_view(), name="api-step-decide"),
    path("admissions/", api.AdmissionCreateApi.as_view(), name="api-admissions"),
    path("access-requests/", api.AccessRequestCreateApi.as_view(), name="api-access-requests"),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
]
