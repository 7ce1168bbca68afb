import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import Workbook, load_workbook

from kehu.sales.exporters import PICKUP_COLUMNS, csv_stream, xlsx_file
from kehu.sales.importers import import_pickups
from kehu.sales.models import Pickup
from kehu.sales.tests.conftest import HEADER, row


def test_xlsx_file_is_imported_with_excel_dates_and_numbers(catalogue, customers, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["C001", "客户", "PE-LLDP", 12.5, "吨", 100000.5, date(2024, 3, 15), "JN-01", "X1"])
    ws.append(["C001", "客户", "GAS-92", 1000, "L", 7950, "2024-03-16", None, 20240001])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    result = import_pickups(path)
    assert result.ok, result.errors
    got = {p.source_ref: p for p in Pickup.objects.all()}
    assert got["X1"].quantity == Decimal("12.5") and got["X1"].amount == Decimal("100000.50")
    assert got["20240001"].base_quantity == Decimal("0.725")


def test_xlsx_errors_carry_the_excel_row_number(catalogue, customers, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["C001", "", "PE-LLDP", 1, "t", 1, date(2024, 3, 15), "", "X1"])
    ws.append(["C001", "", "PE-LLDP", -1, "t", 1, date(2024, 3, 15), "", "X2"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    result = import_pickups(path)
    assert [(e.line, e.column, e.reason) for e in result.errors] == [(3, "数量", "数量不能为负数")]


def _load_some(catalogue, customers, write_csv):
    path = write_csv([row("R1"), row("R2", product="GAS-92", qty="1000", unit="L", amount="7950.5", wh="")])
    assert import_pickups(path).ok
    return {p.source_ref: (p.customer_id, p.product_id, p.quantity, p.unit, p.amount, p.picked_on, p.warehouse_id)
            for p in Pickup.objects.all()}


def test_a_csv_export_imports_back_to_the_same_rows(catalogue, customers, write_csv, tmp_path):
    before = _load_some(catalogue, customers, write_csv)
    text = "".join(csv_stream(Pickup.objects.select_related("customer", "product", "product_group", "warehouse"),
                              PICKUP_COLUMNS))
    Pickup.objects.all().delete()
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    result = import_pickups(path)
    assert result.ok, result.errors
    after = {p.source_ref: (p.customer_id, p.product_id, p.quantity, p.unit, p.amount, p.picked_on, p.warehouse_id)
             for p in Pickup.objects.all()}
    assert after == before


def test_an_xlsx_export_imports_back_to_the_same_rows(catalogue, customers, write_csv, tmp_path):
    before = _load_some(catalogue, customers, write_csv)
    out = xlsx_file(Pickup.objects.select_related("customer", "product", "product_group", "warehouse"),
                    PICKUP_COLUMNS)
    path = tmp_path / "export.xlsx"
    path.write_bytes(out.read())
    assert load_workbook(path, read_only=True).worksheets[0]["A1"].value == "客户编码"
    Pickup.objects.all().delete()
    result = import_pickups(path)
    assert result.ok, result.errors
    after = {p.source_ref: (p.customer_id, p.product_id, p.quantity, p.unit, p.amount, p.picked_on, p.warehouse_id)
             for p in Pickup.objects.all()}
    assert after == before


def test_the_template_imports_cleanly_once_its_codes_exist(catalogue, customer_factory, am_user, tmp_path):
    from kehu.sales.exporters import template_xlsx
    from kehu.sales.models import Warehouse

    customer_factory(code="KH00000001", owner=am_user)
    customer_factory(code="KH00000002", owner=am_user)
    Warehouse.objects.create(code="ST-0012", name="单县站")
    path = tmp_path / "t.xlsx"
    path.write_bytes(template_xlsx().read())
    result = import_pickups(path)
    assert result.ok, result.errors
    assert result.inserted == 2


@pytest.mark.django_db(transaction=True)
def test_killing_the_import_midway_leaves_no_rows(on_postgres, catalogue, customers, tmp_path):
    """The import runs in a subprocess against the test database; it is killed while loading."""
    path = tmp_path / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(200_000):
            w.writerow(["C001", "客户", "PE-LLDP", "1.5", "吨", "100.00", "2024-03-15", "JN-01", f"K{i:08d}"])
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    progress = tmp_path / "progress.json"
    env = {**os.environ, "DATABASE_URL": url, "KEHU_TESTING": "1"}
    env.pop("KEHU_TEST_DB_NAME", None)
    proc = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "kehu_import", "pickups", str(path),
         "--progress-file", str(progress)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.exists() and '"read"' in progress.read_text() and '"percent": 0' not in progress.read_text():
            killed_at = progress.read_text()
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert killed_at is not None, proc.stderr.read().decode()[-2000:]
    time.sleep(0.5)  # the server notices the dead client and rolls back
    assert Pickup.objects.count() == 0
    # and a new import of the same file afterwards works from scratch
    assert import_pickups(path).inserted == 200_000




def test_a_reference_inserted_by_a_concurrent_import_is_skipped_not_an_error(on_postgres, catalogue, customers,
                                                                              write_csv, monkeypatch):
    """The fast path filters loaded references with an anti-join; a reference that another import commits in
    between makes the plain INSERT hit the unique key, and the importer redoes it with ON CONFLICT DO NOTHING."""
    from kehu.sales import importers

    assert import_pickups(write_csv([row("R1")], name="first.csv")).inserted == 1
    real = importers._insert_sql

    def blind_anti_join(*, skip_existing):  # as if R1 had been committed after the anti-join looked
        return real(skip_existing=skip_existing).replace("AND x.source_ref = s.source_ref", "AND false")

    monkeypatch.setattr(importers, "_insert_sql", blind_anti_join)
    result = import_pickups(write_csv([row("R1"), row("R2")], name="second.csv"))
    assert result.ok and result.inserted == 1 and result.skipped == 1
    assert sorted(Pickup.objects.values_list("source_ref", flat=True)) == ["R1", "R2"]
