"""Tabs other apps add to the archive page: each is an HTML fragment loaded on demand (htmx), so the archive page
never imports those apps and a missing app simply has no tab."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class ArchiveTab:
    key: str
    label: str
    url_name: str  # reversed with the customer's pk
    order: int = 100
    permission: str | None = None


_TABS: dict[str, ArchiveTab] = {}


def register_archive_tab(tab: ArchiveTab) -> None:
    _TABS[tab.key] = tab


def archive_tabs_for(user, customer) -> list[dict]:
    out = []
    for tab in sorted(_TABS.values(), key=lambda t: t.order):
        if tab.permission and not user.has_perm(tab.permission):
            continue
        try:
            url = reverse(tab.url_name, args=[customer.pk])
        except NoReverseMatch:
            continue
        out.append({"key": tab.key, "label": tab.label, "url": url})
    return out
