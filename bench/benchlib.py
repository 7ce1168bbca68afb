"""What the benchmarks share: resetting their own database.

A benchmark reloads its data set by emptying the tables it fills. It cannot do that through the ORM any more:
archive history, read logs and events are audit records, and kehu/audit/retention.py refuses their deletion
through any UI, API or queryset within the retention period (issue 15). The bench databases are scratch copies,
so the reset goes below the ORM with raw SQL, children first, and skips database views (unmanaged models such
as policy.CurrentGrade, a VIEW over the grade history) since they hold no rows of their own.
"""
from __future__ import annotations

from collections.abc import Iterable


def _referencing(models: Iterable[type]) -> list[type]:
    """The models given plus every concrete table that references them, transitively, children before parents."""
    seen: dict[type, None] = {}
    order: list[type] = []

    def visit(model: type) -> None:
        model = model._meta.concrete_model
        if model in seen:
            return
        seen[model] = None
        for rel in model._meta.related_objects:  # reverse FK, one-to-one and many-to-many
            if rel.many_to_many:
                through = rel.through if hasattr(rel, "through") else rel.field.remote_field.through
                visit(through)
            else:
                visit(rel.related_model)
        for field in model._meta.local_many_to_many:
            visit(field.remote_field.through)
        order.append(model)

    for model in models:
        visit(model)
    return [m for m in order if m._meta.managed and not m._meta.proxy]


def wipe(*models: type) -> list[str]:
    """Empty the tables of `models` and of everything that references them, in the current transaction.

    PostgreSQL: one TRUNCATE of all of them (fast, and it resets nothing else). SQLite: DELETE children first,
    so the deferred foreign-key check at commit holds. Returns the table names emptied.
    """
    from django.db import connection

    tables = [m._meta.db_table for m in _referencing(models)]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
        else:
            for table in tables:  # children were appended before their parents
                cur.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    return tables
