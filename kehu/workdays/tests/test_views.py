from datetime import date

import pytest
from django.urls import reverse

from kehu.workdays.models import CalendarDay, CalendarYear


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_calendar_page_shows_national_day(admin_client):
    response = admin_client.get(reverse("workdays:calendar") + "?year=2025")
    assert response.status_code == 200
    assert "国庆节" in response.content.decode()


def test_calendar_page_for_2027_shows_the_missing_year_error(admin_client):
    response = admin_client.get(reverse("workdays:calendar") + "?year=2027")
    assert response.status_code == 200
    assert "2027年的节假日与调休数据缺失" in response.content.decode()


def test_administrator_enters_a_day_and_marks_the_year_complete(admin_client):
    url = reverse("workdays:calendar")
    admin_client.post(url, {"action": "day", "day-day": "2027-01-01", "day-working": "0", "day-name": "元旦"})
    admin_client.post(url, {"action": "year", "year-year": "2027", "year-complete": "on"})
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"
    assert CalendarYear.objects.get(year=2027).complete
    assert "全年工作日" in admin_client.get(url + "?year=2027").content.decode()


def test_account_manager_cannot_open_the_calendar_page(client, am_user):
    client.force_login(am_user)
    assert client.get(reverse("workdays:calendar")).status_code == 403


def test_admin_changelist_warns_about_missing_years(admin_client, settings):
    response = admin_client.get(reverse("admin:workdays_calendarday_changelist"), follow=True)
    assert response.status_code == 200


def test_deadline_api_answers_409_for_a_missing_year(admin_client):
    response = admin_client.get("/api/calendar/deadline/", {"start": "2026-12-31T10:00:00+08:00", "amount": 1})
    assert response.status_code == 409
    assert response.json()["year"] == 2027


def test_deadline_api_counts_over_national_day(admin_client):
    response = admin_client.get("/api/calendar/deadline/", {"start": "2025-09-30T17:59:00+08:00", "amount": 1})
    assert response.json()["deadline"].startswith("2025-10-09T17:59:00")
