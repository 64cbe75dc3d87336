"""Who is locked out of signing in, by what, and until when (issue 16): the one rule the sign-in, the lockout page
and the admin's 登录失败计数 all apply, free of Django.

A login name is locked after a few wrong passwords within the cool-off, from any address. An address (one PC) is
locked only after many more, whatever the names typed there: at a shared guide-desk PC five typos must not lock
every member of staff who signs in there, the security administrator included, yet one PC guessing across many
names is still stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ACCOUNT = "account"
ADDRESS = "address"
LABELS = {ACCOUNT: "账号", ADDRESS: "地址"}

# One row of django-axes' count: when its last wrong password was typed, and how many it holds.
Failures = tuple[datetime, int]


@dataclass(frozen=True)
class Lockout:
    """What is locked (ACCOUNT, ADDRESS, both in that order, or nothing) and when the last of it lifts by itself."""

    by: tuple[str, ...] = ()
    until: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.by)

    @property
    def label(self) -> str:
        """已锁定（账号）, 已锁定（账号、地址）… or 未锁定, as the admin shows it."""
        return f"已锁定（{'、'.join(LABELS[what] for what in self.by)}）" if self.by else "未锁定"


def lifts_at(
    failures: Iterable[Failures], *, limit: int, cool_off: timedelta, now: datetime
) -> datetime | None:
    """When a count that has reached `limit` within the cool-off falls below it again (its newest rows that reach
    the limit, the oldest of them plus the cool-off), or None when it is under the limit now. A limit of 0 is off."""
    if limit <= 0:
        return None
    total = 0
    for at, count in sorted((f for f in failures if f[0] >= now - cool_off), reverse=True):
        total += count
        if total >= limit:
            return at + cool_off
    return None


def decide(
    *,
    name_failures: Iterable[Failures],
    address_failures: Iterable[Failures],
    name_limit: int,
    address_limit: int,
    cool_off: timedelta,
    now: datetime,
) -> Lockout:
    """The lockout of one login name typed at one address, from the counts of each."""
    by: list[str] = []
    until: list[datetime] = []
    for what, failures, limit in (
        (ACCOUNT, name_failures, name_limit),
        (ADDRESS, address_failures, address_limit),
    ):
        lifts = lifts_at(failures, limit=limit, cool_off=cool_off, now=now)
        if lifts is not None:
            by.append(what)
            until.append(lifts)
    return Lockout(tuple(by), max(until, default=None))
