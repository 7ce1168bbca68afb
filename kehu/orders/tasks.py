"""Scheduled jobs of the orders app, recorded as JobRun rows (kehu.core.jobs) with the day as idempotency key."""

from __future__ import annotations

from huey import crontab

from kehu.core.jobs import kehu_periodic_job


@kehu_periodic_job(name="orders.credit_terms_check", crontab=crontab(hour="1", minute="40"), period="day",
                   label="逾期付款降低付款方式（003 客户分级管理制度 一、4）")
def credit_terms_check_daily():
    """Invoices that fell overdue since yesterday count as late payments too: lower the terms where a quarter now
    has two (含) or more. A payment recorded late triggers the same check at once (sales settlement listener)."""
    from kehu.orders.services.credit import credit_terms_check

    return {"stepped_down": credit_terms_check()}
