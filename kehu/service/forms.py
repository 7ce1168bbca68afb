from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.service.models import (
    ComplaintChannel,
    ComplaintSeverity,
    EventKind,
    QuestionKind,
    Responsibility,
    RoundTarget,
    Satisfaction,
    VisitKind,
)


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(w, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            w.attrs.setdefault("class", css)


DT = {"type": "datetime-local"}
D = {"type": "date"}


class ComplaintForm(BootstrapForm):
    customer = forms.CharField(label=_("客户（编码或全称）"), required=False)
    complaint_type = forms.ChoiceField(label=_("投诉类型"), required=False)
    severity = forms.ChoiceField(label=_("性质"), choices=ComplaintSeverity.choices)
    channel = forms.ChoiceField(label=_("受理渠道"), choices=ComplaintChannel.choices)
    received_at = forms.DateTimeField(label=_("受理时间"), required=False, widget=forms.DateTimeInput(attrs=DT),
                                      help_text=_("留空为当前时间；期限自受理时刻起按工作日计算"))
    contact_name = forms.CharField(label=_("投诉人"), required=False, max_length=40)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    description = forms.CharField(label=_("投诉内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    department = forms.ChoiceField(label=_("责任部门"), required=False)
    attachment = forms.FileField(label=_("附件"), required=False)

    def __init__(self, *args, types=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaint_type"].choices = [("", "—— 请选择 ——"), *[(t.code, t.name) for t in types]]
        self.fields["department"].choices = [("", "——"), *[(d.pk, d.name) for d in departments]]


class AssignForm(BootstrapForm):
    department = forms.ChoiceField(label=_("责任部门"), required=False)
    assignee = forms.ChoiceField(label=_("处理人"), required=False)
    note = forms.CharField(label=_("交办说明"), required=False)

    def __init__(self, *args, departments=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "——"), *[(d.pk, d.name) for d in departments]]
        self.fields["assignee"].choices = [("", "——"), *[(u.pk, str(u)) for u in users]]


class PauseForm(BootstrapForm):
    reason = forms.CharField(label=_("等待客户的事项"), required=False)


class InvestigateForm(BootstrapForm):
    onsite_check = forms.CharField(label=_("现场核实情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    onsite_at = forms.DateTimeField(label=_("核实时间"), required=False, widget=forms.DateTimeInput(attrs=DT))
    responsibility = forms.ChoiceField(label=_("责任认定"), choices=Responsibility.choices)


class ResolveForm(BootstrapForm):
    responsibility = forms.ChoiceField(label=_("责任认定"), choices=[("", "—— 请选择 ——"),
                                                                  *Responsibility.choices[1:]], required=False)
    solution = forms.CharField(label=_("处理意见/解决方案"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    written_reply = forms.CharField(label=_("书面回复（必要时）"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(BootstrapForm):
    reason = forms.CharField(label=_("上报理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MeetingForm(BootstrapForm):
    held_at = forms.DateTimeField(label=_("会议时间"), widget=forms.DateTimeInput(attrs=DT))
    chaired_by = forms.CharField(label=_("主持人"), required=False)
    attendees = forms.CharField(label=_("参会人员"), required=False)
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(label=_("处理意见/改进措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(BootstrapForm):
    days = forms.IntegerField(label=_("延长至（工作日）"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("特殊情况说明"), required=False)


class ExtensionDecideForm(BootstrapForm):
    approve = forms.TypedChoiceField(label=_("审批"), choices=[("1", _("批准")), ("0", _("驳回"))],
                                     coerce=lambda v: v == "1")
    comment = forms.CharField(label=_("意见"), required=False)


class FollowUpForm(BootstrapForm):
    satisfaction = forms.ChoiceField(label=_("满意程度"), choices=[("", "—— 请选择 ——"), *Satisfaction.choices],
                                     required=False)
    contact_name = forms.CharField(label=_("受访人"), required=False)
    comments = forms.CharField(label=_("客户意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VisitReportForm(BootstrapForm):
    customer = forms.CharField(label=_("客户（编码或全称）"), required=False)
    kind = forms.ChoiceField(label=_("方式"), choices=VisitKind.choices)
    visited_on = forms.DateField(label=_("走访日期"), required=False, widget=forms.DateInput(attrs=D))
    contact_name = forms.CharField(label=_("接待人"), required=False)
    product_info = forms.CharField(label=_("产品相关信息"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    market_info = forms.CharField(label=_("市场信息"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    service_quality = forms.CharField(label=_("服务质量"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    needs = forms.CharField(label=_("客户需求和期望"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_actions = forms.CharField(label=_("后续跟进措施"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    plan_item = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PlanGenerateForm(BootstrapForm):
    owner = forms.ChoiceField(label=_("客户经理"))
    year = forms.IntegerField(label=_("年度"))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.pk, str(u)) for u in owners]


class PlanItemForm(BootstrapForm):
    month = forms.TypedChoiceField(label=_("月份"), choices=[(m, f"{m}月") for m in range(1, 13)], coerce=int)
    kind = forms.ChoiceField(label=_("方式"), choices=VisitKind.choices)


class QuestionnaireForm(BootstrapForm):
    title = forms.CharField(label=_("问卷名称"), required=False)
    intro = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), required=False)
    scale_min = forms.IntegerField(label=_("最低分"), initial=1, required=False)
    scale_max = forms.IntegerField(label=_("最高分"), initial=5, required=False)
    choices = forms.CharField(label=_("选项（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)


class RoundForm(BootstrapForm):
    questionnaire = forms.ChoiceField(label=_("问卷"))
    name = forms.CharField(label=_("调查名称"), required=False)
    year = forms.IntegerField(label=_("年度"))
    target = forms.ChoiceField(label=_("调查对象"), choices=RoundTarget.choices)
    top_n = forms.IntegerField(label=_("前N名"), initial=20, required=False)
    customer_codes = forms.CharField(label=_("客户编码（指定名单，每行一个）"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, questionnaires=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].choices = [(q.pk, q.title) for q in questionnaires]


class EventForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("类型"), choices=EventKind.choices)
    title = forms.CharField(label=_("主题"), required=False)
    planned_on = forms.DateField(label=_("计划日期"), required=False, widget=forms.DateInput(attrs=D))
    location = forms.CharField(label=_("地点"), required=False)
    agenda = forms.CharField(label=_("筹备计划/议程"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class GiftForm(BootstrapForm):
    customer = forms.CharField(label=_("客户（编码或全称）"), required=False)
    item = forms.CharField(label=_("礼品"), required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("赠送理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
