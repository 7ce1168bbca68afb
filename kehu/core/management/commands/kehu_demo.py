from django.core.management.base import BaseCommand

from kehu.core.demo import DEMO_PASSWORD, DEMO_USERS, demo_customers_load, demo_org_load
from kehu.customers.models import Customer


class Command(BaseCommand):
    help = "加载演示公司（组织、用户、客户）。Load the demo company; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="number of customers to have at least")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, customers: int, seed: int, **options):
        demo_org_load()
        missing = customers - Customer.objects.count()
        if missing > 0:
            added = demo_customers_load(count=missing, seed=seed)
            self.stdout.write(f"已添加演示客户 {added} 个 / added {added} demo customers")
        self.stdout.write(f"演示账号 / demo logins (密码 password: {DEMO_PASSWORD}):")
        for username, display, _unit, _roles, _mgr in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {display}")
