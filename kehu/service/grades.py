"""Where customer grades come from for visit plans and event invitations.

Grades are "<scheme>:<grade>", the same form as the pack's `workflows.visit_frequency.applies_to`.
By default they are read from the policy app's CurrentGrade table (one query for the whole set).
Other sources can be added: register_grade_provider(lambda customer_ids, year: {customer_id: ["abcd:A"]}).
Without any grade the "all" frequency applies (000 第十一条: at least once a year).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_PROVIDERS: list[Callable[[list[int], int], dict[int, list[str]]]] = []


def register_grade_provider(fn: Callable[[list[int], int], dict[int, list[str]]]) -> None:
    if fn not in _PROVIDERS:
        _PROVIDERS.append(fn)


def unregister_grade_provider(fn) -> None:
    if fn in _PROVIDERS:
        _PROVIDERS.remove(fn)


def policy_current_grades(customer_ids: list[int], year: int) -> dict[int, list[str]]:
    try:
        from kehu.policy.models import CurrentGrade
    except ImportError:  # pragma: no cover - the policy app is optional for this feature
        return {}
    out: dict[int, list[str]] = {}
    rows = CurrentGrade.objects.filter(customer_id__in=customer_ids, grade__isnull=False).values_list(
        "customer_id", "scheme_code", "grade")
    for cid, scheme, grade in rows:
        out.setdefault(cid, []).append(f"{scheme}:{grade}")
    return out


register_grade_provider(policy_current_grades)


def customer_grades(customer_ids: Iterable[int], year: int) -> dict[int, list[str]]:
    """One call per provider for the whole set (never per customer)."""
    ids = list(customer_ids)
    out: dict[int, list[str]] = {}
    for fn in _PROVIDERS:
        for cid, grades in (fn(ids, year) or {}).items():
            grades = [grades] if isinstance(grades, str) else list(grades)
            out.setdefault(cid, []).extend(g for g in grades if g and g not in out.get(cid, []))
    return out
