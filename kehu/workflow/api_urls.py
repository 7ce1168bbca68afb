from django.urls import path

from kehu.workflow import api, application_api

urlpatterns = [
    path("applications/", application_api.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("applications/<int:pk>/", application_api.ApplicationDetailApi.as_view(), name="api-application-detail"),
    path("applications/milestones/<int:pk>/complete/", application_api.MilestoneCompleteApi.as_view(),
         name="api-application-milestone-complete"),
    path("applications/milestones/<int:pk>/extend/", application_api.MilestoneExtendApi.as_view(),
         name="api-application-milestone-extend"),
    path("approvals/waiting/", api.InboxApi.as_view(), name="api-approvals-waiting"),
    path("approvals/submitted/", api.SubmittedApi.as_view(), name="api-approvals-submitted"),
    path("approvals/<int:pk>/", api.ApprovalDetailApi.as_view(), name="api-approval-detail"),
    path("approvals/<int:pk>/withdraw/", api.ApprovalWithdrawApi.as_view(), name="api-approval-withdraw"),
    path("approvals/<int:pk>/resubmit/", api.ApprovalResubmitApi.as_view(), name="api-approval-resubmit"),
    path("approvals/steps/<int:pk>/decide/", api.StepDecideApi.as_view(), name="api-step-decide"),
    path("admissions/", api.AdmissionCreateApi.as_view(), name="api-admissions"),
    path("access-requests/", api.AccessRequestCreateApi.as_view(), name="api-access-requests"),
    path("disqualifications/", api.DisqualificationListApi.as_view(), name="api-disqualifications"),
    path("disqualifications/<int:pk>/", api.DisqualificationDetailApi.as_view(), name="api-disqualification-detail"),
    path("agency-licences/", api.LicenceListApi.as_view(), name="api-agency-licences"),
    path("agency-licences/<int:pk>/", api.LicenceDetailApi.as_view(), name="api-agency-licence-detail"),
    path("agency-licences/<int:pk>/revoke/", api.LicenceRevokeApi.as_view(), name="api-agency-licence-revoke"),
    path("level-transfers/", api.LevelTransferListApi.as_view(), name="api-level-transfers"),
    path("level-transfers/<int:pk>/", api.LevelTransferDetailApi.as_view(), name="api-level-transfer-detail"),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
]
