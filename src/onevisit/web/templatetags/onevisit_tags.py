from django import template

from onevisit.catalog.situations import own_note as material_note
from onevisit.core import labels
from onevisit.core.durations import human_duration

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def own_note(material):
    """A material's note less what its 可容缺 badge says (catalog.situations.own_note)."""
    return material_note(material)


@register.filter
def duration(seconds):
    """Seconds as people read them ("38 秒", "2 小时 5 分"): core.durations, the one formatter of durations."""
    return human_duration(seconds)


@register.filter
def overdue(item, now):
    """item.overdue(now) in a template: a verification past its deadline."""
    return item.overdue(now)


@register.simple_tag
def names_line(*names):
    """{% names_line hall queue matter %}: the names joined by " · ", each once (core.labels)."""
    return labels.names_line(*(str(n) if n is not None else "" for n in names))
