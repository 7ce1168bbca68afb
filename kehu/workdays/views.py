from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kehu.core.errors import ServiceError
from kehu.core.forms import apply_service_error
from kehu.workdays import selectors, services
from kehu.workdays.forms import CalendarDayForm, CalendarYearForm, DeadlineForm


@login_required
@permission_required("workdays.view_calendarday", raise_exception=True)
def calendar_page(request: HttpRequest) -> HttpResponse:
    today = datetime.now(selectors.SHANGHAI).date()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    day_form = CalendarDayForm(prefix="day")
    year_form = CalendarYearForm(prefix="year", initial={"year": year})
    deadline_form = DeadlineForm(request.GET or None, prefix="dl")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "day":
                day_form = CalendarDayForm(request.POST, prefix="day")
                if day_form.is_valid():
                    row = services.calendar_day_set(actor=request.user, **day_form.cleaned_data)
                    messages.success(request, _("已保存：%(row)s") % {"row": row})
                    return redirect(f"{request.path}?year={row.date.year}")
            elif action == "delete":
                services.calendar_day_delete(actor=request.user,
                                             day=datetime.strptime(request.POST["day"], "%Y-%m-%d").date())
                messages.success(request, _("已删除调整日。"))
                return redirect(f"{request.path}?year={year}")
            elif action == "year":
                year_form = CalendarYearForm(request.POST, prefix="year")
                if year_form.is_valid():
                    record = services.calendar_year_set(actor=request.user, **year_form.cleaned_data)
                    messages.success(request, _("已更新 %(year)s 年的录入状态。") % {"year": record.year})
                    return redirect(f"{request.path}?year={record.year}")
        except (ValidationError, ServiceError) as exc:
            apply_service_error(year_form if action == "year" else day_form, exc)
    overview, missing_error = None, None
    try:
        overview = selectors.calendar_year_overview(year=year)
    except selectors.CalendarYearMissing as exc:
        missing_error = str(exc)
    deadline = None
    if deadline_form.is_bound and deadline_form.is_valid():
        try:
            deadline = services.working_deadline(start=deadline_form.cleaned_data["start"],
                                                 amount=deadline_form.cleaned_data["amount"],
                                                 counting=deadline_form.cleaned_data["counting"])
        except selectors.CalendarYearMissing as exc:
            deadline_form.add_error(None, str(exc))
    return render(request, "workdays/calendar.html", {
        "year": year, "overview": overview, "missing_error": missing_error,
        "overrides": selectors.calendar_overrides_for_year(year=year),
        "missing_years": selectors.years_missing(), "library_knows": selectors.library_knows(year),
        "year_records": selectors.calendar_year_records(),
        "day_form": day_form, "year_form": year_form, "deadline_form": deadline_form, "deadline": deadline,
        "prev_year": year - 1, "next_year": year + 1,
        "weekdays": ["一", "二", "三", "四", "五", "六", "日"],
    })
