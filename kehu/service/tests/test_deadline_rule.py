"""The issue's "whole days" rule — the same clock time on the Nth working day after receipt — from kehu.workdays,
never the end-of-day rule of kehu.policy.engine.deadlines.due_at (民法典第二百零一条: end of the last day)."""

import re
from pathlib import Path

from kehu.service import services
from kehu.service.pack import service_rules
from kehu.service.tests.conftest import sh

SERVICE_DIR = Path(__file__).resolve().parents[1]


def test_both_packs_count_complaint_deadlines_in_whole_days():
    assert {s.counting for s in service_rules("hb-chemicals").deadlines.values()} == {"whole_days"}
    assert {s.counting for s in service_rules("shaanxi-cement").deadlines.values()} == {"whole_days"}


def test_a_cement_complaint_after_closing_time_is_due_at_the_same_clock_time_not_at_closing(am_user, customer):
    # 001 has company hours (08:30–17:30) but counts whole days: 17:59 stays 17:59, not 17:30 or 23:59:59.
    c = services.complaint_register(actor=am_user, customer_id=customer.pk, complaint_type="damp_caking",
                                    description="水泥受潮结块", received_at=sh(2025, 9, 30, 17, 59),
                                    pack="shaanxi-cement")
    assert c.due_at == sh(2025, 10, 11, 17, 59)  # 10-09, 10-10, 10-11 (the make-up Saturday)


def test_no_code_path_in_the_service_app_uses_the_engines_end_of_day_rule():
    pattern = re.compile(r"policy\.engine\.deadlines|from kehu\.policy\.engine(\.\w+)? import [^\n]*\bdue_at\b")
    offenders = [str(p.relative_to(SERVICE_DIR)) for p in SERVICE_DIR.rglob("*.py")
                 if "tests" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
