"""Dashboard panels that apps register (expiring qualifications, approvals waiting, complaints due …)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    render: Callable  # render(user) -> dict(title=..., template=..., context=...) or None


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def dashboard_panels(user) -> list[dict]:
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        data = panel.render(user)
        if data:
            out.append(data)
    return out
