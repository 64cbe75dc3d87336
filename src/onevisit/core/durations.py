"""Durations as people read them ("38 秒", "9 分 25 秒", "13 小时 18 分", "2 天 3 小时"). No Django here.

The one formatter for every page that shows how long something took: a 38-second verification is "38 秒", never
"0.0 小时". Two units at most, the larger first; a zero second unit is left out ("5 分钟", "2 小时").
"""

from __future__ import annotations

MINUTE, HOUR, DAY = 60, 3600, 86400


def human_duration(seconds: float | None) -> str:
    """Seconds in words; None (nothing measured) is "—"; a negative span (clock skew) counts as none."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    if s < MINUTE:
        return f"{s} 秒"
    if s < HOUR:
        minutes, rest = divmod(s, MINUTE)
        return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"
    if s < DAY:
        hours, rest = divmod(s, HOUR)
        minutes = rest // MINUTE
        return f"{hours} 小时 {minutes} 分" if minutes else f"{hours} 小时"
    days, rest = divmod(s, DAY)
    hours = rest // HOUR
    return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
