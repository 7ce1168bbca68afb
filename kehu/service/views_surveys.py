"""Satisfaction survey pages: builder, rounds, staff entry, one-time link, report and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.errors import ScopeError, ServiceError
from kehu.core.forms import apply_service_error
from kehu.service import forms as f
from kehu.service import selectors, services
from kehu.service.exports import survey_report_pdf, survey_report_xlsx
from kehu.service.models import Questionnaire, SurveyInvitation, SurveyRound
from kehu.service.views_common import resolve_customer_id


def _messages_of(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", str(exc))


@login_required
@permission_required("service.view_surveyround", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    qform = f.QuestionnaireForm(prefix="q")
    rform = f.RoundForm(prefix="r", questionnaires=Questionnaire.objects.all(),
                        initial={"year": timezone.localdate().year - 1, "target": "top", "top_n": 20})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "questionnaire":
                qform = f.QuestionnaireForm(request.POST, prefix="q")
                if qform.is_valid():
                    q = services.questionnaire_create(actor=request.user, **qform.cleaned_data)
                    return redirect("service:questionnaire_detail", pk=q.pk)
            else:
                rform = f.RoundForm(request.POST, prefix="r", questionnaires=Questionnaire.objects.all())
                if rform.is_valid():
                    d = rform.cleaned_data
                    ids = [resolve_customer_id(request.user, c, "customer_codes")
                           for c in d["customer_codes"].split()] if d["target"] == "list" else None
                    rnd = services.survey_round_create(actor=request.user, questionnaire_id=int(d["questionnaire"]),
                                                       name=d["name"], year=d["year"], target=d["target"],
                                                       top_n=d["top_n"] or 20, customer_ids=ids)
                    return redirect("service:round_detail", pk=rnd.pk)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(qform if request.POST.get("action") == "questionnaire" else rform, exc)
    return render(request, "service/survey_list.html", {
        "questionnaires": Questionnaire.objects.prefetch_related("questions"),
        "rounds": SurveyRound.objects.select_related("questionnaire")[:50], "qform": qform, "rform": rform})


@login_required
@permission_required("service.manage_survey", raise_exception=True)
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    q = Questionnaire.objects.filter(pk=pk).first()
    if q is None:
        raise Http404
    form = f.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.question_add(actor=request.user, questionnaire_id=pk, kind=d["kind"], text=d["text"],
                                  scale_min=d["scale_min"], scale_max=d["scale_max"],
                                  choices=d["choices"].splitlines(), required=d["required"])
            messages.success(request, _("题目已添加。"))
            return redirect("service:questionnaire_detail", pk=pk)
        except (ValidationError, ServiceError) as exc:
            apply_service_error(form, exc)
    return render(request, "service/questionnaire_detail.html", {"q": q, "form": form,
                                                                 "questions": q.questions.all()})


@login_required
@permission_required("service.view_surveyround", raise_exception=True)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.survey_report(round_id=pk)
    except SurveyRound.DoesNotExist:
        raise Http404 from None
    invitations = report["round"].invitations.select_related("customer").order_by("customer__name")[:500]
    if request.method == "POST" and request.POST.get("action") == "close":
        services.survey_round_close(actor=request.user, round_id=pk)
        return redirect("service:round_detail", pk=pk)
    chart = [{"id": f"chart-{r['q'].pk}", "title": r["q"].text, "labels": r["labels"], "counts": r["counts"]}
             for r in report["rows"] if "labels" in r]
    return render(request, "service/round_detail.html", {"report": report, "invitations": invitations,
                                                         "chart": chart,
                                                         "link_base": request.build_absolute_uri("/service/s/")})


def _answers_from_post(post) -> dict:
    return {k: v for k, v in post.items() if k.startswith("q") and k[1:].isdigit()}


@login_required
@permission_required("service.add_surveyresponse", raise_exception=True)
def round_answer(request: HttpRequest, pk: int, customer_id: int) -> HttpResponse:
    rnd = SurveyRound.objects.filter(pk=pk).select_related("questionnaire").first()
    if rnd is None:
        raise Http404
    errors, values = {}, {}
    if request.method == "POST":
        values = _answers_from_post(request.POST)
        try:
            services.survey_response_enter(actor=request.user, round_id=pk, customer_id=customer_id, answers=values,
                                           respondent=request.POST.get("respondent", ""))
            messages.success(request, _("答卷已录入。"))
            return redirect("service:round_detail", pk=pk)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        except ServiceError as exc:
            errors = {"__all__": [exc.message]}
    return render(request, "service/survey_answer.html", {
        "rnd": rnd, "questions": rnd.questionnaire.questions.all(), "errors": errors, "values": values,
        "public": False}, status=400 if errors else 200)


def public_answer(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the one-time link a customer receives (usable once)."""
    inv = SurveyInvitation.objects.filter(token=token).select_related("round", "round__questionnaire",
                                                                      "customer").first()
    if inv is None:
        raise Http404
    if inv.used_at:
        return render(request, "service/survey_thanks.html", {"used": True})
    errors, values = {}, {}
    if request.method == "POST":
        values = _answers_from_post(request.POST)
        try:
            services.survey_response_by_token(token=token, answers=values,
                                              respondent=request.POST.get("respondent", ""))
            return render(request, "service/survey_thanks.html", {"used": False})
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        except (ServiceError, ScopeError) as exc:
            errors = {"__all__": [exc.message]}
    return render(request, "service/survey_answer.html", {
        "rnd": inv.round, "questions": inv.round.questionnaire.questions.all(), "errors": errors, "values": values,
        "public": True, "customer": inv.customer}, status=400 if errors else 200)


@login_required
@permission_required("service.view_surveyround", raise_exception=True)
def round_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.survey_report(round_id=pk)
    response = HttpResponse(survey_report_xlsx(report),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="survey-{pk}.xlsx"'
    return response


@login_required
@permission_required("service.view_surveyround", raise_exception=True)
def round_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.survey_report(round_id=pk)
    response = HttpResponse(survey_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="survey-{pk}.pdf"'
    return response
