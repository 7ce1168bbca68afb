"""Pagination for every API list. Its own module, importing only DRF's pagination: DRF loads the default
pagination class while `rest_framework.generics` is still being imported, so this must not import views or
drf-spectacular."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class KehuPagination(LimitOffsetPagination):
    """limit/offset pagination whose `limit` is capped: an unbounded `?limit=10**30` overflowed the SQL LIMIT
    (SQLite "datatype mismatch", PostgreSQL "bigint out of range") and answered 500."""

    default_limit = 50
    max_limit = 1000
