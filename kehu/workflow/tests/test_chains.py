"""Approval chains come from the policy packs: roles mapped to system roles by the pack, step time limits the
regulation leaves open set by the administrator, chains found in the other packs the company applies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kehu.policy.models import AdminValue, PackActivation
from kehu.workflow.chains import chain_for


@pytest.fixture
def hb(settings):
    settings.KEHU_DEFAULT_PACK = "hb-chemicals"


def test_admission_comes_from_the_hb_pack_with_its_system_roles(db, hb):
    chain = chain_for("admission")
    assert (chain.pack_name, chain.article) == ("hb-chemicals", "hb-chemicals 第七条")
    assert [s.role for s in chain.steps] == ["sales_reviewer", "finance_reviewer", "general_manager"]


def test_admission_steps_have_no_due_date_until_the_administrator_sets_one(db, hb):
    chain = chain_for("admission")
    assert [s.due_working_days for s in chain.steps] == [None, None, None]
    assert chain.steps[0].due_admin_key == "hb.admission_sales_review_days"


def test_an_administrator_set_time_limit_becomes_the_steps_working_days(db, hb):
    AdminValue.objects.create(pack_name="hb-chemicals", key="hb.admission_finance_review_days", value=Decimal(3))
    chain = chain_for("admission")
    assert [s.due_working_days for s in chain.steps] == [None, 3, None]


def test_disqualification_comes_from_the_hb_pack_article_17(db, hb):
    chain = chain_for("disqualification")
    assert (chain.pack_name, chain.article) == ("hb-chemicals", "hb-chemicals 第十七条")
    assert [s.role for s in chain.steps] == ["sales_reviewer", "general_manager"]


def test_gift_comes_from_the_shaanxi_pack_when_the_company_applies_it(db, hb):
    PackActivation.objects.create(pack_name="hb-chemicals")
    PackActivation.objects.create(pack_name="shaanxi-cement")
    chain = chain_for("gift")
    assert (chain.pack_name, chain.article) == ("shaanxi-cement", "shaanxi-cement 第十四条")
    assert [s.role for s in chain.steps] == ["marketing_head"]


def test_gift_falls_back_to_the_built_in_chain_when_no_applied_pack_names_it(db, hb):
    chain = chain_for("gift")
    assert (chain.pack_name, chain.article) == ("builtin", "001 第十四条")


def test_level_transfer_comes_from_the_shandong_pack_via_the_unit_heads(db):
    chain = chain_for("level_transfer", pack_name="shandong-retail")
    assert chain.article == "shandong-retail 6.1.1"
    assert [s.role for s in chain.steps] == ["dept_manager", "dept_manager"]
    assert [s.due_working_days for s in chain.steps] == [None, None]


def test_archive_access_maps_the_shaanxi_marketing_head(db):
    chain = chain_for("archive_access", pack_name="shaanxi-cement")
    assert [s.role for s in chain.steps] == ["marketing_head"]


def test_every_role_in_a_chain_the_approvals_use_names_a_standard_system_role():
    from kehu.org.roles import all_role_specs
    from kehu.policy.tests.engine.support import SHIPPED_PACKS, pack
    from kehu.workflow.models import ApprovalKind

    standard = {r.code for r in all_role_specs()}
    kinds = {*ApprovalKind.values, "archive_read_by_outsider", "management_level_transfer"}
    for name in SHIPPED_PACKS:
        loaded = pack(name)
        for code, chain in loaded.workflows.approval_chains.items():
            if code in kinds:
                for step in chain.steps:
                    assert loaded.roles[step.role].system_role in standard, (name, code, step.role)
