from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import timezone

from kehu.core.demo import DEMO_PASSWORD, DEMO_USERS, demo_customers_load, demo_loaders, demo_org_load
from kehu.customers.models import Customer


class Command(BaseCommand):
    help = "加载演示公司（组织、用户、客户、销量、分级、审批、服务）。Load the demo company; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="number of customers to have at least")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--no-activity", action="store_true",
                            help="only the company and customers (no pickups, grades, approvals, complaints)")

    def handle(self, *args, customers: int, seed: int, no_activity: bool, **options):
        demo_org_load()
        missing = customers - Customer.objects.count()
        if missing > 0:
            added = demo_customers_load(count=missing, seed=seed)
            self.stdout.write(f"已添加演示客户 {added} 个 / added {added} demo customers")
        if not no_activity:
            # The demo's notification e-mails would flood the console during loading; later ones are printed.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self._activity()
        self.stdout.write(f"演示账号 / demo logins (密码 password: {DEMO_PASSWORD}):")
        for username, display, _unit, _roles, _mgr in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {display}")

    def _activity(self) -> None:
        from kehu.core.demo_activity import demo_approvals_load, demo_grades_load, demo_sales_load

        today = timezone.localdate()
        pickups = demo_sales_load(today=today)
        if pickups:
            self.stdout.write(f"已添加演示提货记录 {pickups} 条 / added {pickups} demo pickups")
        runs = demo_grades_load(today=today)
        if runs:
            self.stdout.write(f"已按 hb-chemicals 分级 {runs} 个月 / graded {runs} months")
        approvals = demo_approvals_load()
        if approvals:
            self.stdout.write(f"已提交演示开户申请 {approvals} 份 / submitted {approvals} admission applications")
        try:
            from kehu.service.demo import service_demo_load
        except ImportError:
            return
        if service_demo_load(today=today).added:
            self.stdout.write("已添加演示投诉、走访与满意度调查 / added demo complaints, visits and surveys")
        for loader in demo_loaders():
            message = loader.load(today=today)
            if message:
                self.stdout.write(message)
