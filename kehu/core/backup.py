"""Backup and restore of the whole installation: the database and the uploaded files, in one archive.

    ./kehuctl backup [--output DIR]          → var/backups/kehu-backup-20261206-213000.tar
    ./kehuctl restore ARCHIVE [--force]

The archive (a plain tar) holds `manifest.json`, the database and `media/…` (qualification scans, attachments):

- PostgreSQL: `pg_dump -Fc` taken on an exported snapshot, so the row counts in the manifest are those of the
  dump exactly, even while users keep working; restored with `pg_restore --single-transaction`.
- SQLite: a copy made with SQLite's online backup API (`sqlite3.Connection.backup`), consistent while the
  application runs; restored with the same API into the target file.
- The manifest records the schema version (the latest applied migration of each app), the row count of every
  table, and the SHA-256 and size of the database file and of every uploaded file. A restore checks every
  checksum before touching anything, refuses a database (or media folder) that already holds data unless told
  `force`, and afterwards compares every table's row count with the manifest.

A restore goes to the same kind of database the backup came from; to move between SQLite and PostgreSQL use
`manage.py dumpdata`/`loaddata`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = "kehu-backup/1"
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
# Filled by `migrate` itself: a freshly migrated database holds rows here and is still "empty".
MIGRATE_FILLED_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore could not be done; nothing was changed (for a restore: before it started)."""


@dataclass
class RestoreReport:
    archive: str
    vendor: str
    tables: int
    rows: int
    files: int
    schema: dict[str, str]
    mismatched_counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatched_counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"unsupported database engine {engine}")


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise BackupError(f"{cmd[0]} not found: install the PostgreSQL client (postgresql-client)")
    proc = subprocess.run([tool, *cmd[1:]], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")


# ---------------------------------------------------------------------------------------------- reading a database
def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, str]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    # FTS5 shadow tables belong to their virtual table; they are rebuilt with it and not counted on their own.
    virtual = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    tables = [t for t in tables if not any(t.startswith(v + "_") for v in virtual)]
    counts = {t: conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables}  # noqa: S608
    schema = _schema(conn.execute, "django_migrations" in counts)
    return counts, schema


def _schema(execute, has_migrations: bool) -> dict[str, str]:
    """The latest applied migration of each app (by name: migrations are numbered)."""
    if not has_migrations:
        return {}
    rows = execute("SELECT app, name FROM django_migrations").fetchall()
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _pg_counts(cursor) -> tuple[dict[str, int], dict[str, str]]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [r[0] for r in cursor.fetchall()]
    counts = {}
    for t in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(t)}")  # noqa: S608
        counts[t] = cursor.fetchone()[0]

    class _Exec:
        def __init__(self, cur):
            self.cur = cur

        def __call__(self, sql):
            self.cur.execute(sql)
            return self.cur

    return counts, _schema(_Exec(cursor), "django_migrations" in counts)


def _pg_connect(db: dict):
    import psycopg

    kwargs = {"dbname": db["NAME"], "autocommit": True}
    for key, arg in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            kwargs[arg] = db[key]
    return psycopg.connect(**kwargs)


def database_contents(db: dict, *, alias: str | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """(row count per table, latest migration per app) of the database `db` (a DATABASES entry), read through
    Django's connection `alias` when given (it also reaches an in-memory SQLite database)."""
    if alias is not None:
        conn = connections[alias]
        conn.ensure_connection()
        if conn.vendor == "sqlite":
            return _sqlite_counts(conn.connection)
        with conn.cursor() as cur:
            return _pg_counts(cur)
    if _vendor(db) == "sqlite":
        path = str(db["NAME"])
        if not Path(path).exists():
            return {}, {}
        conn = sqlite3.connect(path)
        try:
            return _sqlite_counts(conn)
        finally:
            conn.close()
    with _pg_connect(db) as conn, conn.cursor() as cur:
        return _pg_counts(cur)


def holds_data(counts: dict[str, int]) -> bool:
    return any(n for t, n in counts.items() if t not in MIGRATE_FILLED_TABLES)


# ---------------------------------------------------------------------------------------------- backup
def _media_files(media_root: Path) -> Iterator[Path]:
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _dump_sqlite(work: Path) -> tuple[Path, dict[str, int], dict[str, str]]:
    target = work / "database.sqlite3"
    connection.ensure_connection()
    source: sqlite3.Connection = connection.connection  # Django's own: it also sees an in-memory test database
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        counts, schema = _sqlite_counts(dest)
    finally:
        dest.close()
    return target, counts, schema


def _dump_postgresql(work: Path, db: dict) -> tuple[Path, dict[str, int], dict[str, str]]:
    target = work / "database.pgdump"
    # Count and dump on one exported snapshot: the counts are those of the dump, whatever users write meanwhile.
    with _pg_connect(db) as conn:
        conn.autocommit = False
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts, schema = _pg_counts(cur)
            _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(target)],
                 _pg_env(db))
        conn.rollback()
    return target, counts, schema


def backup_create(*, output_dir: Path | None = None, media_root: Path | None = None,
                  database: str = "default") -> tuple[Path, dict[str, Any]]:
    """Write one archive with the database and the uploaded files; returns (path, manifest)."""
    db = connections[database].settings_dict
    vendor = _vendor(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output_dir = Path(output_dir or Path(settings.VAR_DIR) / "backups")
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="kehu-backup-", dir=output_dir) as tmp:
        work = Path(tmp)
        dump, counts, schema = _dump_sqlite(work) if vendor == "sqlite" else _dump_postgresql(work, db)
        files = {}
        for path in _media_files(media_root):
            rel = path.relative_to(media_root).as_posix()
            files[rel] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "file": dump.name, "sha256": _sha256(dump), "size": dump.stat().st_size},
            "schema": schema,
            "row_counts": counts,
            "media": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = output_dir / f".kehu-backup-{stamp}.tar.partial"
        with tarfile.open(partial, "w") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for rel in files:
                tar.add(media_root / rel, arcname=MEDIA_PREFIX + rel)
        final = output_dir / f"kehu-backup-{stamp}.tar"
        n = 1
        while final.exists():
            n += 1
            final = output_dir / f"kehu-backup-{stamp}-{n}.tar"
        partial.rename(final)  # an archive that exists under its name is complete
    return final, manifest


# ---------------------------------------------------------------------------------------------- restore
@contextmanager
def _unpacked(archive: Path) -> Iterator[tuple[Path, dict]]:
    """Extract into a temporary folder and verify every checksum; yields (folder, manifest)."""
    with tempfile.TemporaryDirectory(prefix="kehu-restore-") as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(archive, "r") as tar:
                tar.extractall(work, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive}: not a readable Kehu backup ({exc})") from exc
        try:
            manifest = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"{archive}: no valid {MANIFEST}") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{archive}: unknown format {manifest.get('format')!r}")
        db = manifest["database"]
        bad = [] if _sha256(work / db["file"]) == db["sha256"] else [db["file"]]
        for rel, meta in manifest["media"].items():
            path = work / MEDIA_PREFIX / rel
            if not path.is_file() or _sha256(path) != meta["sha256"]:
                bad.append(MEDIA_PREFIX + rel)
        if bad:
            raise BackupError(f"{archive}: checksum mismatch, archive damaged: {', '.join(bad[:10])}")
        yield work, manifest


def backup_verify(archive: Path) -> dict:
    """Check an archive's checksums without restoring it; returns its manifest."""
    with _unpacked(Path(archive)) as (_, manifest):
        return manifest


def _restore_sqlite(dump: Path, db: dict) -> None:
    target = Path(db["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)  # replaces the whole target database, page by page, in one step
    finally:
        dest.close()
        source.close()


def _restore_postgresql(dump: Path, db: dict) -> None:
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "-d", db["NAME"], str(dump)], _pg_env(db))


def backup_restore(archive: Path, *, force: bool = False, database: dict | None = None,
                   media_root: Path | None = None) -> RestoreReport:
    """Restore `archive` into `database` (a DATABASES entry; default: the configured one) and `media_root`.

    Refuses a database that already holds data, or a media folder that holds files, unless `force`."""
    archive = Path(archive)
    db = dict(database or connections["default"].settings_dict)
    vendor = _vendor(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with _unpacked(archive) as (work, manifest):
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(f"the archive holds a {manifest['database']['vendor']} database; the target is {vendor}")
        if not force:
            counts, _ = database_contents(db, alias="default" if database is None else None)
            if holds_data(counts):
                filled = sorted(t for t, n in counts.items() if n and t not in MIGRATE_FILLED_TABLES)
                raise BackupError(f"the target database {db['NAME']} already holds data ({', '.join(filled[:5])} …): "
                                  "restore into a new, empty database, or pass --force to replace it")
            if any(_media_files(media_root)):
                raise BackupError(f"the media folder {media_root} already holds files: use an empty folder, "
                                  "or pass --force to write over it")
        if database is None:
            connections.close_all()  # pg_restore --clean needs the tables unlocked; SQLite is replaced under us
        dump = work / manifest["database"]["file"]
        _restore_sqlite(dump, db) if vendor == "sqlite" else _restore_postgresql(dump, db)
        for rel in manifest["media"]:
            target = media_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / MEDIA_PREFIX / rel, target)
        counts, schema = database_contents(db)
    expected = manifest["row_counts"]
    mismatched = {t: (n, counts.get(t, -1)) for t, n in expected.items() if counts.get(t, -1) != n}
    return RestoreReport(archive=str(archive), vendor=vendor, tables=len(expected), rows=sum(expected.values()),
                         files=len(manifest["media"]), schema=schema, mismatched_counts=mismatched)
