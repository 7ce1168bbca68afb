from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def qkey(question) -> str:
    return f"q{question.pk}"


@register.filter
def scale_range(question):
    return range(question.scale_min, question.scale_max + 1)
