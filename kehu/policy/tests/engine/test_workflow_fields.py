"""Approval-chain fields used by kehu.workflow: step time limits (a number, or an administrator-set value where the
regulation gives none) and the system role that acts for each body the regulation names."""

import textwrap

import pytest

from kehu.policy.engine import PackError, load_pack_text
from kehu.policy.engine.model import AdminValue

from .support import pack

BASE = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    org:
      roles:
        - {code: sales, name: 销售部, system_role: sales_reviewer}
        - {code: gm, name: 总经理}
    schemes:
      - code: stars
        name: 星级
        type: thresholds
        article: 第九条
        grades: [普通, 一星]
        metrics:
          - {code: tons, kind: sum_quantity, label: 月提货量, product_group: 聚烯烃, period: month, unit: 吨}
        criteria:
          - metric: tons
            thresholds:
              - {grade: 普通, max: 1000, max_inclusive: false, article: 第九条}
              - {grade: 一星, min: 1000, min_inclusive: true, article: 第九条}
    workflows:
      approval_chains:
        - code: admission
          name: 开户
          article: 第七条
          steps:
            - {role: sales, action: 审核, due_working_days: 2}
            - role: gm
              action: 审批
              due_working_days: {admin_set: demo.gm_days, purpose: 总经理审批时限, allowed_min: 1, allowed_max: 10}
    """
)


def line_of(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def issues_of(text):
    with pytest.raises(PackError) as raised:
        load_pack_text(text, "demo.yaml")
    return raised.value.issues


def test_a_step_time_limit_may_be_a_number_of_working_days():
    chain = load_pack_text(BASE, "demo.yaml").workflows.approval_chains["admission"]
    assert chain.steps[0].due_working_days == 2


def test_a_step_time_limit_the_regulation_leaves_open_is_an_administrator_value_citing_the_chain():
    loaded = load_pack_text(BASE, "demo.yaml")
    due = loaded.workflows.approval_chains["admission"].steps[1].due_working_days
    assert isinstance(due, AdminValue)
    assert (due.key, due.article, due.purpose, int(due.allowed_max)) == ("demo.gm_days", "第七条", "总经理审批时限", 10)
    assert [v.key for v in loaded.workflows.admin_values_needed()] == ["demo.gm_days"]


def test_a_step_time_limit_written_as_text_is_reported_on_its_line():
    text = BASE.replace("due_working_days: 2}", "due_working_days: 两天}")
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "两天")
    assert "due_working_days" in issue.message


def test_an_administrator_value_with_an_unknown_key_is_reported():
    text = BASE.replace("allowed_max: 10}", "allowed_max: 10, default: 3}")
    (issue,) = issues_of(text)
    assert "default" in issue.message


def test_a_role_may_name_the_system_role_that_acts_for_it():
    roles = load_pack_text(BASE, "demo.yaml").roles
    assert roles["sales"].system_role == "sales_reviewer"
    assert roles["gm"].system_role is None


def test_a_system_role_that_is_not_a_role_code_is_reported():
    text = BASE.replace("system_role: sales_reviewer", "system_role: 销售部审核")
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "销售部审核")
    assert "system_role" in issue.message


def test_hb_admission_leaves_every_step_time_limit_to_the_administrator():
    steps = pack("hb-chemicals").workflows.approval_chains["admission"].steps
    assert all(isinstance(s.due_working_days, AdminValue) for s in steps)
    assert {s.due_working_days.article for s in steps} == {"第七条"}


def test_hb_disqualification_is_verified_by_sales_and_approved_by_the_general_manager():
    chain = pack("hb-chemicals").workflows.approval_chains["disqualification"]
    assert [s.role for s in chain.steps] == ["sales_dept", "general_manager"]
    assert chain.citation.article == "第十七条"
    assert "未规定由谁决定" in chain.citation.note


def test_shaanxi_gift_needs_the_marketing_head():
    chain = pack("shaanxi-cement").workflows.approval_chains["gift"]
    assert [s.role for s in chain.steps] == ["marketing_head"]
    assert chain.citation.article == "第十四条"


def test_shandong_level_transfer_goes_from_unit_head_to_unit_head():
    loaded = pack("shandong-retail")
    chain = loaded.workflows.approval_chains["level_transfer"]
    assert chain.citation.article == "6.1.1"
    assert len(chain.steps) == 2
    assert {loaded.roles[s.role].system_role for s in chain.steps} == {"dept_manager"}
