from django.contrib import admin, messages
from django.utils.translation import gettext as _

from kehu.workdays.calendar import years_missing
from kehu.workdays.models import CalendarDay, CalendarYear


class _MissingYearsWarning:
    """Every calendar page in the admin lists the years without calendar data (e.g. next year)."""

    def changelist_view(self, request, extra_context=None):
        missing = years_missing()
        if missing:
            messages.warning(request, _("以下年份尚无节假日与调休数据，相关期限将无法计算：%(years)s。"
                                        "请录入该年的放假安排并在“日历年份”中标记为已完整录入。")
                             % {"years": "、".join(str(y) for y in missing)})
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(_MissingYearsWarning, admin.ModelAdmin):
    list_display = ("date", "is_working_day", "name", "note", "updated_by", "updated_at")
    list_filter = ("is_working_day",)
    search_fields = ("name", "note")
    date_hierarchy = "date"
    exclude = ("updated_by",)


@admin.register(CalendarYear)
class CalendarYearAdmin(_MissingYearsWarning, admin.ModelAdmin):
    list_display = ("year", "complete", "note", "updated_by", "updated_at")
    exclude = ("updated_by",)
