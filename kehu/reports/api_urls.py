from django.urls import path

from kehu.reports import api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="reports-api-list"),
    path("reports/due/", api.ReportsDueApi.as_view(), name="reports-api-due"),
    path("reports/submissions/", api.SubmissionListApi.as_view(), name="reports-api-submissions"),
    path("reports/submissions/<int:pk>/", api.SubmissionDetailApi.as_view(), name="reports-api-submission"),
    path("reports/submissions/<int:pk>/corrections/", api.SubmissionCorrectApi.as_view(),
         name="reports-api-submission-correct"),
    path("reports/<slug:code>/", api.ReportComputeApi.as_view(), name="reports-api-compute"),
    path("reports/<slug:code>/submissions/", api.ReportSubmitApi.as_view(), name="reports-api-submit"),
]
