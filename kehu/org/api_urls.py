"""/api/ routes of the organisation (included by config/urls.py under /api/)."""

from django.urls import path

from kehu.org import api

urlpatterns = [
    path("auth/token/", api.TokenAPI.as_view(), name="api-auth-token"),
    path("users/", api.UserListAPI.as_view(), name="api-users"),
    path("users/me/", api.MeAPI.as_view(), name="api-users-me"),
    path("org-units/", api.OrgUnitListAPI.as_view(), name="api-org-units"),
    path("org-units/<int:pk>/", api.OrgUnitDetailAPI.as_view(), name="api-org-unit"),
]
