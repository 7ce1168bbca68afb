"""API plumbing: service errors become 4xx answers with field-level messages; bounded pagination; a schema
class that documents the error answers every endpoint can give (so clients and the fuzz tests know them)."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kehu.core.errors import ConflictError, ScopeError, ServiceError

# Largest id a query parameter may carry: ids are 64-bit (BigAutoField); a bigger number reached SQLite as
# OverflowError ("Python int too large to convert to SQLite INTEGER") and answered 500.
ID_MAX = 2**63 - 1

# --------------------------------------------------------------------------------------------- pagination




# --------------------------------------------------------------------------------------------- schema

_ERROR_DESCRIPTIONS = {
    "400": "请求参数或字段错误：{字段: [消息]}，或 {detail: 消息}",
    "403": "未登录、令牌无效或没有权限",
    "404": "不存在或不在您的管理范围内",
    "415": "请求体的类型不受支持或无法解析",
}


class KehuAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers DRF and kehu.core.api.exception_handler give:
    400 for operations that take a body or query parameters, 415 for those that take a body (a body DRF cannot
    parse, e.g. a broken multipart one), 403 for every operation that needs a login, 404 for every path with a
    parameter. Answers an operation documents itself are kept; a documented error
    answer without a body gets the error body."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return operation
        responses = operation.setdefault("responses", {})
        params = operation.get("parameters", [])
        codes = []
        if operation.get("requestBody") or any(
            p.get("in") == "query" and p.get("name") not in ("limit", "offset") for p in params
        ):
            codes.append("400")
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            codes.append("403")
        if any(p.get("in") == "path" for p in params):
            codes.append("404")
        if operation.get("requestBody"):
            codes.append("415")
        for code in codes:
            body = {"application/json": {"schema": self._error_component(code).ref}}
            if code not in responses:
                responses[code] = {"content": body, "description": _ERROR_DESCRIPTIONS[code]}
            elif not responses[code].get("content"):
                responses[code]["content"] = body
        return operation

    def _error_component(self, code: str) -> ResolvedComponent:
        if code == "400":
            # Field errors are keyed by field name (a field may be called `code` or `detail` too), values are
            # lists of messages or nested dicts for list/dict fields: only "an object" can be promised.
            name, schema = "ValidationErrorResponse", {
                "type": "object", "additionalProperties": {},
                "description": "{字段: [消息]}、{non_field_errors: [消息]} 或 {detail: 消息, code: 代码}",
            }
        else:
            name, schema = "ErrorResponse", {
                "type": "object", "additionalProperties": {},
                "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
                "required": ["detail"],
            }
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component


@contextmanager
def body_reference(field: str):
    """A record a request body names by id (a customer …): when the service answers ScopeError — unknown, or outside
    the user's data scope, shown as 404 where the id is in the URL — the answer is a 400 on `field` instead."""
    try:
        yield
    except ScopeError as exc:
        raise ValidationError({field: [exc.message]}) from None


def validation_error_detail(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for m in errs[0:]]
            for field, errs in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        return Response(
            {"detail": exc.message, "code": exc.code, "current_version": exc.current_version,
             "current": {k: (str(v) if v is not None and not isinstance(v, int | bool | dict | list) else v)
                         for k, v in exc.current.items()}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ServiceError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "未找到。/ Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "没有权限。"}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """handler404 for the root URLconf: a URL under /api/ that matches no route (e.g. /api/customers/abc/, whose
    id is not a number) answers the same JSON body as any other API 404, not Django's HTML page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到。/ Not found."}, status=404)
    return page_not_found(request, exception)
