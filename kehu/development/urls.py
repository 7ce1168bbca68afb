from django.urls import path

from kehu.development import views

app_name = "development"

urlpatterns = [
    path("", views.prospect_list, name="prospect_list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("prospects/new/", views.prospect_new, name="prospect_new"),
    path("prospects/<int:pk>/", views.prospect_detail, name="prospect_detail"),
    path("prospects/<int:pk>/edit/", views.prospect_edit, name="prospect_edit"),
    path("prospects/<int:pk>/convert/", views.prospect_convert, name="prospect_convert"),
    path("prospects/<int:pk>/drop/", views.prospect_drop, name="prospect_drop"),
    path("prospects/<int:pk>/team/", views.prospect_team, name="prospect_team"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/submit/", views.survey_submit, name="survey_submit"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_form, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_form, name="plan_edit"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("completion/", views.completion, name="completion"),
    path("reports/", views.report_list, name="report_list"),
    path("pool/", views.pool, name="pool"),
    path("pool/<int:pk>/claim/", views.pool_claim, name="pool_claim"),
    path("pool/release/", views.pool_release, name="pool_release"),
]
