"""Exports of the order queue (CSV / XLSX) through the sales app's constant-memory exporters."""

from __future__ import annotations

from kehu.sales.exporters import Column, csv_stream, xlsx_file

__all__ = ["QUEUE_COLUMNS", "csv_stream", "xlsx_file"]

QUEUE_COLUMNS = (
    Column("订单号", lambda o: o.number),
    Column("客户编码", lambda o: o.customer.code),
    Column("客户名称", lambda o: o.customer.name),
    Column("插单", lambda o: "是" if o.is_rush else ""),
    Column("客户类别", lambda o: o.grade),
    Column("类别优先级", lambda o: o.grade_priority),
    Column("积分", lambda o: o.grade_score, "money"),
    Column("确认时间", lambda o: o.confirmed_at.strftime("%Y-%m-%d %H:%M") if o.confirmed_at else ""),
    Column("承诺交货日期", lambda o: o.promised_on, "date"),
    Column("合同额（元）", lambda o: o.total_amount, "money"),
    Column("付款方式", lambda o: o.payment_terms_name),
)
