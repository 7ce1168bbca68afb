from django import forms
from django.utils.translation import gettext_lazy as _


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
                "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm")
            widget.attrs.setdefault("class", css)


class CalendarDayForm(BootstrapForm):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    working = forms.TypedChoiceField(
        label=_("类型"), choices=[("0", _("休息日（节假日）")), ("1", _("工作日（调休上班）"))],
        coerce=lambda v: v == "1")
    name = forms.CharField(label=_("名称"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CalendarYearForm(BootstrapForm):
    year = forms.IntegerField(label=_("年份"))
    complete = forms.BooleanField(label=_("已完整录入"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DeadlineForm(BootstrapForm):
    start = forms.DateTimeField(label=_("起算时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    amount = forms.IntegerField(label=_("工作日数"), min_value=0, max_value=365)
    counting = forms.ChoiceField(label=_("计算方式"), choices=[("whole_days", _("整日（同一时刻）")),
                                                            ("working_hours", _("工作时段（含午休）"))])
