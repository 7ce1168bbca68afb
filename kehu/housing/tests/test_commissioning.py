"""Projects and the control table (二、(3)), candidates and the group (四、六), the price approval (七) and the
release of units (八)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.housing import selectors as sel
from kehu.housing import services as hs
from kehu.housing.models import CommissionerStatus, NumberSequence, RequestStatus, UnitStatus
from kehu.housing.tests.conftest import TODAY, decide_all, submit_price, unit
from kehu.workflow.models import Notification

pytestmark = pytest.mark.django_db


def test_a_unit_sold_by_retail_cannot_be_released_or_sold_again(project, people):
    sold = hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "301"), buyer_name="赵六")
    assert sold.status == UnitStatus.RETAIL_SOLD
    with pytest.raises(hs.UnitTakenError, match="已由营销中心零售售出"):
        hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "301"), buyer_name="钱七")


def test_only_the_retail_centre_sells_retail(project, people):
    with pytest.raises(ForbiddenError):
        hs.retail_unit_sell(actor=people["housing_clerk"], unit=unit(project, "301"), buyer_name="赵六")


def test_project_gets_its_three_number_sequences(project):
    assert set(NumberSequence.objects.filter(project=project).values_list("kind", flat=True)) == {
        "ticket", "receipt", "voucher"}


def test_bad_units_are_all_reported_and_nothing_is_created(project, people):
    with pytest.raises(ValidationError) as exc:
        hs.building_create(actor=people["sysadmin"], project=project, code="2", floors=3, units=[
            hs.UnitInput("101", 1, "两室", Decimal("80")), hs.UnitInput("101", 1, "两室", Decimal("80")),
            hs.UnitInput("901", 9, "两室", Decimal("80")), hs.UnitInput("102", 1, "两室", Decimal("0"))])
    messages = exc.value.message_dict["units"]
    assert len(messages) == 3 and any("重复" in m for m in messages) and any("楼层 9" in m for m in messages)
    assert not project.buildings.filter(code="2").exists()


def test_the_group_is_formed_only_with_three_candidates(project, people, make_user):
    clerk = people["housing_clerk"]
    for i in range(2):
        hs.commissioner_register(actor=clerk, project=project, name=f"单位{i}", accepted_price=Decimal("9000"),
                                 payment_ratio_percent=Decimal("60"), owner_occupier_percent=Decimal("80"))
    member = make_user("staff", "company")
    with pytest.raises(ServiceError, match="至少须有3家委建意向单位（六），目前只有2家"):
        hs.negotiation_member_set(actor=clerk, project=project, position="leader", user=member)
    hs.commissioner_register(actor=clerk, project=project, name="单位2", accepted_price=Decimal("9000"),
                             payment_ratio_percent=Decimal("60"), owner_occupier_percent=Decimal("80"))
    assert hs.negotiation_member_set(actor=clerk, project=project, position="leader", user=member).pk


def test_ranking_follows_the_selection_principles_in_order(project, candidates):
    # 9800 / 70 / exchange beats 9800 / 70 / no exchange (principle 3 decides), both beat 9500 (principle 1).
    assert [c.name for c in sel.commissioner_ranking(project)] == ["市第一中学", "省立医院", "高新区管委会"]


def test_a_memo_is_signed_by_members_only_and_the_choice_needs_it_fully_signed(project, people, group, candidates):
    memo = hs.memo_write(actor=people["housing_clerk"], project=project, held_on=TODAY, subject="谈判",
                         content="内容")
    with pytest.raises(ForbiddenError):
        hs.memo_sign(actor=people["housing_clerk"], memo=memo)
    members = list(group.values())
    for member in members[:-1]:
        hs.memo_sign(actor=member.user, memo=memo)
    with pytest.raises(ServiceError, match="全体成员签字"):
        hs.commissioner_choose(actor=people["housing_clerk"], commissioning_unit=candidates[0], report="报告")
    hs.memo_sign(actor=members[-1].user, memo=memo)
    approval = hs.commissioner_choose(actor=people["housing_clerk"], commissioning_unit=candidates[0], report="报告")
    assert [s.role_code for s in approval.steps.order_by("order")] == ["general_manager", "chairman"]
    assert approval.article == "commissioned-housing 六"
    candidates[0].refresh_from_db()
    assert candidates[0].status == CommissionerStatus.PROPOSED
    decide_all(approval, people)
    candidates[0].refresh_from_db()
    assert candidates[0].status == CommissionerStatus.SELECTED


def test_a_rejected_choice_returns_the_unit_to_the_candidates(people, candidates, signed_memo):
    approval = hs.commissioner_choose(actor=people["housing_clerk"], commissioning_unit=candidates[0], report="报告")
    decide_all(approval, people, decision="reject")
    candidates[0].refresh_from_db()
    assert candidates[0].status == CommissionerStatus.CANDIDATE


def test_payment_ratio_under_fifty_percent_is_refused_and_nothing_saved(people, chosen):
    with pytest.raises(ValidationError) as exc:
        submit_price(people, chosen, ratio=Decimal("49.99"))
    assert "不应低于50%（七、(一)5" in exc.value.message_dict["payment_ratio_percent"][0]
    assert not hasattr(chosen, "price_approval") or chosen.price_approval is None


def test_exactly_fifty_percent_is_accepted_and_runs_the_five_step_chain(people, chosen):
    pa = submit_price(people, chosen, ratio=Decimal("50"))
    assert pa.status == RequestStatus.PENDING
    assert [s.role_code for s in pa.approval.steps.order_by("order")] == [
        "marketing_director", "finance_director", "project_gm", "general_manager", "chairman"]
    decide_all(pa.approval, people)
    pa.refresh_from_db()
    assert pa.status == RequestStatus.APPROVED


def test_one_price_approval_per_commissioning_unit(people, chosen):
    submit_price(people, chosen)
    with pytest.raises(ValidationError, match="只审批一次价格"):
        submit_price(people, chosen)


def test_a_returned_price_is_corrected_and_resubmitted(people, chosen):
    pa = submit_price(people, chosen)
    step = pa.approval.steps.get(status="pending")
    from kehu.workflow.services import approval_step_decide

    approval_step_decide(actor=people["marketing_director"], step=step, decision="return", comment="高区价格偏低")
    pa.refresh_from_db()
    assert pa.status == RequestStatus.REJECTED
    pa = submit_price(people, chosen, ratio=Decimal("65"))
    assert pa.status == RequestStatus.PENDING and pa.approval.round == 2 and pa.payment_ratio_percent == 65


def test_future_resource_exchange_concession_is_capped_at_seventy_percent(people, chosen):
    with pytest.raises(ValidationError, match="不超过评估值的70%"):
        submit_price(people, chosen, exchange_future=True, exchange_assessed_value=Decimal("1000000"),
                     exchange_concession=Decimal("700000.01"))
    assert submit_price(people, chosen, exchange_future=True, exchange_assessed_value=Decimal("1000000"),
                        exchange_concession=Decimal("700000")).pk


def test_no_price_is_shown_to_the_units_staff_before_approval(project, people, chosen):
    pa = submit_price(people, chosen)
    staff, clerk = people["commissioner_staff"], people["housing_clerk"]

    def price_of(actor):
        cells = [c for g in sel.control_table(actor=actor, project=project) for _, row in g.floors for c in row]
        return next(c for c in cells if c.unit.number == "501")

    assert price_of(staff).price is None and price_of(staff).price_hidden
    assert sel.price_approval_view(actor=staff, cu=chosen)["visible"] is False
    assert sel.price_approval_view(actor=staff, cu=chosen)["lines"] == []
    assert price_of(clerk).price == Decimal("10000")  # the department preparing it sees it
    assert sel.price_approval_view(actor=clerk, cu=chosen)["show_cost"] is False  # cost: approvers only
    decide_all(pa.approval, people)
    assert price_of(staff).price == Decimal("10000") and not price_of(staff).price_hidden


def test_units_are_released_only_after_the_financing_target(project, people, chosen):
    pa = submit_price(people, chosen)
    decide_all(pa.approval, people)
    units = [unit(project, "101"), unit(project, "102")]
    with pytest.raises(ValidationError, match="尚未下达2026年度的融资指标"):
        hs.release_submit(actor=people["housing_clerk"], commissioning_unit=chosen, units=units, reason="低区",
                          today=TODAY)
    hs.financing_target_issue(actor=people["finance_director"], project=project, year=2026,
                              amount=Decimal("30000000"), issued_on=date(2026, 9, 1))
    release = hs.release_submit(actor=people["housing_clerk"], commissioning_unit=chosen, units=units,
                                reason="低区", today=TODAY)
    assert [s.role_code for s in release.approval.steps.order_by("order")] == [
        "marketing_director", "finance_director", "project_gm", "general_manager"]
    assert unit(project, "101").status == UnitStatus.PENDING_RELEASE
    with pytest.raises(hs.UnitTakenError, match="正在房源审批中"):
        hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "101"), buyer_name="赵六")
    decide_all(release.approval, people)
    assert unit(project, "101").status == UnitStatus.RELEASED
    assert unit(project, "101").commissioning_unit == chosen
    assert Notification.objects.filter(user=people["retail_sales"], kind="housing_release").exists()  # 备案


def test_a_rejected_release_returns_units_to_retail(project, people, chosen):
    hs.financing_target_issue(actor=people["finance_director"], project=project, year=2026,
                              amount=Decimal("30000000"), issued_on=date(2026, 9, 1))
    release = hs.release_submit(actor=people["housing_clerk"], commissioning_unit=chosen,
                                units=[unit(project, "101")], reason="低区", today=TODAY)
    decide_all(release.approval, people, decision="reject")
    assert unit(project, "101").status == UnitStatus.AVAILABLE
    assert hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "101"), buyer_name="赵六")


def test_a_unit_sold_by_retail_cannot_be_submitted_for_release(project, people, chosen):
    hs.financing_target_issue(actor=people["finance_director"], project=project, year=2026,
                              amount=Decimal("30000000"), issued_on=date(2026, 9, 1))
    hs.retail_unit_sell(actor=people["retail_sales"], unit=unit(project, "102"), buyer_name="赵六")
    with pytest.raises(hs.UnitTakenError, match="102"):
        hs.release_submit(actor=people["housing_clerk"], commissioning_unit=chosen,
                          units=[unit(project, "101"), unit(project, "102")], reason="低区", today=TODAY)
    assert unit(project, "101").status == UnitStatus.AVAILABLE  # nothing was held
