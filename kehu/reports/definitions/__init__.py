"""The forms Kehu ships, registered from ReportsConfig.ready."""

from __future__ import annotations


def register_all() -> None:
    from kehu.reports.definitions import group, hb_reviews, shandong
    from kehu.reports.registry import register_report

    for module in (shandong, hb_reviews, group):
        for definition in module.DEFINITIONS:
            register_report(definition)
