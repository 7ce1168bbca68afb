from django.urls import path

from kehu.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.movers, name="movers"),
    path("packs/", views.pack_list, name="pack_list"),
    path("packs/<slug:name>/", views.pack_detail, name="pack_detail"),
    path("packs/<slug:name>/values/", views.admin_values, name="admin_values"),
    path("regrade/", views.regrade_view, name="regrade"),
    path("customers/<int:pk>/grades/", views.customer_grades, name="customer_grades"),
]
