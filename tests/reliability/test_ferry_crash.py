"""Crash: a worker process is killed (SIGKILL) in the middle of delivering 5,000 envelopes and restarted; the
back end has then applied every envelope exactly once, and the audit chain is whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from onevisit.ferry import audit, keys, services
from onevisit.ferry.models import Backend, Envelope
from onevisit.simulators.legacy.ledger import Ledger, load_field_sets, load_population
from onevisit.simulators.legacy.rest import RestSim
from tests.conftest import test_database_url

FERRY_DATA = Path(__file__).resolve().parents[2] / "data" / "ferry"
ENVELOPES = 5000


def _start_worker(tmp_path: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "ONEVISIT_AUDIT_DIR": str(tmp_path / "audit"),
        "ONEVISIT_AUDIT_SIGNING_KEY": str(settings.ONEVISIT_AUDIT_SIGNING_KEY),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "onevisit",
            "worker",
            "--batch",
            "100",
            "--lease",
            "3",
            "--poll",
            "0.05",
            "--name",
            name,
            "-v0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_applies_nothing_twice(tmp_path, settings):
    settings.ONEVISIT_AUDIT_DIR = tmp_path / "audit"
    reply_fields, _ = load_field_sets(FERRY_DATA / "field-sets.yaml")
    ledger = Ledger(
        "social_insurance",
        keys.signing_key("social_insurance"),
        load_population(FERRY_DATA / "population.yaml"),
        {"insurance_status": reply_fields["insurance_status"]},
    )
    sim = RestSim(ledger, api_key=keys.api_key("social_insurance")).start()
    try:
        services.load(FERRY_DATA)
        Backend.objects.filter(code="social_insurance").update(address=sim.address, timeout_seconds=5.0)
        people = list(ledger.population)
        with transaction.atomic():
            for i in range(ENVELOPES):
                services.submit(
                    actor=None,
                    backend="social_insurance",
                    field_set_code="insurance_status",
                    operation="query",
                    payload={"resident_id": people[i % len(people)]},
                    idempotency_key=f"crash-{i}",
                )

        first = _start_worker(tmp_path, "doomed")
        try:
            _wait(lambda: len(ledger.applied) >= ENVELOPES // 4, 120, "the first worker to get going")
        finally:  # killed also when it never got going: a failed run leaves no worker polling behind it
            # No clean-up, mid-batch: claims stay leased, replies unrecorded.
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        killed_at = len(ledger.applied)
        assert killed_at < ENVELOPES, "the worker finished before it could be killed"
        assert Envelope.objects.exclude(status="delivered").exists()

        # Restarted as two processes at once: they share the outbox without taking the same envelope twice.
        restarted = [_start_worker(tmp_path, f"restarted-{i}") for i in (1, 2)]
        try:
            _wait(
                lambda: not Envelope.objects.exclude(status="delivered").exists(), 300, "the outbox to drain"
            )
        finally:
            for worker in restarted:
                worker.send_signal(signal.SIGTERM)
            errors = [w.communicate(timeout=30)[1] for w in restarted]
        assert [w.returncode for w in restarted] == [0, 0], b"".join(errors).decode()[-2000:]

        assert len(ledger.applied) == ENVELOPES
        assert set(ledger.applied.values()) == {1}, "an envelope took effect twice"
        assert ledger.deliveries >= ENVELOPES and ledger.refusals == 0
        assert Envelope.objects.filter(status="delivered", reply_status="ok").count() == ENVELOPES
        verdict = audit.verify()
        assert verdict.ok, verdict.reason
        assert verdict.checked == 2 * ENVELOPES  # one request and one reply record each, nothing doubled
    finally:
        sim.stop()
