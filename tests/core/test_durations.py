"""One way to write a duration: "38 秒", never "0.0 小时"."""

import pytest

from onevisit.core.durations import human_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (0, "0 秒"),
        (38, "38 秒"),
        (38.4, "38 秒"),
        (59.6, "1 分钟"),
        (60, "1 分钟"),
        (565, "9 分 25 秒"),
        (3600, "1 小时"),
        (47_888, "13 小时 18 分"),
        (86_400, "1 天"),
        (2 * 86_400 + 3 * 3600 + 59, "2 天 3 小时"),
        (-5, "0 秒"),
    ],
)
def test_durations_read_naturally(seconds, shown):
    assert human_duration(seconds) == shown
