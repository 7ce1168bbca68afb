"""Where customer grades come from for visit plans and event invitations.

The policy app registers a provider once it stores grade assignments:
    register_grade_provider(lambda customer_ids, year: {customer_id: "abcd:A", ...})
Grades are "<scheme>:<grade>", the same form as the pack's `workflows.visit_frequency.applies_to`.
Without a provider every customer is ungraded and the "all" frequency applies (000 第十一条: once a year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_PROVIDERS: list[Callable[[list[int], int], dict[int, str]]] = []


def register_grade_provider(fn: Callable[[list[int], int], dict[int, str]]) -> None:
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)


def unregister_grade_provider(fn) -> None:
    if fn in _PROVIDERS:
        _PROVIDERS.remove(fn)


def customer_grades(customer_ids: Iterable[int], year: int) -> dict[int, str]:
    """One call per provider for the whole set (never per customer); later providers win."""
    ids = list(customer_ids)
    out: dict[int, str] = {}
    for fn in _PROVIDERS:
        out.update({cid: grade for cid, grade in (fn(ids, year) or {}).items() if grade})
    return out
