from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader

from kehu.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("从备份归档恢复数据库与上传文件；目标库已有数据时拒绝，除非 --force。"
            "Restore the database and the uploaded files from a backup archive; refuses a database that holds "
            "data unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already holds data (and write over media files)")

    def handle(self, *args, archive: Path, force: bool, **options):
        try:
            report = backup_restore(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            lines = [f"  {t}: archive {a}, restored {b}" for t, (a, b) in sorted(report.mismatched_counts.items())]
            raise CommandError("restored, but row counts differ from the manifest:\n" + "\n".join(lines))
        self.stdout.write(self.style.SUCCESS(
            f"restored {report.archive}: {report.tables} tables, {report.rows} rows, {report.files} files; "
            f"row counts equal the manifest"))
        loader = MigrationLoader(None, ignore_no_migrations=True)
        newest = {}
        for app, name in loader.disk_migrations:
            newest[app] = max(newest.get(app, ""), name)
        behind = sorted(app for app, name in newest.items() if report.schema.get(app, "") < name)
        if behind:
            self.stdout.write(f"the code has newer migrations for {', '.join(behind)}: run ./kehuctl manage migrate")
