from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ServiceError
from kehu.service import services
from kehu.service.grades import register_grade_provider, unregister_grade_provider
from kehu.service.models import GiftStatus


@pytest.fixture
def marketing_head(make_user):
    return make_user("marketing_head", "marketing", username="mkt", display_name="营销部负责人")


def test_gathering_invites_by_grade_and_records_attendance(marketing_head, customer_factory, am_user):
    a, b = customer_factory(owner=am_user), customer_factory(owner=am_user)

    def provider(ids, year):
        return {a.pk: ["abcd:A"], b.pk: ["abcd:C"]}

    register_grade_provider(provider)
    try:
        event = services.event_create(actor=marketing_head, kind="gathering", title="年初客户联谊恳谈会",
                                      planned_on=timezone.localdate() - timedelta(days=1))
        assert services.event_invite(actor=marketing_head, event_id=event.pk, grades=["abcd:A"]) == 1
    finally:
        unregister_grade_provider(provider)
    services.event_invite(actor=marketing_head, event_id=event.pk, customer_ids=[b.pk])
    event = services.event_record(actor=marketing_head, event_id=event.pk, attended_ids=[a.pk],
                                  minutes="客户建议增加散装供应", follow_up_actions="物流部评估")
    assert event.status == "held"
    assert list(event.invitees.filter(attended=True).values_list("customer_id", flat=True)) == [a.pk]


def test_event_in_the_future_cannot_be_recorded_as_held(marketing_head):
    event = services.event_create(actor=marketing_head, kind="symposium", title="座谈会",
                                  planned_on=timezone.localdate() + timedelta(days=10))
    with pytest.raises(Exception, match="尚未到"):
        services.event_record(actor=marketing_head, event_id=event.pk, attended_ids=[], minutes="x")


def test_gift_goes_through_the_approval_chain_to_the_marketing_head(am_user, marketing_head, customer):
    from kehu.workflow.models import Approval
    from kehu.workflow.services import approval_step_decide

    gift = services.gift_request_submit(actor=am_user, customer_id=customer.pk, item="中秋礼盒", quantity=2,
                                        amount=Decimal("600.00"), reason="重点工程客户")
    assert gift.status == GiftStatus.PENDING
    approval = Approval.objects.get(pk=int(gift.approval_ref))
    step = approval.steps.get(status="pending")
    with pytest.raises(ForbiddenError):
        approval_step_decide(actor=am_user, step=step, decision="approve")
    approval_step_decide(actor=marketing_head, step=step, decision="approve", comment="同意")
    gift.refresh_from_db()
    assert gift.status == GiftStatus.APPROVED and gift.decided_by == marketing_head
    with pytest.raises(ServiceError):
        services.gift_request_decide(actor=marketing_head, gift_id=gift.pk, approve=False)
