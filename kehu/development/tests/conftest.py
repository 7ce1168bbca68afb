"""A retail network under 002 (city → counties → stations) governed by shandong-retail, with its people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.customers.models import CustomerStatus, LicenceType
from kehu.customers.tests.factories import InvoicingProfileFactory, QualificationFactory
from kehu.development.models import UnitRegulation


@pytest.fixture
def sd(db, org):
    """济南 (所属单位) → 历下区 (2 stations), 市中区 (1 station); the city follows shandong-retail."""
    from kehu.org.services import org_unit_create

    city = org_unit_create(code="JN", name="济南分公司", kind="city", parent=org["company"])
    lixia = org_unit_create(code="JN-LX", name="历下区", kind="county", parent=city)
    shizhong = org_unit_create(code="JN-SZ", name="市中区", kind="county", parent=city)
    s1 = org_unit_create(code="JN-LX-1", name="历下第一加油站", kind="station", parent=lixia)
    s2 = org_unit_create(code="JN-LX-2", name="历下第二加油站", kind="station", parent=lixia)
    s3 = org_unit_create(code="JN-SZ-1", name="市中第一加油站", kind="station", parent=shizhong)
    UnitRegulation.objects.create(unit=city, pack_name="shandong-retail")
    return {"city": city, "lixia": lixia, "shizhong": shizhong, "s1": s1, "s2": s2, "s3": s3}


@pytest.fixture
def retail_head(make_user, sd):
    """济南分公司零售管理部门 head (部门经理: the city's subtree)."""
    return make_user("dept_manager", sd["city"], username="lingshou", display_name="济南零售部")


@pytest.fixture
def station_manager(make_user, sd, retail_head):
    return make_user("account_manager", sd["s1"], username="zhan1", display_name="历下一站经理", manager=retail_head)


@pytest.fixture
def station_manager2(make_user, sd, retail_head):
    return make_user("account_manager", sd["s2"], username="zhan2", display_name="历下二站经理", manager=retail_head)


@pytest.fixture
def jiaguan(make_user, org):
    return make_user("station_mgmt", "company", username="jiaguan", display_name="加管处")


SURVEY = {
    "name": "济南市历下区交通运输局", "category": "government", "kind": "institutional", "area": "历下区解放路街道",
    "address": "济南市历下区解放路1号", "contact_name": "张科长", "contact_title": "办公室主任",
    "contact_phone": "0531-86001234", "decision_maker": "李局长", "decision_maker_notes": "重视服务与发票",
    "fuel_type": "both", "gasoline_month_t": Decimal("3.5"), "diesel_month_t": Decimal("22"),
    "demand_cycle": "每月初集中加油", "current_supplier": "中石化解放路加油站", "retention_means": "月结、积分",
}


@pytest.fixture
def survey_fields():
    return dict(SURVEY)


@pytest.fixture
def admitted(reviewers_for_admission):
    """admitted(application) walks an admission application through 销售部 → 财务部 → 总经理."""
    from kehu.workflow.models import StepStatus
    from kehu.workflow.services import approval_step_decide

    def _walk(application):
        application.refresh_from_db()
        approval = application.approval
        for reviewer in reviewers_for_admission:
            step = approval.steps.get(status=StepStatus.PENDING)
            approval_step_decide(actor=reviewer, step=step, decision="approve", comment="同意")
        approval.refresh_from_db()
        assert approval.status == "approved"
        return approval

    return _walk


@pytest.fixture
def reviewers_for_admission(make_user):
    return [make_user("sales_reviewer", "sales", username="xs"), make_user("finance_reviewer", "finance",
                                                                           username="cw"),
            make_user("general_manager", "company", username="gm")]


@pytest.fixture
def complete_materials():
    """complete_materials(customer): the business licence and invoicing data 000 第七条 asks for."""

    def _add(customer):
        QualificationFactory(customer=customer, licence_type=LicenceType.BUSINESS_LICENCE,
                             expires_on=timezone.localdate() + timedelta(days=800))
        InvoicingProfileFactory(customer=customer)
        return customer

    return _add


@pytest.fixture
def approved_admission(customer_factory):
    """approved_admission(unit=, kind=, applicant=, finished_at=): an admitted customer recorded as the workflow
    app records one (an approved 客户开户审批表), for reading completion figures."""
    from django.contrib.contenttypes.models import ContentType

    from kehu.workflow.models import AdmissionApplication, Approval

    def _make(*, unit, kind="enterprise", applicant, finished_at=None):
        customer = customer_factory(owner=applicant, unit=unit, kind=kind, status=CustomerStatus.ACTIVE,
                                    uscc=None)
        application = AdmissionApplication.objects.create(customer=customer, customer_type="direct",
                                                          created_by=applicant)
        approval = Approval.objects.create(
            content_type=ContentType.objects.get_for_model(AdmissionApplication), object_id=application.pk,
            kind="admission", title="开户", customer=customer, status="approved", submitted_by=applicant,
            submitted_at=finished_at or timezone.now(), finished_at=finished_at or timezone.now())
        application.approval = approval
        application.save(update_fields=["approval"])
        return customer

    return _make
