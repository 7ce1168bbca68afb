"""./kehuctl backup / restore: one archive with the database and the uploaded files, restored into a fresh
database (SQLite and PostgreSQL) with the same rows, the same records and the same files."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from kehu.core import backup
from kehu.core.backup import BackupError, backup_create, backup_restore
from kehu.customers.models import Attachment, Contact, Customer, Qualification
from kehu.customers.services import attachment_add, contact_save, customer_update, qualification_save

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only

PDF = b"%PDF-1.4\n% scan of a business licence\n" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00attachment" * 50


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def archive_data(media, am_user, customer_factory):
    customer = customer_factory(owner=am_user, name="济南鲁兴塑料制品有限公司")
    customer_update(actor=am_user, customer=customer, expected_version=1, address="济南市历下区", reason="地址")
    contact_save(actor=am_user, customer=customer, name="张伟", mobile="13912345678")
    qual = qualification_save(actor=am_user, customer=customer, licence_type="business_licence", number="BL-001",
                              expires_on=date(2027, 6, 30), file=SimpleUploadedFile("licence.pdf", PDF))
    att = attachment_add(actor=am_user, customer=customer, title="合同扫描件", file=SimpleUploadedFile("c.png", PNG))
    for _ in range(5):
        customer_factory(owner=am_user)
    return customer, qual, att


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database of the same kind as the test database; dropped afterwards (PostgreSQL)."""
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        db["NAME"] = str(tmp_path / "restored.sqlite3")
        yield db
        return
    import psycopg

    db["NAME"] = f"{connection.settings_dict['NAME']}_restore"
    admin = backup._pg_connect({**db, "NAME": "postgres"})
    admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
    admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    try:
        yield db
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        admin.close()
    assert psycopg  # the PostgreSQL driver is what the restore talks to


def _query(db: dict, sql: str, params=()) -> list[tuple]:
    if connection.vendor == "sqlite":
        conn = sqlite3.connect(db["NAME"])
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()
    with backup._pg_connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_records_and_files(
        archive_data, fresh_database, tmp_path):
    customer, qual, att = archive_data
    path, manifest = backup_create(output_dir=tmp_path / "backups")

    # the manifest: schema version per app, row counts, checksums of the database and of every file
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["schema"]["customers"] >= "0001" and manifest["schema"]["audit"] == "0001_initial"
    assert manifest["row_counts"]["customers_customer"] == 6
    assert manifest["row_counts"]["customers_historicalcustomer"] == Customer.history.count()
    assert set(manifest["media"]) == {qual.file.name, att.file.name}
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json" and f"media/{qual.file.name}" in names

    restored_media = tmp_path / "restored-media"
    report = backup_restore(path, database=fresh_database, media_root=restored_media)

    assert report.ok and report.rows == sum(manifest["row_counts"].values()) and report.files == 2
    assert report.schema == manifest["schema"]
    customer.refresh_from_db()
    assert _query(fresh_database, "SELECT code, name, address, version FROM customers_customer WHERE id = %s",
                  [customer.pk]) == [(customer.code, customer.name, "济南市历下区", customer.version)]
    assert _query(fresh_database, "SELECT mobile FROM customers_contact WHERE customer_id = %s",
                  [customer.pk]) == [("13912345678",)]
    assert _query(fresh_database, "SELECT history_change_reason FROM customers_historicalcustomer "
                  "WHERE id = %s AND history_type = '~' ORDER BY history_id", [customer.pk])[0] == ("地址",)
    assert _query(fresh_database, "SELECT file FROM customers_qualification WHERE id = %s", [qual.pk]) == [
        (qual.file.name,)]
    assert (restored_media / qual.file.name).read_bytes() == PDF
    assert (restored_media / att.file.name).read_bytes() == PNG


def test_a_restore_over_a_database_or_media_folder_that_holds_data_is_refused_unless_forced(
        archive_data, fresh_database, tmp_path):
    path, _ = backup_create(output_dir=tmp_path)
    used_media = tmp_path / "used-media"
    used_media.mkdir()
    (used_media / "somebody-elses.pdf").write_bytes(b"%PDF")
    with pytest.raises(BackupError, match="media folder"):
        backup_restore(path, database=fresh_database, media_root=used_media)
    assert not backup.holds_data(backup.database_contents(fresh_database)[0])  # nothing was restored

    assert backup_restore(path, database=fresh_database, media_root=tmp_path / "m1").ok
    with pytest.raises(BackupError, match="already holds data"):
        backup_restore(path, database=fresh_database, media_root=tmp_path / "m2")
    assert backup_restore(path, database=fresh_database, media_root=tmp_path / "m1", force=True).ok


def test_a_damaged_archive_is_refused_before_anything_is_touched(archive_data, fresh_database, tmp_path):
    path, _ = backup_create(output_dir=tmp_path)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(path) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("media/"):
                data = data[:-1] + b"!"
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="checksum mismatch"):
        backup_restore(damaged, database=fresh_database, media_root=tmp_path / "m")
    assert not backup.holds_data(backup.database_contents(fresh_database)[0])
    assert not (tmp_path / "m").exists()


def test_the_commands_back_up_verify_and_refuse_to_restore_over_live_data(archive_data, tmp_path, capsys):
    call_command("kehu_backup", "--output", str(tmp_path))
    (archive,) = tmp_path.glob("kehu-backup-*.tar")
    call_command("kehu_backup", "--verify", str(archive))
    assert "OK" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already holds data"):
        call_command("kehu_restore", str(archive))
    assert Customer.objects.count() == 6 and Contact.objects.count() == 1
    assert Qualification.objects.count() == 1 and Attachment.objects.count() == 1
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert Path(manifest["database"]["file"]).suffix in (".sqlite3", ".pgdump")
