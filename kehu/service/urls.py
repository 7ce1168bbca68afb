from django.urls import path

from kehu.service import views

app_name = "service"
urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<str:action>/", views.complaint_action, name="complaint_action"),
]
