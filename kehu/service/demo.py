"""Demo data for customer service: complaints in every state (due today, overdue, waiting on the customer,
awaiting the follow-up call, closed after follow-up calls, reopened, escalated to a GM meeting, an extension
waiting for approval), a visit plan with reports and overdue visits, a symposium and a planned gathering, a
satisfaction survey with answers (one through the customer's one-time link).

Everything goes through the services, times are relative to `today`, the result is deterministic, and running it
again adds nothing (each item is looked up by what makes it unique before it is created)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction

from kehu.customers.models import Customer, CustomerStatus
from kehu.org.models import OrgUnit, User
from kehu.workdays.calendar import SHANGHAI, CalendarYearMissing, add_working_days

AM_USERNAMES = ("jingli1", "jingli2", "jingli3")


@dataclass
class ServiceDemo:
    complaints: int = 0
    visit_items: int = 0
    visit_reports: int = 0
    events: int = 0
    survey_responses: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return self.complaints + self.visit_items + self.visit_reports + self.events + self.survey_responses


def _working_day_before(today: date, n: int) -> date:
    """The nth working day before today (a plain weekday count when the calendar lacks the year)."""
    try:
        return add_working_days(today, -n)
    except CalendarYearMissing:
        d = today
        while n > 0:
            d -= timedelta(days=1)
            if d.weekday() < 5:
                n -= 1
        return d


def _at(d: date, hh: int, mm: int) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=SHANGHAI)


def _people() -> dict[str, User]:
    from kehu.core.demo import demo_org_load

    company = demo_org_load()
    return company.users


def _customers(owner: User, count: int) -> list[Customer]:
    return list(Customer.objects.filter(owner=owner, status=CustomerStatus.ACTIVE).order_by("pk")[:count])


def _ensure_customers(users: dict[str, User], per_owner: int = 8) -> None:
    """The demo command loads customers first; standing alone, add enough for every 客户经理 (one bulk load)."""
    from django.db.models import Count, Q

    from kehu.core.demo import demo_customers_load

    for _ in range(5):  # some demo customers are suspended or dormant: top up until each owner has enough
        have = Customer.objects.aggregate(**{u: Count("pk", filter=Q(owner=users[u], status=CustomerStatus.ACTIVE))
                                             for u in AM_USERNAMES})
        short = max(per_owner - n for n in have.values())
        if short <= 0:
            return
        demo_customers_load(count=(short + 2) * len(AM_USERNAMES))


# ============================================================================================ complaints
@dataclass(frozen=True)
class _Case:
    key: str
    customer: int  # index into the owner's customers
    owner: str
    complaint_type: str
    severity: str
    channel: str
    received: tuple[int, int, int]  # working days before today, hour, minute
    description: str
    contact: str = ""


CASES = (
    _Case("due_today_general", 0, "jingli1", "quality", "general", "phone", (1, 17, 40),
          "客户反映 9 月 18 日提货的 PP 拉丝料 T30S（批号 2509-118）熔指偏高，拉丝断头增多，要求技术人员到场。",
          "张经理"),
    _Case("due_today_major", 1, "jingli1", "delivery", "major", "phone", (3, 16, 20),
          "约定 3 日内发运的 200 吨 HDPE 膜料延误 2 天，客户生产线停机半天，要求说明原因并赔偿损失。", "李总"),
    _Case("overdue_general", 2, "jingli1", "billing", "general", "email", (4, 10, 15),
          "客户称 10 月结算单中有 2 车提货重复计价，要求核对并开具红字发票。", "财务王会计"),
    _Case("overdue_major", 0, "jingli2", "quantity", "major", "onsite", (6, 9, 30),
          "客户自提 35.2 吨，地磅复称 34.6 吨，短少 0.6 吨，超出合同约定的磅差。", "仓库刘主管"),
    _Case("waiting", 1, "jingli2", "quality", "major", "letter", (2, 11, 0),
          "LLDPE 7042 薄膜晶点偏多，客户书面投诉，需要客户寄回留样以便检测。", "质量部赵工"),
    _Case("closed", 3, "jingli1", "delivery", "general", "phone", (15, 9, 10),
          "提货车辆在库区排队超过 4 小时，客户要求改进装车安排。", "调度孙师傅"),
    _Case("reopened_closed", 4, "jingli1", "quality", "major", "visit", (20, 14, 0),
          "聚丙烯包装袋破损率偏高（约 3%），产品受潮结块。", "采购部周经理"),
    _Case("awaiting_follow_up", 2, "jingli2", "service", "general", "phone", (2, 9, 0),
          "客户反映客户经理电话多次未接，报价回复不及时。", "钱总"),
    _Case("escalated", 0, "jingli3", "quality", "serious", "letter", (10, 10, 0),
          "连续三批 PE 管材料灰分超标，客户管材爆管，涉及下游工程质量，客户要求全额退货并索赔。", "董事长陈总"),
    _Case("extension_pending", 5, "jingli1", "quality", "major", "phone", (1, 10, 30),
          "客户质疑 HDPE 5000S 拉伸强度不达标，需送第三方检测机构复检。", "技术部吴工"),
)


def _load_complaints(today: date, users: dict[str, User], result: ServiceDemo) -> None:
    from kehu.service import services
    from kehu.service.models import Complaint

    qc_unit = OrgUnit.objects.filter(code="HB-QC").first()
    sales_unit = OrgUnit.objects.filter(code="HB-SALES").first()
    qc, gm, boss = users.get("zhijian"), users.get("zongjingli"), users.get("xiaoshou")
    customers = {u: _customers(users[u], 8) for u in AM_USERNAMES}

    def wd(n: int, hh: int, mm: int) -> datetime:
        return _at(_working_day_before(today, n), hh, mm)

    for case in CASES:
        actor = users[case.owner]
        customer = customers[case.owner][case.customer]
        if Complaint.objects.filter(customer=customer, description=case.description).exists():
            continue
        n, hh, mm = case.received
        c = services.complaint_register(
            actor=actor, customer_id=customer.pk, complaint_type=case.complaint_type, description=case.description,
            severity=case.severity, channel=case.channel, received_at=wd(n, hh, mm), contact_name=case.contact,
            department_id=sales_unit.pk if sales_unit else None, pack="hb-chemicals")
        result.complaints += 1
        pk = c.pk
        if case.key == "due_today_major" and qc_unit:
            services.complaint_assign(actor=actor, complaint_id=pk, department_id=qc_unit.pk,
                                      assignee_id=qc.pk if qc else None, note="请质检部核实发运记录与延误原因")
        elif case.key == "overdue_major" and qc_unit:
            services.complaint_assign(actor=actor, complaint_id=pk, department_id=qc_unit.pk,
                                      assignee_id=qc.pk if qc else None, note="请质检部复核地磅记录")
            services.complaint_investigate(actor=actor, complaint_id=pk, onsite_at=wd(5, 14, 0),
                                           onsite_check="已调取出库过磅单，出库 35.2 吨无误，待核对客户地磅检定证书。")
        elif case.key == "waiting":
            services.complaint_pause(actor=actor, complaint_id=pk, at=wd(1, 15, 0),
                                     reason="等待客户寄回留样（约定 3 日内寄到）")
        elif case.key == "closed":
            services.complaint_resolve(actor=actor, complaint_id=pk, responsibility="ours", at=wd(15, 16, 30),
                                       solution="库区增开一个装车口，提前一天预约提货时段。")
            services.complaint_follow_up(actor=actor, complaint_id=pk, satisfaction="satisfied",
                                         called_at=wd(13, 10, 0), contact_name=case.contact,
                                         comments="预约后排队时间缩短到 1 小时以内。")
        elif case.key == "reopened_closed":
            services.complaint_investigate(actor=actor, complaint_id=pk, onsite_at=wd(19, 10, 0),
                                           responsibility="ours",
                                           onsite_check="现场抽查 50 袋，破损 2 袋；包装袋供应商批次强度不足。")
            services.complaint_resolve(actor=actor, complaint_id=pk, responsibility="ours", at=wd(18, 17, 0),
                                       solution="更换破损袋并补发 1 吨。")
            services.complaint_follow_up(actor=actor, complaint_id=pk, satisfaction="unsatisfied",
                                         called_at=wd(17, 10, 0), contact_name=case.contact,
                                         comments="只补了货，没有说明以后如何避免。")
            services.complaint_resolve(actor=actor, complaint_id=pk, responsibility="ours", at=wd(16, 15, 0),
                                       solution="更换包装袋供应商，出厂前增加跌落抽检，书面说明改进措施。",
                                       written_reply="关于包装袋破损问题的改进说明（已盖章寄出）")
            services.complaint_follow_up(actor=actor, complaint_id=pk, satisfaction="very_satisfied",
                                         called_at=wd(14, 11, 0), contact_name=case.contact,
                                         comments="新包装到货未再发现破损。")
        elif case.key == "awaiting_follow_up":
            services.complaint_resolve(actor=actor, complaint_id=pk, responsibility="not_ours", at=wd(2, 16, 0),
                                       solution="客户经理当时在外培训，已说明情况并指定 B 角。",
                                       written_reply="已书面告知客户客户经理 A/B 角安排。")
        elif case.key == "escalated":
            services.complaint_escalate(actor=actor, complaint_id=pk, reason="连续三批质量问题，涉及下游工程安全")
            if gm is not None:
                services.complaint_meeting_record(
                    actor=gm, complaint_id=pk, held_at=wd(9, 15, 0), chaired_by="赵总（总经理）",
                    attendees="销售部、质检部、生产技术部、财务部",
                    minutes="经复检，三批产品灰分确实超标；原因为原料切换期间过渡料未隔离。",
                    decisions="全额退货，承担检测费用；过渡料单独标识；质检部增加出厂灰分检验频次。")
            services.complaint_resolve(actor=actor, complaint_id=pk, responsibility="ours", at=wd(8, 17, 0),
                                       solution="按专题会议决定全额退货，承担检测费用。",
                                       written_reply="关于 PE 管材料质量问题的处理决定")
            services.complaint_follow_up(actor=actor, complaint_id=pk, satisfaction="basic",
                                         called_at=wd(5, 10, 0), contact_name=case.contact,
                                         comments="对处理结果基本满意，希望后续批次附检验报告。")
        elif case.key == "extension_pending" and boss is not None:
            services.complaint_extension_request(actor=actor, complaint_id=pk, days=7,
                                                 reason="需送第三方检测机构复检，检测周期约 5 个工作日")


# ============================================================================================ visits
REPORT_TEXTS = (
    {"product_info": "T30S 质量稳定，希望保持批次一致。", "market_info": "当地编织袋行业开工率约七成。",
     "service_quality": "提货预约顺畅。", "needs": "希望旺季保证供应量。",
     "follow_up_actions": "下月起按周提报需求计划。"},
    {"product_info": "膜料晶点较上季度减少。", "market_info": "竞争对手降价 100 元/吨。",
     "service_quality": "客户经理响应及时。", "needs": "希望给予季度返利。",
     "follow_up_actions": "报销售部研究价格政策。"},
    {"product_info": "管材料灰分合格。", "market_info": "市政管网项目增加。",
     "service_quality": "开票速度需提高。", "needs": "希望月结开票提前到 3 日前。",
     "follow_up_actions": "与财务部协调开票时间。"},
)


def _load_visits(today: date, users: dict[str, User], result: ServiceDemo) -> None:
    from kehu.service import services
    from kehu.service.models import VisitKind, VisitPlan, VisitPlanItem, VisitReport

    owner = users["jingli1"]
    customers = _customers(owner, 8)
    services.visit_plan_generate(actor=owner, owner_id=owner.pk, year=today.year, pack="hb-chemicals")
    plan = VisitPlan.objects.get(owner=owner, year=today.year)
    past = [m for m in (today.month - 3, today.month - 2, today.month - 1) if m >= 1]
    for i, customer in enumerate(customers[:6]):
        if not past:
            break
        month = past[i % len(past)]
        item = VisitPlanItem.objects.filter(plan=plan, customer=customer, month=month).first()
        if item is None:
            item = services.visit_plan_item_add(actor=owner, plan_id=plan.pk, customer_id=customer.pk, month=month)
            result.visit_items += 1
        if i % 3 == 2 or item.report_id:  # every third one stays undone: an overdue visit
            continue
        visited = min(date(today.year, month, 12), today)
        if VisitReport.objects.filter(customer=customer, visitor=owner, visited_on=visited).exists():
            continue
        services.visit_report_create(actor=owner, customer_id=customer.pk, visited_on=visited, kind=VisitKind.ONSITE,
                                     contact_name="采购部负责人", plan_item_id=item.pk, **REPORT_TEXTS[i % 3])
        result.visit_reports += 1
    # A phone follow-up (001 第十七条) this week.
    called = _working_day_before(today, 1)
    if called.year == today.year and not VisitReport.objects.filter(customer=customers[6], visitor=owner,
                                                                    kind=VisitKind.PHONE).exists():
        services.visit_report_create(actor=owner, customer_id=customers[6].pk, visited_on=called,
                                     kind=VisitKind.PHONE, contact_name="财务经理",
                                     service_quality="对发货及时性满意。", needs="希望提供电子对账单。",
                                     follow_up_actions="请财务部每月 5 日前发送电子对账单。")
        result.visit_reports += 1


# ============================================================================================ events
def _load_events(today: date, users: dict[str, User], result: ServiceDemo) -> None:
    from kehu.service import services
    from kehu.service.models import CustomerEvent

    organiser = users["yingxiao"]
    invitees = [c.pk for u in AM_USERNAMES for c in _customers(users[u], 4)]
    title = f"{today.year}年度客户座谈会"
    if not CustomerEvent.objects.filter(title=title).exists():
        event = services.event_create(actor=organiser, kind="symposium", title=title,
                                      planned_on=today - timedelta(days=20), location="公司三楼会议室",
                                      agenda="一、公司产品与产能介绍；二、客户意见与建议；三、下年度合作计划")
        services.event_invite(actor=organiser, event_id=event.pk, customer_ids=invitees)
        services.event_record(actor=organiser, event_id=event.pk, attended_ids=invitees[:9],
                              minutes="到会客户 9 家。客户集中反映：旺季供应紧张、希望增加散装发运、开票时间提前。",
                              follow_up_actions="销售部牵头制定旺季保供方案；财务部调整开票时间。")
        result.events += 1
    title = f"{today.year + 1}年初客户联谊恳谈会"
    if not CustomerEvent.objects.filter(title=title).exists():
        event = services.event_create(actor=organiser, kind="gathering", title=title,
                                      planned_on=today + timedelta(days=45), location="济南舜耕山庄",
                                      agenda="答谢重点客户，通报下年度销售政策")
        services.event_invite(actor=organiser, event_id=event.pk, customer_ids=invitees[:6])
        result.events += 1


# ============================================================================================ surveys
SCALE_QUESTIONS = ("产品质量", "交货及时性", "价格合理性", "客户经理服务态度", "投诉处理效率")


def _load_survey(today: date, users: dict[str, User], result: ServiceDemo) -> None:
    from kehu.service import services
    from kehu.service.models import Questionnaire, SurveyInvitation, SurveyResponse, SurveyRound

    head = users["yingxiao"]
    title = "客户满意度调查表"
    questionnaire = Questionnaire.objects.filter(title=title).first()
    if questionnaire is None:
        questionnaire = services.questionnaire_create(
            actor=head, title=title, intro="感谢贵公司一年来的支持。请按 1（很不满意）至 5（非常满意）评分。")
        for text in SCALE_QUESTIONS:
            services.question_add(actor=head, questionnaire_id=questionnaire.pk, kind="scale", text=f"{text}满意度",
                                  scale_min=1, scale_max=5)
        services.question_add(actor=head, questionnaire_id=questionnaire.pk, kind="choice",
                              text="明年与我公司的合作意向", choices=["增加采购", "保持现状", "减少采购"])
        services.question_add(actor=head, questionnaire_id=questionnaire.pk, kind="text", text="意见和建议",
                              required=False)
    name = f"{today.year}年度客户满意度调查"
    rnd = SurveyRound.objects.filter(name=name).first()
    customers = [c for u in AM_USERNAMES for c in _customers(users[u], 4)]
    if rnd is None:
        rnd = services.survey_round_create(actor=head, questionnaire_id=questionnaire.pk, name=name,
                                           year=today.year, target="list", customer_ids=[c.pk for c in customers])
    answered = set(SurveyResponse.objects.filter(round=rnd).values_list("customer_id", flat=True))
    questions = list(questionnaire.questions.all())
    rng = random.Random(2026)  # noqa: S311 - demo answers, not secrets
    comments = ["希望旺季保证供应。", "开票能否提前到每月 3 日前。", "", "客户经理服务很好。", "", "希望增加散装发运。",
                "价格调整请提前一周通知。"]
    for i, customer in enumerate(customers[:8]):
        answers = {}
        for q in questions:
            if q.kind == "scale":
                answers[f"q{q.pk}"] = str(rng.choice((3, 4, 4, 5, 5)))
            elif q.kind == "choice":
                answers[f"q{q.pk}"] = q.choices[rng.choice((0, 1, 1, 2))]
            else:
                answers[f"q{q.pk}"] = comments[i % len(comments)]
        if customer.pk in answered:
            continue
        if i == 7:  # answered by the customer through the one-time link
            token = SurveyInvitation.objects.get(round=rnd, customer=customer).token
            services.survey_response_by_token(token=token, answers=answers, respondent="采购部 刘女士")
        else:
            services.survey_response_enter(actor=head, round_id=rnd.pk, customer_id=customer.pk, answers=answers,
                                           respondent="电话回访录入")
        result.survey_responses += 1


@transaction.atomic
def service_demo_load(*, today: date) -> ServiceDemo:
    """Load the service demo for the demo company (kehu.core.demo); a second run adds nothing."""
    users = _people()
    missing = [u for u in (*AM_USERNAMES, "yingxiao") if u not in users]
    result = ServiceDemo()
    if missing:
        result.skipped.append(f"演示用户缺失：{', '.join(missing)}")
        return result
    _ensure_customers(users)
    _load_complaints(today, users, result)
    _load_visits(today, users, result)
    _load_events(today, users, result)
    _load_survey(today, users, result)
    return result
