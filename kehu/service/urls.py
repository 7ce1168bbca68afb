from django.urls import path

from kehu.service import views, views_surveys, views_visits

app_name = "service"
urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<str:action>/", views.complaint_action, name="complaint_action"),
    path("visits/", views_visits.visit_plan, name="visit_plan"),
    path("visits/generate/", views_visits.visit_plan_generate, name="visit_plan_generate"),
    path("visits/items/<int:pk>/", views_visits.visit_plan_item, name="visit_plan_item"),
    path("visits/report/", views_visits.visit_report_create, name="visit_report_create"),
    path("visits/reports/", views_visits.visit_report_list, name="visit_report_list"),
    path("events/", views_visits.event_list, name="event_list"),
    path("events/<int:pk>/", views_visits.event_detail, name="event_detail"),
    path("gifts/", views_visits.gift_list, name="gift_list"),
    path("surveys/", views_surveys.survey_list, name="survey_list"),
    path("surveys/questionnaires/<int:pk>/", views_surveys.questionnaire_detail, name="questionnaire_detail"),
    path("surveys/rounds/<int:pk>/", views_surveys.round_detail, name="round_detail"),
    path("surveys/rounds/<int:pk>/answer/<int:customer_id>/", views_surveys.round_answer, name="round_answer"),
    path("surveys/rounds/<int:pk>/report.xlsx", views_surveys.round_xlsx, name="round_xlsx"),
    path("surveys/rounds/<int:pk>/report.pdf", views_surveys.round_pdf, name="round_pdf"),
    path("s/<str:token>/", views_surveys.public_answer, name="public_answer"),
]
