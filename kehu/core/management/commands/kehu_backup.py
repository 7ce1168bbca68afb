from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kehu.core.backup import BackupError, backup_create, backup_verify


class Command(BaseCommand):
    help = ("备份数据库与上传文件到一个归档文件（含清单：迁移版本、行数、校验和）。"
            "Back up the database and the uploaded files into one archive with a manifest; "
            "--verify ARCHIVE checks one.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="folder for the archive (default var/backups)")
        parser.add_argument("--verify", type=Path, metavar="ARCHIVE", help="check an archive's checksums only")

    def handle(self, *args, output: Path | None, verify: Path | None, **options):
        try:
            if verify:
                manifest = backup_verify(verify)
                self.stdout.write(f"OK {verify}: {manifest['database']['vendor']}, "
                                  f"{sum(manifest['row_counts'].values())} rows, {len(manifest['media'])} files, "
                                  f"made {manifest['created_at']}")
                return
            path, manifest = backup_create(output_dir=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"{path}  ({manifest['database']['vendor']}, {len(manifest['row_counts'])} tables, {rows} rows, "
            f"{len(manifest['media'])} files, {path.stat().st_size / 1e6:.1f} MB)"))
