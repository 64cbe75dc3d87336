"""Durations on the metric pages use the one formatter: a 38-second verification is "38 秒", not "0.0 小时"."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.core import clock
from onevisit.metrics import review
from tests.conftest import login
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db


def test_the_review_writes_durations_in_words():
    assert review.display("mean_verification_seconds", 38) == "38 秒"
    assert review.display("mean_handling_seconds", 565) == "9 分 25 秒"
    assert review.display("mean_verification_seconds", 47_888) == "13 小时 18 分"
    assert "(小时)" not in review.LABELS["mean_verification_seconds"]


def test_a_38_second_verification_reads_38_seconds_on_the_review_page(guide, clerk, window1, monkeypatch):
    t = called(guide, clerk, window1, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))
    office = actor_for(get_user_model().objects.get(username="houtai1"))
    hr = actor_for(get_user_model().objects.get(username="houtai2"))
    v = services.request_verification(
        actor=office, task_id=case.tasks.get().pk, department="rsj", question="核实"
    )
    answered = v.requested_at + timedelta(seconds=38)
    monkeypatch.setattr(clock, "now", lambda: answered)
    services.answer_verification(actor=hr, verification_id=v.pk, confirmed=True)
    today = clock.local_date()
    page = login("fenxi").get("/metrics/review/", {"from": today.isoformat(), "to": today.isoformat()})
    row = page.content.decode().split('data-metric="mean_verification_seconds"', 1)[1].split("</tr>", 1)[0]
    assert "38 秒" in row and "0.0" not in row
