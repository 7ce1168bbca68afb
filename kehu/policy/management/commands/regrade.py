"""manage.py regrade --pack hb-chemicals --period 2026-10"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kehu.core.errors import ServiceError


class Command(BaseCommand):
    help = "按政策包重新评定客户等级（一个期间）。Regrade every customer under a pack for one period."

    def add_arguments(self, parser):
        parser.add_argument("--pack", required=True, help="政策包名称，如 hb-chemicals")
        parser.add_argument("--period", required=True, help="期间：2026-10、2026-Q4、2026-H2 或 2026")

    def handle(self, *args, pack: str, period: str, **options):
        from kehu.policy.services import regrade

        try:
            run = regrade(pack_name=pack, period=period, trigger="cli")
        except ValidationError as exc:
            messages = []
            for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                messages.extend(f"{field}: {e}" if field else e for e in errors)
            raise CommandError("\n".join(messages)) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{run.pack_name} {run.period}: 客户 {run.customers}，评定 {run.evaluated}，写入 {run.written}，"
            f"未变化 {run.unchanged}，升级 {run.moved_up}，降级 {run.moved_down}；"
            f"取数 {run.fetch_ms} ms，计算 {run.evaluate_ms} ms，写入 {run.write_ms} ms，共 {run.total_ms} ms"
        )
