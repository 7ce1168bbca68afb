"""manage.py allocate --period 2026-11 [--group chemical-other] [--replace] [--as jihua]: the planner's monthly
allocation from the command line, through the same service as the web page (permission checked for --as)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kehu.core.errors import ServiceError


class Command(BaseCommand):
    help = "月度产品资源量分配（000 第三条（二）、第十条）。Allocate a month's available quantities."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="月份 YYYY-MM")
        parser.add_argument("--group", default="", help="产品组编码（默认：所有录入了生产计划的产品组）")
        parser.add_argument("--replace", action="store_true", help="覆盖已有分配（手工调整将被清除）")
        parser.add_argument("--as", dest="username", default="", help="以该用户身份执行（检查其权限）")

    def handle(self, *args, period: str, group: str, replace: bool, username: str, **options):
        from kehu.orders.services.allocation import allocation_run, line_reason, parse_month
        from kehu.org.models import User
        from kehu.sales.models import ProductGroup

        actor = None
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {username} 不存在或已停用。")
        product_group = None
        if group:
            product_group = ProductGroup.objects.filter(code=group).first()
            if product_group is None:
                raise CommandError(f"产品组 {group} 不存在。")
        try:
            result = allocation_run(actor=actor, month=parse_month(period), product_group=product_group,
                                    replace=replace)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        for allocation in result.allocations:
            self.stdout.write(
                f"{allocation.month:%Y-%m} {allocation.product_group.name}: 可供 {allocation.available:,.3f}，"
                f"需求 {allocation.demand:,.3f}，分配 {allocation.allocated:,.3f}，{allocation.customers} 个客户")
            for line in allocation.lines.select_related("customer").order_by("tier", "rank")[:5]:
                self.stdout.write(f"  {line.customer.code} {line.quantity:,.3f}  {line_reason(line)}")
        self.stdout.write(f"共 {result.lines} 行；取数 {result.fetch_ms} ms，计算 {result.compute_ms} ms，"
                          f"写入 {result.write_ms} ms / {result.lines} lines written")
