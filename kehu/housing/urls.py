from django.urls import path

from kehu.housing import views

app_name = "housing"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/control/", views.control_table_view, name="control_table"),
]
