"""Upgrading from the previous release (v0.2, commit f6b1d83): a database made by that schema, with the demo
company and some edits and reads in it, migrates to the current schema — whatever apps and migrations the code has
now — and its data reads the same through the current models. The fixture is made by bench/upgrade/make_fixture.sh;
nothing here needs git."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from kehu.core import backup

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade" / "v0.2"
ROOT = Path(__file__).resolve().parents[3]


def _run_check(database_url: str, var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KEHU_TEST_DB_NAME")}
    env.update(DATABASE_URL=database_url, KEHU_VAR_DIR=str(var_dir), KEHU_LOG_LEVEL="ERROR")
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("upgrade_check.py"))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _assert_upgraded(result: dict, expected: dict) -> None:
    # the migration ran all the way: nothing pending, every app of today's code in the migration table
    assert result["pending_migrations"] == []
    apps_now = {app for app, _ in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    assert apps_now <= set(result["applied_apps"])
    assert set(expected["migrations"]) < apps_now  # this round's new apps were not in v0.2
    # the old data, read through the current models, is what the old schema held
    for key in ("counts", "customers", "pickup_base_quantity", "approvals", "customer_history_rows"):
        assert result[key] == expected[key], key
    assert result["counts"]["customers_customer"] == 40 and result["counts"]["sales_pickup"] > 500
    assert "升级前的修改" in result["timeline_reasons"] and "更换手机号" in result["timeline_reasons"]
    assert "13900001111" in result["edited_contact_mobiles"]
    assert result["manager_sees"] > 0


def test_a_v02_sqlite_database_migrates_to_the_current_schema_and_reads_the_same(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite upgrade runs with the SQLite suite")
    db = tmp_path / "kehu-v0.2.sqlite3"
    with gzip.open(FIXTURES / "kehu-v0.2.sqlite3.gz") as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    result = _run_check(f"sqlite:///{db}", tmp_path / "var")
    _assert_upgraded(result, json.loads((FIXTURES / "expected-sqlite.json").read_text()))


@pytest.mark.django_db
def test_a_v02_postgresql_database_migrates_to_the_current_schema_and_reads_the_same(on_postgres, tmp_path):
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_upgrade"
    target = {**settings_dict, "NAME": name}
    admin = backup._pg_connect({**settings_dict, "NAME": "postgres"})
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with gzip.open(FIXTURES / "kehu-v0.2.pg.sql.gz") as src:
            proc = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-X", "-d", name], input=src.read(),
                                  env=backup._pg_env(target), capture_output=True, check=False)
        assert proc.returncode == 0, proc.stderr.decode()[-4000:]
        user = f"{settings_dict['USER']}{':' + settings_dict['PASSWORD'] if settings_dict.get('PASSWORD') else ''}"
        url = f"postgres://{user}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{name}"
        result = _run_check(url, tmp_path / "var")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    _assert_upgraded(result, json.loads((FIXTURES / "expected-postgresql.json").read_text()))
