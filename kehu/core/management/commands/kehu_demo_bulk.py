from django.core.management.base import BaseCommand

from kehu.core.demo_bulk import demo_bulk_load
from kehu.customers.models import Customer


class Command(BaseCommand):
    help = ("为基准测试批量加载演示客户（不写历史记录）。Bulk-load demo customers for benchmarks "
            "(COPY on PostgreSQL, executemany on SQLite; no history rows).")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1_000_000, help="number of customers to have at least")
        parser.add_argument("--managers", type=int, default=200, help="extra account managers to spread them over")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--add", action="store_true", help="add --customers more instead of topping up")

    def handle(self, *args, customers: int, managers: int, seed: int, add: bool, **options):
        missing = customers if add else customers - Customer.objects.count()
        if missing <= 0:
            self.stdout.write(f"已有 {Customer.objects.count()} 个客户，无需加载 / nothing to load")
            return
        result = demo_bulk_load(customers=missing, seed=seed, managers=managers, log=self.stdout.write)
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in result.phases.items())
        self.stdout.write(
            f"已加载客户 {result.customers}、联系人 {result.contacts}、资质 {result.qualifications}，"
            f"用时 {result.seconds:.1f} 秒 / loaded in {result.seconds:.1f}s ({phases})"
        )
