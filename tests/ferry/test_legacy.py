"""The simulated legacy back ends and the hall's adapters, over real loopback transports (SOAP, REST, files)."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from onevisit.core import clock
from onevisit.ferry import keys, wire
from onevisit.ferry.adapters import Malformed, Rejected, Unavailable, adapter_for
from onevisit.simulators.legacy import soap
from onevisit.simulators.legacy.files import FileSim
from onevisit.simulators.legacy.ledger import Ledger, load_field_sets, load_population
from onevisit.simulators.legacy.rest import RestSim
from onevisit.simulators.legacy.runner import start_all
from onevisit.simulators.legacy.soap import SoapSim

DATA = Path(__file__).resolve().parents[2] / "data" / "ferry"
POPULATION = load_population(DATA / "population.yaml")
REPLY_FIELDS, BACKENDS = load_field_sets(DATA / "field-sets.yaml")
KNOWN = "330106198506151233"  # 林星石
UNKNOWN = "110101199003077777"
STYLES = {b["style"]: b for b in BACKENDS}


@dataclass
class Backend:
    style: str
    code: str
    field_set: str
    key: bytes
    sim: SoapSim | RestSim | FileSim
    adapter: object

    @property
    def ledger(self) -> Ledger:
        return self.sim.ledger

    def request(self, resident_id=KNOWN, *, idempotency_key=None, operation="query", extra=None, **changes):
        envelope_id = f"env-{uuid.uuid4().hex[:12]}"
        message = {
            "envelope_id": envelope_id,
            "idempotency_key": idempotency_key or f"idem-{envelope_id}",
            "backend": self.code,
            "field_set": self.field_set,
            "version": 1,
            "operation": operation,
            "created_at": "2026-05-01T09:30:00+08:00",
            "payload": {"resident_id": resident_id, **(extra or {})},
            **changes,
        }
        return wire.stamp(message, self.key, now=clock.now())

    def resend(self, request):
        """What the worker does on a retry: the same content with a new send time and nonce."""
        return wire.stamp(request, self.key, now=clock.now())

    def send(self, request, *, timeout=2.0):
        return self.adapter.send(request, timeout=timeout)


def _ledger(style: str) -> Ledger:
    backend = STYLES[style]
    served = {fs: REPLY_FIELDS[fs] for fs in backend["field_sets"]}
    return Ledger(backend["code"], keys.signing_key(backend["code"]), POPULATION, served)


def _start(style: str, tmp_path: Path, *, api_key: str | None = None) -> Backend:
    backend = STYLES[style]
    ledger = _ledger(style)
    ledger.slow_seconds = 0.6
    if style == "soap":
        sim = SoapSim(ledger).start()
    elif style == "rest":
        sim = RestSim(ledger, api_key=api_key or keys.api_key(backend["code"])).start()
    else:
        sim = FileSim(ledger, tmp_path / "exchange").start()
    adapter = adapter_for(style, sim.address, backend=backend["code"])
    return Backend(style, backend["code"], backend["field_sets"][0], ledger.key, sim, adapter)


@pytest.fixture(params=["soap", "rest", "files"])
def backend(request, tmp_path):
    started = _start(request.param, tmp_path)
    yield started
    started.sim.stop()


def _signed_by(reply: dict, backend: Backend) -> dict:
    return wire.check_reply(reply, backend.key, envelope_id=reply["envelope_id"])


# --- every style ---------------------------------------------------------------------------------------------


def test_query_for_a_known_resident_gets_exactly_the_sets_fields_signed(backend):
    request = backend.request()
    reply = _signed_by(backend.send(request), backend)
    assert reply["envelope_id"] == request["envelope_id"]
    assert reply["status"] == "ok"
    assert list(reply["fields"]) == REPLY_FIELDS[backend.field_set]
    assert reply["fields"] == {k: POPULATION[KNOWN][k] for k in REPLY_FIELDS[backend.field_set]}
    assert reply["duplicate"] is False
    assert backend.ledger.applied == {request["idempotency_key"]: 1}


def test_unknown_resident_is_not_found(backend):
    reply = _signed_by(backend.send(backend.request(UNKNOWN)), backend)
    assert (reply["status"], reply["fields"]) == ("not_found", {})


def test_a_redelivery_of_the_same_content_is_a_duplicate_applied_once(backend):
    request = backend.request()
    first = backend.send(request)
    again = _signed_by(backend.send(backend.resend(request)), backend)
    assert again["duplicate"] is True
    assert again["fields"] == first["fields"]
    assert backend.ledger.applied == {request["idempotency_key"]: 1}
    assert backend.ledger.duplicates == 1


def test_a_captured_request_sent_again_is_refused_as_a_replay(backend):
    request = backend.request()
    backend.send(request)
    replayed = _signed_by(backend.send(request), backend)
    assert (replayed["status"], replayed["fields"]) == ("refused", {}) and "nonce" in replayed["reason"]
    stale = wire.stamp(request, backend.key, now=clock.now() - timedelta(minutes=10))
    refused = _signed_by(backend.send(stale), backend)
    assert refused["status"] == "refused" and "过期" in refused["reason"]
    assert backend.ledger.applied == {request["idempotency_key"]: 1}


def test_same_idempotency_key_with_other_content_is_refused(backend):
    first = backend.request()
    backend.send(first)
    other = backend.request("330106195603012469", idempotency_key=first["idempotency_key"])
    reply = _signed_by(backend.send(other), backend)
    assert reply["status"] == "refused"
    assert reply["reason"] == "幂等键重放：内容与首次不同"
    assert backend.ledger.applied == {first["idempotency_key"]: 1}


def test_bad_signature_is_refused_and_nothing_applied(backend):
    request = {**backend.request(), "signature": "0" * 64}
    reply = _signed_by(backend.send(request), backend)
    assert (reply["status"], reply["reason"]) == ("refused", "请求签名无效")
    assert reply["envelope_id"] == request["envelope_id"]
    assert backend.ledger.applied == {}
    assert backend.ledger.refusals == 1


def test_missing_signature_is_refused_and_nothing_applied(backend):
    request = {k: v for k, v in backend.request().items() if k != "signature"}
    reply = _signed_by(backend.send(request), backend)
    assert (reply["status"], reply["reason"]) == ("refused", "请求没有签名")
    assert backend.ledger.applied == {}


def test_query_carrying_more_than_the_resident_id_is_refused(backend):
    reply = backend.send(backend.request(extra={"name": "林星石"}))
    assert reply["status"] == "refused"
    assert "name" in reply["reason"]
    assert backend.ledger.applied == {}


def test_backfill_is_recorded_and_answered_with_the_backends_own_values(backend):
    first_field = REPLY_FIELDS[backend.field_set][0]
    request = backend.request(operation="backfill", extra={first_field: "窗口录入值"})
    reply = _signed_by(backend.send(request), backend)
    assert reply["status"] == "ok"
    assert reply["fields"] == {first_field: POPULATION[KNOWN][first_field]}
    assert backend.ledger.backfilled == {request["idempotency_key"]: {first_field: "窗口录入值"}}


def test_backfill_of_a_field_outside_the_set_is_refused_naming_it(backend):
    reply = backend.send(backend.request(operation="backfill", extra={"bank_account": "1"}))
    assert reply["status"] == "refused"
    assert "bank_account" in reply["reason"]
    assert backend.ledger.backfilled == {}


def test_field_set_the_backend_does_not_serve_is_refused(backend):
    other = next(code for code in REPLY_FIELDS if code != backend.field_set)
    reply = backend.send(backend.request(field_set=other))
    assert (reply["status"], reply["reason"]) == ("refused", f"本系统不提供字段集 {other}")


def test_down_backend_is_unavailable(backend):
    backend.ledger.fault = "down"
    with pytest.raises(Unavailable):
        backend.send(backend.request(), timeout=0.3)
    if backend.style != "files":
        assert backend.adapter.health(timeout=1) is False
    backend.ledger.fault = "none"
    assert backend.adapter.health(timeout=1) is True


def test_slow_backend_past_the_timeout_is_unavailable(backend):
    backend.ledger.fault = "slow"
    with pytest.raises(Unavailable):
        backend.send(backend.request(), timeout=0.2)


def test_malformed_answer_is_malformed(backend):
    backend.ledger.fault = "malformed"
    with pytest.raises(Malformed):
        backend.send(backend.request())


def test_overshare_reply_carries_the_extra_field_still_signed(backend):
    backend.ledger.fault = "overshare"
    reply = _signed_by(backend.send(backend.request()), backend)
    assert reply["fields"]["bank_account"] == "6222020000000000000"
    assert set(reply["fields"]) - set(REPLY_FIELDS[backend.field_set]) == {"bank_account"}


def test_retry_after_a_lost_reply_gets_the_first_answer_as_a_duplicate(backend):
    request = backend.request()
    backend.ledger.fault = "malformed"
    with pytest.raises(Malformed):
        backend.send(request)
    backend.ledger.fault = "none"
    reply = _signed_by(backend.send(backend.resend(request)), backend)
    assert (reply["status"], reply["duplicate"]) == ("ok", True)
    assert backend.ledger.applied == {request["idempotency_key"]: 1}


# --- SOAP ------------------------------------------------------------------------------------------------------


@pytest.fixture
def soap_backend(tmp_path):
    started = _start("soap", tmp_path)
    yield started
    started.sim.stop()


def test_wsdl_advertises_the_servers_own_address(soap_backend):
    answer = httpx.get(f"{soap_backend.sim.address}?wsdl", timeout=2)
    assert answer.status_code == 200
    assert f'location="{soap_backend.sim.address}"' in answer.text
    assert 'soapAction="urn:onevisit:ferry:Exchange"' in answer.text


def test_unparseable_soap_is_a_fault_and_entities_are_refused(soap_backend):
    answer = httpx.post(soap_backend.sim.address, content=b"<Envelope", timeout=2)
    assert answer.status_code == 500
    assert "faultstring" in answer.text and "XML" in answer.text
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>'
    answer = httpx.post(soap_backend.sim.address, content=bomb, timeout=2)
    assert answer.status_code == 500
    assert "DTDForbidden" in answer.text
    assert soap_backend.ledger.deliveries == 0


def test_soap_fault_reaches_the_hall_as_malformed(soap_backend, monkeypatch):
    def refuse(body):
        raise soap.SoapFault("模拟的 SOAP 故障")

    monkeypatch.setattr(soap, "parse_request", refuse)
    with pytest.raises(Malformed, match="模拟的 SOAP 故障"):
        soap_backend.send(soap_backend.request())


def test_unreachable_wsdl_is_unavailable(soap_backend):
    address = soap_backend.sim.address
    soap_backend.sim.stop()
    with pytest.raises(Unavailable):
        adapter_for("soap", address, backend="population").send(soap_backend.request(), timeout=0.5)


# --- REST ------------------------------------------------------------------------------------------------------


def test_rest_with_the_wrong_api_key_is_rejected(tmp_path):
    started = _start("rest", tmp_path, api_key="not-the-key")
    try:
        with pytest.raises(Rejected, match="401"):
            started.send(started.request())
        assert started.ledger.deliveries == 0
    finally:
        started.sim.stop()


# --- file exchange -------------------------------------------------------------------------------------------


@pytest.fixture
def file_backend(tmp_path):
    started = _start("files", tmp_path)
    yield started
    started.sim.stop()


def _wait_for(path: Path, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _age(path: Path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_invalid_request_file_is_set_aside_refused_and_swept(file_backend):
    exchange = file_backend.sim.directory
    (exchange / "inbox" / "garbage.json").write_text("{not json", encoding="utf-8")
    _wait_for(exchange / "outbox" / "garbage.json")
    assert (exchange / "inbox" / "rejected" / "garbage.json").exists()
    assert not (exchange / "inbox" / "garbage.json").exists()
    refusal = json.loads((exchange / "outbox" / "garbage.json").read_text(encoding="utf-8"))
    assert wire.check_reply(refusal, file_backend.key, envelope_id="")["status"] == "refused"
    assert refusal["reason"].startswith("不是有效的请求文件: ")

    assert file_backend.adapter.sweep(set()) == []  # too fresh: a sender may be about to take it
    _age(exchange / "outbox" / "garbage.json")
    strays = file_backend.adapter.sweep(set())
    assert [s.name for s in strays] == ["garbage.json"]
    assert strays[0].reason.startswith("对方拒收: 不是有效的请求文件")
    assert (exchange / "outbox" / "rejected" / "garbage.json").exists()


def test_sweep_leaves_replies_someone_waits_for_and_reports_the_rest(file_backend):
    outbox = file_backend.sim.directory / "outbox"
    for name in ("awaited", "orphan"):
        (outbox / f"{name}.json").write_text('{"status": "ok"}', encoding="utf-8")
        _age(outbox / f"{name}.json")
    strays = file_backend.adapter.sweep({"awaited"})
    assert [(s.name, s.reason) for s in strays] == [("orphan.json", "无人等待的回执文件")]
    assert (outbox / "awaited.json").exists()


def test_late_answer_is_taken_by_the_next_attempt(file_backend):
    request = file_backend.request()
    file_backend.ledger.fault = "slow"
    file_backend.ledger.slow_seconds = 0.3
    with pytest.raises(Unavailable):
        file_backend.send(request, timeout=0.1)
    reply = _signed_by(file_backend.send(request, timeout=2), file_backend)
    assert (reply["status"], reply["duplicate"]) == ("ok", False)
    assert file_backend.ledger.applied == {request["idempotency_key"]: 1}
    assert list((file_backend.sim.directory / "outbox").glob("*.json")) == []


def test_files_down_leaves_the_request_waiting_and_health_notices_it(file_backend):
    file_backend.ledger.fault = "down"
    request = file_backend.request()
    with pytest.raises(Unavailable):
        file_backend.send(request, timeout=0.1)
    waiting = file_backend.sim.directory / "inbox" / f"{request['envelope_id']}.json"
    assert waiting.exists()
    _age(waiting)
    assert file_backend.adapter.health(timeout=1) is False


def test_relative_file_address_means_the_configured_exchange_dir(settings, tmp_path):
    settings.ONEVISIT_EXCHANGE_DIR = tmp_path / "configured"
    assert adapter_for("files", "exchange", backend="payment").directory == tmp_path / "configured"


# --- ledger and runner ---------------------------------------------------------------------------------------


def test_ledger_never_raises_on_garbage():
    ledger = _ledger("soap")
    for garbage in (None, [], "x", {"envelope_id": 3}, {"envelope_id": "e"}):
        reply = ledger.handle(garbage)
        assert reply["status"] == "refused"
        assert wire.signature_ok(reply, ledger.key)
    assert ledger.refusals == 5 and ledger.applied == {}


def test_unknown_fault_is_refused():
    with pytest.raises(ValueError):
        _ledger("soap").fault = "on fire"


def test_runner_starts_three_sims_and_the_control_port_sets_faults(tmp_path):
    sims = start_all(
        population_path=DATA / "population.yaml",
        field_sets_path=DATA / "field-sets.yaml",
        keys=keys.signing_key,
        api_key=keys.api_key("social_insurance"),
        soap_port=0,
        rest_port=0,
        exchange_dir=tmp_path / "exchange",
        control_port=0,
    )
    with sims:
        assert set(sims.by_backend) == {"population", "social_insurance", "payment"}
        control = f"{sims.control.address}faults"
        answer = httpx.post(
            control, json={"backend": "payment", "fault": "slow", "slow_seconds": 0.5}, timeout=2
        )
        assert answer.status_code == 200
        assert sims.files.ledger.fault == "slow" and sims.files.ledger.slow_seconds == 0.5
        assert httpx.post(control, json={"backend": "payment", "fault": "x"}, timeout=2).status_code == 400
        assert httpx.post(control, json={"backend": "nobody", "fault": "down"}, timeout=2).status_code == 400
        status = httpx.get(control, timeout=2).json()
        assert status["payment"]["fault"] == "slow"
        assert status["population"]["deliveries"] == 0
        rest = adapter_for("rest", sims.rest.address, backend="social_insurance")
        assert rest.health(timeout=1) is True
