"""Messages to citizens go through an outbox (issue 17): a row per message, sent by a job, tried again later with
growing delays when the gateway fails, given up after the last try; each outcome an event; the number sealed and
dropped once the message is done with; never sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from onevisit.core import clock, notify
from onevisit.core.models import Event, Notification
from tests.conftest import at_once, product_service, test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13512340008"


@pytest.fixture
def later(monkeypatch):
    """Move the product's clock forward by some seconds."""
    shift = {"by": timedelta()}
    real = clock.now

    def now():
        return real() + shift["by"]

    monkeypatch.setattr(clock, "now", now)

    def move(seconds: float) -> None:
        shift["by"] += timedelta(seconds=seconds)

    return move


def test_a_message_is_kept_sent_and_its_number_dropped(sms):
    row = notify.queue(phone=PHONE, text="【示范厅】测试", kind="booking", hall="demo")
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    assert sms.to(PHONE) == ["【示范厅】测试"]
    assert row.phone_sealed == "" and row.phone_masked == "135****0008"
    (sent,) = Event.objects.filter(type="notification.sent")
    assert (sent.hall, sent.data) == ("demo", {"kind": "booking", "attempts": 1})
    assert PHONE not in str(sent.data)


def test_a_failed_send_is_tried_again_after_growing_delays_then_given_up(settings, later, sms):
    settings.ONEVISIT_NOTIFIER = "failing"
    row = notify.queue(phone=PHONE, text="测试", kind="booking")
    waits = []
    for delay in notify.RETRY_DELAYS:
        row.refresh_from_db()
        assert row.status == "pending" and row.phone == PHONE
        waits.append(round((row.next_attempt_at - clock.now()).total_seconds()))
        assert notify.deliver_due() == 0, "not due before its delay"
        later(delay + 1)
        assert notify.deliver_due() == 1
    assert waits == list(notify.RETRY_DELAYS)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.phone_sealed) == ("failed", len(notify.RETRY_DELAYS) + 1, "")
    assert "短信网关不可用" in row.error
    (failed,) = Event.objects.filter(type="notification.failed")
    assert failed.data["attempts"] == len(notify.RETRY_DELAYS) + 1
    assert not Event.objects.filter(type="notification.sent").exists()
    later(10**6)
    assert notify.deliver_due() == 0, "a message given up stays given up"


def test_a_retry_that_goes_through_is_sent_once(settings, later, sms):
    settings.ONEVISIT_NOTIFIER = "failing"
    row = notify.queue(phone=PHONE, text="测试", kind="booking")
    settings.ONEVISIT_NOTIFIER = "demo"
    later(notify.RETRY_DELAYS[0] + 1)
    assert notify.deliver_due() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert sms.to(PHONE) == ["测试"]
    assert notify.deliver(row.pk) == "sent" and sms.to(PHONE) == ["测试"], "a sent message is not sent again"


def test_two_workers_delivering_one_message_at_once_send_it_once(settings, sms):
    settings.ONEVISIT_JOBS = "cluster"  # queued, not sent: nothing here runs the cluster
    row = notify.queue(phone=PHONE, text="测试", kind="booking")
    assert row.status == "pending" and row.attempts == 0 and sms.to(PHONE) == []
    results = at_once(*[lambda: notify.deliver(row.pk)] * 4)
    assert set(results) <= {"sent", "pending"}, results  # "pending": another worker holds it, sending
    assert sms.to(PHONE) == ["测试"]
    assert Event.objects.filter(type="notification.sent").count() == 1


def test_an_unknown_kind_is_refused_and_nothing_kept():
    with pytest.raises(ValueError):
        notify.queue(phone=PHONE, text="测试", kind="nonsense")
    assert not Notification.objects.exists()


def test_the_job_cluster_sends_queued_messages_through_the_gateway(settings):
    """`onevisit jobs` as its own processes (two workers) on this test's database: messages queued by a page's
    process reach the gateway, and the periodic retry is written as a schedule."""
    from django_q.models import Schedule

    with product_service("sms-gateway", "--port", "0", banner="SMS gateway at ") as gateway:
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "ONEVISIT_NOTIFIER": "gateway",
            "ONEVISIT_SMS_GATEWAY_URL": gateway,
            "ONEVISIT_JOBS": "cluster",
        }
        cluster = subprocess.Popen(
            [sys.executable, "-m", "onevisit", "jobs", "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            banner = cluster.stdout.readline() if cluster.stdout else ""
            assert banner.startswith("job cluster starting: 2 workers; periodic: 短信重发"), banner
            settings.ONEVISIT_JOBS = "cluster"
            phones = [f"1351234{n:04d}" for n in range(5)]
            for phone in phones:
                assert (
                    notify.queue(phone=phone, text=f"测试 {phone[-4:]}", kind="booking").status == "pending"
                )
            deadline = time.monotonic() + 60
            while Notification.objects.filter(status="sent").count() < len(phones):
                assert time.monotonic() < deadline, list(Notification.objects.values_list("status", "error"))
                time.sleep(0.2)
            for phone in phones:
                (got,) = httpx.get(f"{gateway}/messages", params={"phone": phone}).json()
                assert got["text"] == f"测试 {phone[-4:]}"
            assert Schedule.objects.filter(name="短信重发", func=notify.DELIVER_DUE).count() == 1
        finally:
            cluster.send_signal(signal.SIGTERM)
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cluster.kill()
                cluster.wait()
