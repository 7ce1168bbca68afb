from django.urls import path, re_path

from kehu.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list_view, name="report_list"),
    path("submissions/<int:pk>/", views.submission_view, name="submission_detail"),
    re_path(r"^submissions/(?P<pk>[0-9]+)/export\.(?P<fmt>xlsx|pdf)$", views.submission_export_view,
            name="submission_export"),
    path("submissions/<int:pk>/correct/", views.submission_correct_view, name="submission_correct"),
    path("<slug:code>/", views.report_view, name="report_detail"),
    re_path(r"^(?P<code>[-\w]+)/export\.(?P<fmt>xlsx|pdf)$", views.report_export_view, name="report_export"),
    path("<slug:code>/submit/", views.report_submit_view, name="report_submit"),
    path("<slug:code>/setting/", views.report_setting_view, name="report_setting"),
]
