from __future__ import annotations

from pathlib import Path

import pytest

from onevisit.cases import services as cases
from onevisit.ferry import keys, services
from onevisit.ferry.models import Backend
from onevisit.ferry.worker import Worker
from onevisit.queueing import services as queueing
from onevisit.simulators.legacy.runner import start_all
from tests.journey import prereview

FERRY_DATA = Path(__file__).resolve().parents[2] / "data" / "ferry"
# People in the simulators' population (data/ferry/population.yaml)
LIN = "330106198506151233"  # 林星石, 正常参保
WANG = "330106195603012469"  # 王桂英, 暂停参保


@pytest.fixture
def ferry_dirs(tmp_path, settings):
    settings.ONEVISIT_AUDIT_DIR = tmp_path / "audit"
    settings.ONEVISIT_EXCHANGE_DIR = tmp_path / "exchange"
    return tmp_path


@pytest.fixture
def sims(ferry_dirs):
    with start_all(
        population_path=FERRY_DATA / "population.yaml",
        field_sets_path=FERRY_DATA / "field-sets.yaml",
        keys=keys.signing_key,
        api_key=keys.api_key("social_insurance"),
        exchange_dir=ferry_dirs / "exchange",
    ) as running:
        yield running


@pytest.fixture
def ferry(hall, sims, settings):
    """The ferry configured from data/ferry, its back ends pointing at this test's simulators."""
    services.load(FERRY_DATA)
    Backend.objects.filter(code="population").update(address=sims.soap.address, timeout_seconds=1.0)
    Backend.objects.filter(code="social_insurance").update(address=sims.rest.address, timeout_seconds=1.0)
    Backend.objects.filter(code="payment").update(address=str(sims.files.directory), timeout_seconds=1.0)
    settings.ONEVISIT_FERRY_BREAKER_COOLDOWN = 0
    return sims


def drain(worker: Worker | None = None, rounds: int = 50) -> int:
    """Run the worker until a round finds nothing due (it does not wait out back-off delays)."""
    worker = worker or Worker(batch=50, lease=30)
    total = 0
    for _ in range(rounds):
        handled = worker.run_once()
        total += handled
        if not handled:
            break
    return total


def accepted(guide, clerk, window, matter="cbdj", rid=LIN, name="林星石"):
    pr = prereview(guide, matter, rid=rid, name=name)
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return cases.accept(actor=clerk, window=window, code=pr.ticket.token)
