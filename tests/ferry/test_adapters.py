"""The ferry's back-end port: adapters by name from the registry, settings choosing one per back end, the demo
adapter answering without a server, the failing one opening the breaker, configuration problems listed by
`onevisit check --database default`, and the breaker's limits read from settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks

from onevisit.cases import services as cases
from onevisit.core import clock
from onevisit.ferry import adapters, breaker, services
from onevisit.ferry.models import Backend, Envelope
from onevisit.ferry.worker import Worker
from tests.ferry.conftest import FERRY_DATA, LIN, accepted, drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(hall, ferry_dirs):
    """The back ends of data/ferry, no simulator running."""
    services.load(FERRY_DATA)


def test_each_style_is_its_registered_adapter_and_settings_choose_another_per_back_end(configured, settings):
    row = Backend.objects.get(code="population")
    assert type(adapters.for_backend(row)) is adapters.SoapAdapter
    settings.ONEVISIT_FERRY_ADAPTERS = {"population": "demo", "payment": "failing"}
    assert type(adapters.for_backend(row)) is adapters.DemoBackend
    assert type(adapters.for_backend(Backend.objects.get(code="payment"))) is adapters.FailingBackend
    assert type(adapters.for_backend(Backend.objects.get(code="social_insurance"))) is adapters.RestAdapter


def test_the_demo_back_ends_answer_in_this_process_without_a_server(
    configured, settings, guide, clerk, window1
):
    settings.ONEVISIT_FERRY_ADAPTERS = {"population": "demo", "social_insurance": "demo"}
    case = accepted(guide, clerk, window1, "cbdj")
    assert drain() == 2
    assert set(Envelope.objects.filter(case=case).values_list("status", flat=True)) == {"delivered"}
    assert cases.case_form(case).known["employer_name"] == ("浙江滨江建设集团有限公司", "数据摆渡")


def test_the_failing_back_end_opens_its_breaker_after_the_configured_failures(configured, settings, clerk):
    settings.ONEVISIT_FERRY_ADAPTERS = {"population": "failing"}
    settings.ONEVISIT_FERRY_BREAKER_THRESHOLD = 2
    for i in range(4):
        services.submit(
            actor=clerk,
            backend="population",
            field_set_code="identity",
            operation="query",
            payload={"resident_id": LIN},
            idempotency_key=f"failing-{i}",
        )
    assert Worker(batch=50).run_once() == 4
    assert sorted(Envelope.objects.values_list("attempts", flat=True)) == [0, 0, 1, 1]  # two tried, then held
    backend = Backend.objects.get(code="population")
    assert backend.breaker == "open" and "failing" in backend.last_error


def test_the_breaker_cool_down_is_read_from_settings(configured, settings):
    backend = Backend.objects.get(code="population")
    backend.breaker, backend.opened_at = Backend.Breaker.OPEN, clock.now() - timedelta(seconds=10)
    settings.ONEVISIT_FERRY_BREAKER_COOLDOWN = 15
    assert not breaker.due_for_probe(backend, clock.now())
    settings.ONEVISIT_FERRY_BREAKER_COOLDOWN = 5
    assert breaker.due_for_probe(backend, clock.now())


def _adapter_problems(**kwargs) -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(tags=["adapters"], **kwargs) if m.id.startswith("onevisit.")]


def test_check_lists_each_configured_back_end_s_problems_with_a_database(configured, settings):
    Backend.objects.filter(code="population").update(address="127.0.0.1:8101")  # no scheme
    settings.ONEVISIT_FERRY_ADAPTERS = {"pension": "demo"}
    assert _adapter_problems() == []  # without a database only settings are checked
    found = _adapter_problems(databases=["default"])
    by_id = {}
    for message in found:
        by_id.setdefault(message.id, []).append(message.msg)
    assert set(by_id) == {"onevisit.W011", "onevisit.W012"}
    assert "pension" in by_id["onevisit.W011"][0]
    problems = "\n".join(by_id["onevisit.W012"])
    assert "population" in problems and "127.0.0.1:8101" in problems  # the SOAP address
    assert "payment" in problems and "inbox" in problems  # the exchange folder is not there
    assert all(m.level == checks.WARNING for m in found)


def test_the_demo_adapter_checks_its_data_and_the_failing_one_has_nothing_to_check():
    assert adapters.adapter_for("demo", "", backend="population").check_config() == []
    assert "pension" in adapters.adapter_for("demo", "", backend="pension").check_config()[0]
    assert adapters.adapter_for("failing", "", backend="payment").check_config() == []
    assert not adapters.adapter_for("failing", "", backend="payment").health(timeout=1)


def test_an_unknown_adapter_name_is_refused_listing_the_known_ones():
    with pytest.raises(LookupError, match="soap, rest, files, demo, failing"):
        adapters.adapter_for("ftp", "ftp://x", backend="payment")
