"""Navigation entries and badge counts that apps register, so the shell template never imports app code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    order: int = 100
    permission: str | None = None
    badge: Callable | None = None  # badge(user) -> int


_ITEMS: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> None:
    _ITEMS[item.key] = item


def nav_items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: i.order)
