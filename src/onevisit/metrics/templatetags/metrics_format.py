from django import template

register = template.Library()


@register.filter
def percent(value):
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def label(mapping, key):
    return mapping.get(key, key) if key else "(未记录)"


@register.filter
def metric(value, name: str) -> str:
    """A value of the named indicator as the review shows it (rates in %, durations in words)."""
    from onevisit.metrics.review import display

    return display(name, value)
