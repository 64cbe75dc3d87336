"""The lockout rule (issue 16): a login name after a few wrong passwords, an address after many more, each lifting
by itself once its newest failures that reach the limit leave the cool-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onevisit.accounts.lockout import ACCOUNT, ADDRESS, Lockout, decide, lifts_at

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
COOL_OFF = timedelta(minutes=15)


def _ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def _decide(name=(), address=(), *, name_limit=5, address_limit=30) -> Lockout:
    return decide(
        name_failures=list(name),
        address_failures=list(address),
        name_limit=name_limit,
        address_limit=address_limit,
        cool_off=COOL_OFF,
        now=NOW,
    )


def test_under_both_limits_nothing_is_locked():
    state = _decide([(_ago(1), 4)], [(_ago(1), 29)])
    assert not state and state.by == () and state.until is None and state.label == "未锁定"


def test_a_login_name_at_its_limit_is_locked_until_its_last_failure_leaves_the_cool_off():
    state = _decide([(_ago(1), 5)], [(_ago(1), 5)])
    assert state and state.by == (ACCOUNT,) and state.until == _ago(1) + COOL_OFF
    assert state.label == "已锁定（账号）"


def test_an_address_is_locked_by_the_sum_over_the_names_typed_there():
    address = [(_ago(3), 4), (_ago(2), 4), (_ago(1), 22)]
    state = _decide([(_ago(2), 4)], address)
    assert state.by == (ADDRESS,) and state.label == "已锁定（地址）"
    assert state.until == _ago(3) + COOL_OFF  # the oldest of the rows that reach 30


def test_the_lock_lifts_when_the_newest_failures_no_longer_reach_the_limit():
    # 20 a minute ago reach the limit of 10 by themselves: the older rows do not keep it locked longer.
    assert (
        lifts_at([(_ago(10), 5), (_ago(1), 20)], limit=10, cool_off=COOL_OFF, now=NOW) == _ago(1) + COOL_OFF
    )
    assert (
        lifts_at([(_ago(10), 5), (_ago(1), 5)], limit=10, cool_off=COOL_OFF, now=NOW) == _ago(10) + COOL_OFF
    )


def test_failures_older_than_the_cool_off_do_not_count():
    assert not _decide([(_ago(16), 5)], [(_ago(16), 30)])
    assert _decide([(_ago(15), 5)]).by == (ACCOUNT,)  # the cool-off's first moment still counts (as in axes)


def test_both_locked_lifts_when_the_later_of_the_two_does():
    state = _decide([(_ago(2), 5)], [(_ago(5), 25), (_ago(2), 5)])
    assert state.by == (ACCOUNT, ADDRESS) and state.label == "已锁定（账号、地址）"
    assert state.until == _ago(2) + COOL_OFF


def test_an_address_limit_of_zero_is_off():
    assert not _decide([], [(_ago(1), 1000)], address_limit=0)
    assert _decide([(_ago(1), 5)], [(_ago(1), 1000)], address_limit=0).by == (ACCOUNT,)
