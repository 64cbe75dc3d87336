from django import template

from onevisit.ferry.rules import LABELS

register = template.Library()


@register.filter
def ferry_label(field: str) -> str:
    """The Chinese name of a ferried field."""
    return LABELS.get(field, field)
