"""Archive access (001 第九条): requested with a reason, approved by the owning department's head, expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kehu.core.errors import ForbiddenError, ScopeError, ServiceError
from kehu.customers.selectors import customer_get_for_actor, customer_queryset_for_actor
from kehu.workflow.models import AccessGrant, Decision
from kehu.workflow.services import access_grants_expire, access_request_submit, approval_step_decide


@pytest.fixture
def outsider(make_user):
    return make_user("qc", "marketing", display_name="周工")


def _approve(request, user):
    step = request.approval.steps.get(order=1)
    approval_step_decide(actor=user, step=step, decision=Decision.APPROVE, comment="同意查阅")


def test_outsider_cannot_read_before_approval(outsider, active_customer, marketing_head):
    access_request_submit(actor=outsider, customer=active_customer, reason="核对质量投诉记录", days=3)
    with pytest.raises(ScopeError):
        customer_get_for_actor(actor=outsider, pk=active_customer.pk)


def test_approval_by_the_marketing_head_grants_read_access(outsider, active_customer, marketing_head):
    req = access_request_submit(actor=outsider, customer=active_customer, reason="核对质量投诉记录", days=3)
    _approve(req, marketing_head)
    assert customer_get_for_actor(actor=outsider, pk=active_customer.pk) == active_customer
    assert list(customer_queryset_for_actor(outsider)) == [active_customer]


def test_the_owning_units_head_may_approve(outsider, active_customer, make_user, org):
    head = make_user("dept_manager", "team1", display_name="一组组长")
    org["team1"].head = head
    org["team1"].save()
    req = access_request_submit(actor=outsider, customer=active_customer, reason="核对合同", days=1)
    assert req.approval.steps.get().assignee == head
    _approve(req, head)
    assert AccessGrant.objects.filter(user=outsider, customer=active_customer).exists()


def test_someone_else_cannot_approve(outsider, active_customer, marketing_head, finance_reviewer):
    req = access_request_submit(actor=outsider, customer=active_customer, reason="核对质量投诉记录", days=3)
    with pytest.raises(ForbiddenError):
        _approve(req, finance_reviewer)


def test_the_grant_expires_by_itself(outsider, active_customer, marketing_head, monkeypatch):
    req = access_request_submit(actor=outsider, customer=active_customer, reason="核对质量投诉记录", days=2)
    _approve(req, marketing_head)
    later = timezone.now() + timedelta(days=2, minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    with pytest.raises(ScopeError):
        customer_get_for_actor(actor=outsider, pk=active_customer.pk)
    assert access_grants_expire() == 1
    assert access_grants_expire() == 0  # idempotent


def test_a_customer_in_my_own_scope_needs_no_request(am_user, active_customer, marketing_head):
    with pytest.raises(ServiceError, match="无需申请"):
        access_request_submit(actor=am_user, customer=active_customer, reason="查看合同条款", days=1)


def test_the_reason_is_required(outsider, active_customer, marketing_head):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        access_request_submit(actor=outsider, customer=active_customer, reason="", days=40)
    assert set(exc.value.message_dict) == {"reason", "days"}


def test_visibility_adds_one_subquery_not_a_query_per_customer(outsider, customer_factory, am_user,
                                                               django_assert_num_queries):
    for i in range(5):
        customer_factory(owner=am_user, name=f"客户{i}")
    fresh = type(outsider).objects.get(pk=outsider.pk)
    list(customer_queryset_for_actor(fresh))  # warm the scope cache
    with django_assert_num_queries(1):
        list(customer_queryset_for_actor(fresh))
