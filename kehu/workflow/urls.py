from django.urls import path

from kehu.workflow import application_views, views

app_name = "workflow"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("applications/", application_views.application_list, name="application_list"),
    path("applications/new/<str:pack>/<str:program>/", application_views.application_new, name="application_new"),
    path("applications/<int:pk>/", application_views.application_detail, name="application_detail"),
    path("<int:pk>/", views.approval_detail, name="approval_detail"),
    path("<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    path("<int:pk>/resubmit/", views.approval_resubmit, name="approval_resubmit"),
    path("steps/<int:pk>/decide/", views.step_decide, name="step_decide"),
    path("steps/<int:pk>/delegate/", views.step_delegate, name="step_delegate"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/cancel/", views.delegation_cancel, name="delegation_cancel"),
    path("notifications/", views.notifications, name="notifications"),
    path("admission/", views.admission_list, name="admission_list"),
    path("admission/new/", views.admission_new, name="admission_new"),
    path("admission/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("admission/<int:pk>/edit/", views.admission_edit, name="admission_edit"),
    path("admission/<int:pk>/submit/", views.admission_submit, name="admission_submit"),
    path("admission/<int:pk>/override/", views.admission_override, name="admission_override"),
    path("admission/<int:pk>/pdf/", views.admission_pdf, name="admission_pdf"),
    path("admission/<int:pk>/xlsx/", views.admission_xlsx, name="admission_xlsx"),
    path("access/", views.access_list, name="access_list"),
    path("expiring/", views.expiring, name="expiring"),
    path("disqualification/new/<int:customer_pk>/", views.disqualification_new, name="disqualification_new"),
    path("disqualification/<int:pk>/", views.disqualification_detail, name="disqualification_detail"),
    path("level-transfer/", views.level_transfer_list, name="level_transfer_list"),
    path("level-transfer/new/<int:customer_pk>/", views.level_transfer_new, name="level_transfer_new"),
    path("level-transfer/<int:pk>/", views.level_transfer_detail, name="level_transfer_detail"),
    path("blocklist/", views.blocklist, name="blocklist"),
    path("licences/", views.licences, name="licences"),
    path("licences/<int:pk>/revoke/", views.licence_revoke, name="licence_revoke"),
]
