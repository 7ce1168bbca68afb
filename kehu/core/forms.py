"""Bridges between service errors and Django forms, so every form shows what is wrong beside the field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kehu.core.errors import ServiceError


def apply_service_error(form: forms.Form, exc: Exception) -> None:
    """Put a service's ValidationError / ServiceError onto the form (field errors where the field exists)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
        return
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
        return
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    raise exc
