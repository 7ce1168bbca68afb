"""manage.py kehu_import pickups FILE — load a CSV/XLSX of pickups; everything applies or nothing does."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kehu.sales.importers import file_progress_writer, import_pickups, write_errors_csv


class Command(BaseCommand):
    help = "导入提货记录（CSV 或 XLSX）。任何一行有错则整个文件不导入，并列出所有错误行。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["pickups"])
        parser.add_argument("file")
        parser.add_argument("--source", default="erp", help="来源系统（与单据号一起保证重复导入不重复记账）")
        parser.add_argument("--errors-out", help="把错误报告写入此 CSV 文件")
        parser.add_argument("--progress-file", help="把进度（JSON）写入此文件")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        progress = file_progress_writer(Path(opts["progress_file"])) if opts.get("progress_file") else None
        result = import_pickups(path, source=opts["source"], progress=progress)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            return
        if opts.get("errors_out"):
            with open(opts["errors_out"], "w", newline="", encoding="utf-8-sig") as f:
                write_errors_csv(result.errors, f)
        else:
            write_errors_csv(result.errors[:200], sys.stderr)
        raise CommandError(result.message)
