"""Validation names the file, the line and the problem, collects every problem, and never half-loads."""

import textwrap

import pytest

from kehu.policy.engine import PackError, load_pack, load_pack_text

VALID = textwrap.dedent(
    """\
    pack: demo
    title: 示例办法
    company: 示例公司
    source_seed: demo.txt
    org:
      roles:
        - {code: sales, name: 销售部}
    schemes:
      - code: stars
        name: 星级
        type: thresholds
        article: 第九条
        grades: [普通, 一星, 二星]
        metrics:
          - {code: tons, kind: sum_quantity, label: 月提货量, product_group: 聚烯烃, period: month, unit: 吨}
        criteria:
          - metric: tons
            thresholds:
              - {grade: 普通, max: 1000, max_inclusive: false, article: 第九条}
              - {grade: 一星, min: 1000, min_inclusive: true, max: 2000, max_inclusive: false, article: 第九条}
              - {grade: 二星, min: 2000, min_inclusive: true, article: 第九条}
    benefits:
      - scheme: stars
        grade: 二星
        lead_time_days: {value: 20, article: 第十条}
    workflows:
      approval_chains:
        - code: admission
          name: 开户
          article: 第七条
          steps:
            - {role: sales, action: 审核}
    """
)


def issues_of(text, filename="demo.yaml"):
    with pytest.raises(PackError) as raised:
        load_pack_text(text, filename)
    return raised.value.issues


def line_of(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_valid_pack_loads():
    pack = load_pack_text(VALID, "demo.yaml")
    assert pack.scheme("stars").grade_codes() == ("普通", "一星", "二星")


def test_unknown_grade_in_threshold_names_file_and_line():
    text = VALID.replace("{grade: 二星, min: 2000", "{grade: 三星, min: 2000")
    (issue,) = issues_of(text)
    assert (issue.file, issue.line) == ("demo.yaml", line_of(text, "grade: 三星"))
    assert "未知的等级 '三星'" in issue.message


def test_gap_between_thresholds_is_reported_on_the_upper_threshold_line():
    text = VALID.replace("{grade: 一星, min: 1000,", "{grade: 一星, min: 1100,")
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "min: 1100")
    assert "空缺" in issue.message


def test_overlap_between_thresholds_is_reported():
    text = VALID.replace("{grade: 一星, min: 1000,", "{grade: 一星, min: 900,")
    (issue,) = issues_of(text)
    assert "重叠" in issue.message


def test_boundary_included_by_both_sides_is_an_overlap():
    text = VALID.replace("max: 1000, max_inclusive: false", "max: 1000, max_inclusive: true")
    (issue,) = issues_of(text)
    assert "重叠" in issue.message and "1000" in issue.message


def test_boundary_excluded_by_both_sides_is_a_gap():
    text = VALID.replace("min: 1000, min_inclusive: true", "min: 1000, min_inclusive: false")
    (issue,) = issues_of(text)
    assert "空缺" in issue.message


def test_bound_without_stated_inclusivity_is_rejected():
    text = VALID.replace("max: 1000, max_inclusive: false, ", "max: 1000, ")
    assert any("max_inclusive" in issue.message for issue in issues_of(text))


def test_benefit_naming_a_grade_that_does_not_exist():
    text = VALID.replace("    grade: 二星\n    lead_time_days", "    grade: 五星\n    lead_time_days")
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "grade: 五星")
    assert "没有等级 '五星'" in issue.message


def test_missing_article_citation():
    text = VALID.replace(
        "{grade: 一星, min: 1000, min_inclusive: true, max: 2000, max_inclusive: false, article: 第九条}",
        "{grade: 一星, min: 1000, min_inclusive: true, max: 2000, max_inclusive: false}",
    )
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "grade: 一星")
    assert "缺少条文引用 article" in issue.message


def test_unknown_rule_type():
    text = VALID.replace("type: thresholds", "type: kehu.rules.Thresholds")
    issues = issues_of(text)
    assert any(i.line == line_of(text, "type: kehu") and "未知的规则类型" in i.message for i in issues)


def test_unknown_metric_kind():
    text = VALID.replace("kind: sum_quantity", "kind: average_quantity")
    issues = issues_of(text)
    assert any(i.line == line_of(text, "average_quantity") and "未知的指标类型" in i.message for i in issues)


def test_unknown_role_in_approval_chain():
    text = VALID.replace("{role: sales, action: 审核}", "{role: finance, action: 审核}")
    (issue,) = issues_of(text)
    assert issue.line == line_of(text, "role: finance")


def test_unknown_key_is_reported_so_typos_do_not_pass_silently():
    text = VALID.replace("    grade: 二星\n", "    grade: 二星\n    lead_time: 20\n")
    (issue,) = issues_of(text)
    assert "未知的键 'lead_time'" in issue.message


def test_all_problems_are_collected_in_one_error():
    text = (
        VALID.replace("{grade: 二星, min: 2000", "{grade: 三星, min: 2000")
        .replace("kind: sum_quantity", "kind: average_quantity")
        .replace("{role: sales, action: 审核}", "{role: finance, action: 审核}")
    )
    assert len(issues_of(text)) >= 3


def test_error_message_lists_file_and_line_of_each_issue():
    text = VALID.replace("{grade: 二星, min: 2000", "{grade: 三星, min: 2000")
    with pytest.raises(PackError) as raised:
        load_pack_text(text, "demo.yaml")
    assert f"demo.yaml:{line_of(text, 'grade: 三星')}:" in str(raised.value)


def test_yaml_syntax_error_names_the_line():
    text = VALID.replace("title: 示例办法", "title: [示例办法")
    (issue,) = issues_of(text)
    assert issue.file == "demo.yaml" and "YAML 语法错误" in issue.message


def test_pack_name_must_match_the_file_name():
    (issue,) = issues_of(VALID, "other.yaml")
    assert issue.line == 1 and "文件名" in issue.message


def test_bad_pack_never_half_loads(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(VALID.replace("kind: sum_quantity", "kind: nope"), encoding="utf-8")
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert all(issue.file == str(path) for issue in raised.value.issues)


def test_duplicate_key_is_reported():
    text = VALID.replace("company: 示例公司\n", "company: 示例公司\ncompany: 另一公司\n")
    (issue,) = issues_of(text)
    assert "重复" in issue.message and issue.line == 4


def test_admin_set_bounds_must_share_one_key_between_neighbours():
    text = VALID.replace("max: 1000, max_inclusive: false", "max: {admin_set: a}, max_inclusive: false").replace(
        "min: 1000, min_inclusive: true", "min: {admin_set: b}, min_inclusive: true"
    )
    (issue,) = issues_of(text)
    assert "同一个管理员数值" in issue.message


def test_forced_distribution_shares_must_add_up_to_100():
    text = textwrap.dedent(
        """\
        pack: demo
        title: t
        company: c
        source_seed: s
        schemes:
          - code: abcd
            name: 分级
            type: forced_distribution
            article: 一、2
            grades: [D, C, B, A]
            metrics: [{code: score, kind: manual, label: 积分}]
            distribution:
              rank_metric: score
              article: 一、2
              bands:
                - {grade: A, share_percent: 20}
                - {grade: B, share_percent: 30}
                - {grade: C, share_percent: 40}
                - {grade: D, share_percent: 5}
              tie_break:
                - {field: score, order: desc}
                - {field: customer_id, order: asc}
        """
    )
    (issue,) = issues_of(text)
    assert "合计应为 100%" in issue.message and issue.line == line_of(text, "bands:")


def test_metric_over_several_product_groups_loads():
    text = VALID.replace("product_group: 聚烯烃,", "product_groups: [袋装水泥, 散装水泥],")
    metric = load_pack_text(text, "demo.yaml").scheme("stars").metric("tons")
    assert metric.product_groups == ("袋装水泥", "散装水泥")


def test_product_group_and_product_groups_together_are_rejected_on_the_line():
    text = VALID.replace("product_group: 聚烯烃,", "product_group: 聚烯烃, product_groups: [袋装水泥],")
    (issue,) = issues_of(text)
    assert (issue.file, issue.line) == ("demo.yaml", line_of(text, "product_groups"))
    assert "只能写一个" in issue.message


def test_empty_product_groups_list_is_rejected():
    text = VALID.replace("product_group: 聚烯烃,", "product_groups: [],")
    issues = issues_of(text)
    assert any(i.line == line_of(text, "product_groups") and "至少需要一个产品组" in i.message for i in issues)


def test_repeated_product_group_in_list_is_rejected():
    text = VALID.replace("product_group: 聚烯烃,", "product_groups: [袋装水泥, 袋装水泥],")
    (issue,) = issues_of(text)
    assert "重复" in issue.message and issue.line == line_of(text, "product_groups")
