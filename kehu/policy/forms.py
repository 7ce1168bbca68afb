from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.policy.models import Direction


class RegradeForm(forms.Form):
    pack = forms.ChoiceField(label=_("政策包"))
    period = forms.CharField(label=_("期间"), max_length=10, help_text=_("如 2026-10（月）、2026-Q4、2026-H2、2026"))

    def __init__(self, *args, packs: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pack"].choices = [(p, p) for p in packs]


class MoversFilterForm(forms.Form):
    pack = forms.ChoiceField(label=_("政策包"), required=False)
    scheme = forms.ChoiceField(label=_("分级方案"), required=False)
    direction = forms.ChoiceField(
        label=_("变动"), required=False,
        choices=[("", _("升级与降级")), (Direction.UP, _("升级")), (Direction.DOWN, _("降级"))],
    )
    period = forms.CharField(label=_("期间"), required=False, max_length=10)

    def __init__(self, *args, packs: list[str], schemes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pack"].choices = [(p, p) for p in packs]
        self.fields["scheme"].choices = [("", _("全部方案")), *schemes]


class AdminValuesForm(forms.Form):
    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        for slot in slots:
            help_parts = [f"{slot.article}"]
            if slot.allowed_min is not None or slot.allowed_max is not None:
                low = "—" if slot.allowed_min is None else format(slot.allowed_min.normalize(), "f")
                high = "—" if slot.allowed_max is None else format(slot.allowed_max.normalize(), "f")
                help_parts.append(f"允许范围 {low}–{high}")
            self.fields[slot.key] = forms.DecimalField(
                label=slot.purpose, required=False, max_digits=18, decimal_places=4, initial=slot.value,
                help_text="；".join(help_parts),
            )
