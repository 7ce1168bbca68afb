"""The forms Kehu ships, registered from ReportsConfig.ready."""

from __future__ import annotations


def register_all() -> None:
    from kehu.reports.definitions import shandong
    from kehu.reports.registry import register_report

    for definition in shandong.DEFINITIONS:
        register_report(definition)
