from django.urls import path

from kehu.workdays import api

urlpatterns = [
    path("calendar/deadline/", api.DeadlineApi.as_view(), name="api-calendar-deadline"),
    path("calendar/missing-years/", api.MissingYearsApi.as_view(), name="api-calendar-missing-years"),
]
