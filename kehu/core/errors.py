"""Errors services raise; the web views and the API turn them into messages and 4xx answers."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal the user can act on. `message` is shown as is (Chinese first)."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ConflictError(ServiceError):
    """Somebody else saved the record after this user read it: nothing was overwritten."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, *, current: dict[str, Any], submitted: dict[str, Any], current_version: int):
        super().__init__(message)
        self.current = current
        self.submitted = submitted
        self.current_version = current_version


class ScopeError(ServiceError):
    """The record is outside the user's data scope: answered as 404 so its existence is not revealed."""

    status_code = 404
    code = "not_found"


class ForbiddenError(ServiceError):
    status_code = 403
    code = "forbidden"
