"""Satisfaction surveys (000 第十四条: yearly; 001 第十三条二: the top 20 customers by yearly purchase, 附件1)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.permissions import require_perm
from kehu.customers.models import Customer, CustomerStatus
from kehu.org.models import User
from kehu.service.models import (
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    RoundTarget,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from kehu.service.services.common import archive


@transaction.atomic
def questionnaire_create(*, actor: User, title: str, intro: str = "") -> Questionnaire:
    require_perm(actor, "service.manage_survey", "您没有管理满意度调查的权限。")
    if not (title or "").strip():
        raise ValidationError({"title": "请填写问卷名称。"})
    return Questionnaire.objects.create(title=title.strip(), intro=(intro or "").strip(), created_by=actor)


@transaction.atomic
def question_add(*, actor: User, questionnaire_id: int, kind: str, text: str, scale_min: int | None = 1,
                 scale_max: int | None = 5, choices: list[str] | None = None, required: bool = True) -> Question:
    require_perm(actor, "service.manage_survey", "您没有管理满意度调查的权限。")
    q = Questionnaire.objects.filter(pk=questionnaire_id).first()
    if q is None:
        raise ScopeError("问卷不存在。")
    if q.rounds.filter(responses__isnull=False).exists():
        raise ServiceError("问卷已有答卷，不能再修改题目。", code="state")
    errors = {}
    if kind not in QuestionKind.values:
        errors["kind"] = ["请选择题型。"]
    if not (text or "").strip():
        errors["text"] = ["请填写题目。"]
    choices = [c.strip() for c in (choices or []) if c and c.strip()]
    if kind == QuestionKind.SCALE and (scale_min is None or scale_max is None or scale_min >= scale_max
                                       or scale_max - scale_min > 10):
        errors["scale_max"] = ["量表的最高分须大于最低分，且跨度不超过 10。"]
    if kind == QuestionKind.CHOICE and len(choices) < 2:
        errors["choices"] = ["单项选择题至少需要两个选项。"]
    if errors:
        raise ValidationError(errors)
    order = q.questions.count() + 1
    return Question.objects.create(questionnaire=q, order=order, kind=kind, text=text.strip(),
                                   scale_min=scale_min or 1, scale_max=scale_max or 5,
                                   choices=choices if kind == QuestionKind.CHOICE else [], required=required)


def _top_customers(year: int, n: int) -> list[int]:
    """The top n customers by purchase amount in `year` (kehu.sales pickup totals, one GROUP BY query)."""
    from kehu.sales.selectors import pickup_totals

    totals = pickup_totals(date(year, 1, 1), date(year, 12, 31), unit="元")
    return [cid for cid, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


@transaction.atomic
def survey_round_create(*, actor: User, questionnaire_id: int, name: str, year: int, target: str = RoundTarget.ALL,
                        top_n: int = 20, customer_ids: list[int] | None = None) -> SurveyRound:
    require_perm(actor, "service.manage_survey", "您没有管理满意度调查的权限。")
    q = Questionnaire.objects.filter(pk=questionnaire_id).first()
    if q is None:
        raise ValidationError({"questionnaire": "请选择问卷。"})
    if not q.questions.exists():
        raise ValidationError({"questionnaire": "问卷还没有题目。"})
    if not (name or "").strip():
        raise ValidationError({"name": "请填写调查名称。"})
    if target not in RoundTarget.values:
        raise ValidationError({"target": "请选择调查对象。"})
    if target == RoundTarget.ALL:
        ids = list(Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("pk", flat=True))
        note = "全部正常客户（000 第十四条）"
    elif target == RoundTarget.TOP:
        if not top_n or top_n < 1:
            raise ValidationError({"top_n": "请填写前N名的N。"})
        ids = _top_customers(year, top_n)
        note = f"{year}年购货金额前{top_n}名（001 第十三条二）"
    else:
        ids = list(Customer.objects.filter(pk__in=customer_ids or []).values_list("pk", flat=True))
        note = "指定客户名单"
    if not ids:
        raise ValidationError({"target": "没有符合条件的调查对象（例如该年度尚无购货记录）。"})
    rnd = SurveyRound.objects.create(questionnaire=q, name=name.strip(), year=year, target=target, top_n=top_n or 20,
                                     target_note=note, created_by=actor)
    SurveyInvitation.objects.bulk_create([SurveyInvitation(round=rnd, customer_id=cid) for cid in ids],
                                         batch_size=2000)
    return rnd


def _validate_answers(questions: list[Question], answers: dict) -> list[Answer]:
    errors: dict[str, list[str]] = {}
    rows = []
    for q in questions:
        key = f"q{q.pk}"
        raw = answers.get(key, answers.get(q.pk, answers.get(str(q.pk))))
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            if q.required:
                errors[key] = [f"第{q.order}题为必答题。"]
            continue
        if q.kind == QuestionKind.SCALE:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                errors[key] = [f"第{q.order}题请填写 {q.scale_min}–{q.scale_max} 的整数分值。"]
                continue
            if not q.scale_min <= value <= q.scale_max:
                errors[key] = [f"第{q.order}题的分值 {value} 超出量表范围 {q.scale_min}–{q.scale_max}。"]
                continue
            rows.append(Answer(question=q, scale_value=value))
        elif q.kind == QuestionKind.CHOICE:
            if raw not in q.choices:
                errors[key] = [f"第{q.order}题的选项“{raw}”不在可选范围内。"]
                continue
            rows.append(Answer(question=q, choice=raw))
        else:
            rows.append(Answer(question=q, text=str(raw)[:4000]))
    if errors:
        raise ValidationError(errors)
    return rows


def _save_response(rnd: SurveyRound, customer: Customer, answers: dict, *, actor=None, respondent: str = "",
                   via_link: bool = False) -> SurveyResponse:
    if rnd.closed:
        raise ServiceError("该调查已结束。", code="closed")
    rows = _validate_answers(list(rnd.questionnaire.questions.all()), answers)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(round=rnd, customer=customer, entered_by=actor,
                                                     respondent=(respondent or "")[:40], via_link=via_link)
    except IntegrityError as exc:
        raise ServiceError("该客户已提交过本次调查的答卷。", code="duplicate") from exc
    for a in rows:
        a.response = response
    Answer.objects.bulk_create(rows)
    archive(customer, actor, "survey.answered", f"满意度调查：{rnd.name}" + ("（客户在线填写）" if via_link else ""),
            survey_round_id=rnd.pk)
    return response


@transaction.atomic
def survey_response_enter(*, actor: User, round_id: int, customer_id: int, answers: dict,
                          respondent: str = "") -> SurveyResponse:
    """Staff enter answers collected by phone, e-mail, fax or face to face (000 第十四条)."""
    require_perm(actor, "service.add_surveyresponse", "您没有录入调查答卷的权限。")
    from kehu.service.selectors import visible_customers

    rnd = SurveyRound.objects.filter(pk=round_id).select_related("questionnaire").first()
    if rnd is None:
        raise ScopeError("调查不存在。")
    customer = visible_customers(actor).filter(pk=customer_id).first()
    if customer is None or not rnd.invitations.filter(customer=customer).exists():
        raise ValidationError({"customer": "该客户不在本次调查对象中，或不在您的管理范围内。"})
    response = _save_response(rnd, customer, answers, actor=actor, respondent=respondent)
    rnd.invitations.filter(customer=customer, used_at__isnull=True).update(used_at=timezone.now())
    return response


@transaction.atomic
def survey_response_by_token(*, token: str, answers: dict, respondent: str = "") -> SurveyResponse:
    """The customer answers through a one-time link: no login, usable once."""
    inv = (SurveyInvitation.objects.select_for_update().filter(token=token)
           .select_related("round", "round__questionnaire", "customer").first())
    if inv is None:
        raise ScopeError("链接无效。")
    if inv.used_at is not None:
        raise ServiceError("该链接已使用过，感谢您的参与。", code="used")
    response = _save_response(inv.round, inv.customer, answers, respondent=respondent, via_link=True)
    inv.used_at = timezone.now()
    inv.save(update_fields=["used_at"])
    return response


@transaction.atomic
def survey_round_close(*, actor: User, round_id: int) -> SurveyRound:
    require_perm(actor, "service.manage_survey", "您没有管理满意度调查的权限。")
    rnd = SurveyRound.objects.select_for_update().filter(pk=round_id).first()
    if rnd is None:
        raise ScopeError("调查不存在。")
    rnd.closed = True
    rnd.save(update_fields=["closed"])
    return rnd
