"""REST API for the organisation: token login, the signed-in user, the org-unit tree."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.core.api import KehuAutoSchema
from kehu.core.pagination import KehuPagination
from kehu.org.models import OrgUnit, User
from kehu.org.serializers import (
    MeOutputSerializer,
    OrgUnitFilterSerializer,
    OrgUnitOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserFilterSerializer,
    UserOutputSerializer,
)

AUTH_TAG = "认证 auth"
ORG_TAG = "组织 org"


def _me(user: User) -> User:
    return User.objects.select_related("unit").prefetch_related("roles").get(pk=user.pk)


class TokenAPI(GenericAPIView):
    """Obtain (POST) or revoke (DELETE) the caller's API token."""

    serializer_class = TokenInputSerializer
    authentication_classes = GenericAPIView.authentication_classes
    pagination_class = None
    schema = KehuAutoSchema()

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(tags=[AUTH_TAG], operation_id="auth_token_create", summary=_("用用户名和密码换取 API 令牌"),
                   request=TokenInputSerializer, auth=[],
                   responses={200: TokenOutputSerializer,
                              400: OpenApiResponse(description=_("用户名或密码不正确")),
                              403: OpenApiResponse(description=_("登录失败次数过多，账号暂时锁定")),
                              429: OpenApiResponse(description=_("登录失败次数过多，账号暂时锁定"))})
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(request=django_request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            raise PermissionDenied(_("登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。"))
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("用户名或密码不正确。")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key, "user": _me(user)}).data)

    @extend_schema(tags=[AUTH_TAG], operation_id="auth_token_destroy", summary=_("注销本人的 API 令牌"),
                   responses={204: None})
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeAPI(GenericAPIView):
    serializer_class = MeOutputSerializer
    pagination_class = None
    schema = KehuAutoSchema()

    @extend_schema(tags=[AUTH_TAG], operation_id="users_me", summary=_("当前用户：单位、角色、数据范围与权限"))
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(_me(request.user)).data)


class UserListAPI(GenericAPIView):
    """The company directory (names and units only), e.g. to pick the receiver of a handover."""

    serializer_class = UserOutputSerializer
    filter_backends: list = []
    pagination_class = KehuPagination
    schema = KehuAutoSchema()

    @extend_schema(tags=[ORG_TAG], operation_id="users_list", summary=_("用户通讯录（姓名与单位）"),
                   parameters=[UserFilterSerializer], responses=UserOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = UserFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        qs = User.objects.select_related("unit")
        if data.get("active") is not None:
            qs = qs.filter(is_active=data["active"])
        if data.get("q"):
            qs = qs.filter(Q(username__icontains=data["q"]) | Q(display_name__contains=data["q"]))
        if data.get("unit") is not None:
            path = OrgUnit.objects.filter(pk=data["unit"]).values_list("path", flat=True).first()
            qs = qs.filter(unit__path__startswith=path) if path else qs.none()
        if data.get("role"):
            qs = qs.filter(roles__code=data["role"]).distinct()
        page = self.paginate_queryset(qs.order_by("unit__path", "username"))
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)


class OrgUnitListAPI(GenericAPIView):
    serializer_class = OrgUnitOutputSerializer
    filter_backends: list = []
    pagination_class = KehuPagination
    schema = KehuAutoSchema()

    @extend_schema(tags=[ORG_TAG], operation_id="org_units_list", summary=_("组织单位（部门与区域）"),
                   parameters=[OrgUnitFilterSerializer], responses=OrgUnitOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = OrgUnitFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        qs = OrgUnit.objects.all()
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("parent") is not None:
            qs = qs.filter(parent_id=data["parent"])
        if data.get("under") is not None:
            path = OrgUnit.objects.filter(pk=data["under"]).values_list("path", flat=True).first()
            qs = qs.filter(path__startswith=path) if path else qs.none()
        if data.get("q"):
            qs = qs.filter(Q(name__contains=data["q"]) | Q(code__icontains=data["q"]))
        if data.get("active") is not None:
            qs = qs.filter(is_active=data["active"])
        page = self.paginate_queryset(qs.order_by("path"))
        return self.get_paginated_response(OrgUnitOutputSerializer(page, many=True).data)


class OrgUnitDetailAPI(GenericAPIView):
    serializer_class = OrgUnitOutputSerializer
    queryset = OrgUnit.objects.all()
    pagination_class = None
    schema = KehuAutoSchema()

    @extend_schema(tags=[ORG_TAG], operation_id="org_units_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        return Response(OrgUnitOutputSerializer(self.get_object()).data)
