from django import template

register = template.Library()


@register.filter
def metric(value, name: str) -> str:
    """A value of the named indicator as the registry shows it (rates in %, durations in words)."""
    from onevisit.metrics.indicators import INDICATORS

    return INDICATORS[name].display(value)
