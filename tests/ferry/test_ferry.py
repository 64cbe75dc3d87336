"""The data ferry end to end against the three simulators: lookups at acceptance, pre-filled form, validation,
refusals, the breaker, manual entry, back-fill and reconciliation, and the audit chain in the database."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from onevisit.cases import services as cases
from onevisit.core import appendonly, crypto
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.models import Event
from onevisit.ferry import audit, services, wire
from onevisit.ferry.models import AuditRecord, Backend, Envelope, ManualEntry
from tests.conftest import login
from tests.factories import resident_id
from tests.ferry.conftest import FERRY_DATA, LIN, WANG, accepted, drain

pytestmark = pytest.mark.django_db


def _sent_payloads(envelopes) -> list[set[str]]:
    return [set(services.request_of(e)["payload"]) for e in envelopes]


def test_acceptance_writes_only_the_declared_lookups_with_the_case(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    envelopes = list(Envelope.objects.filter(case=case).select_related("field_set", "backend"))
    assert sorted(e.field_set.code for e in envelopes) == [
        "identity",
        "insurance_status",
    ]  # not payment_proof
    assert _sent_payloads(envelopes) == [{"resident_id"}, {"resident_id"}]
    assert {e.backend.code for e in envelopes} == {"population", "social_insurance"}
    requests = AuditRecord.objects.filter(kind="request")
    assert requests.count() == 2
    assert LIN not in json.dumps([r.detail for r in requests], ensure_ascii=False)
    assert all(r.detail["subject"].startswith("3301") and "*" in r.detail["subject"] for r in requests)


def test_replies_prefill_the_form_and_show_their_checks(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    assert drain() == 2
    assert set(Envelope.objects.filter(case=case).values_list("status", flat=True)) == {"delivered"}
    form = cases.case_form(case)
    assert form.known["employer_name"] == ("浙江滨江建设集团有限公司", "数据摆渡")
    assert form.known["employer_credit_code"][1] == "数据摆渡"
    assert form.known["name"] == ("林星石", "导引台")  # the guide desk's record comes first
    rows = {r.field_set.code: r for r in services.case_status(case)}
    assert rows["identity"].state == "ok" and rows["identity"].values["birth_date"] == "1985-06-15"
    assert not [f for r in rows.values() for f in r.findings if f.level == "error"]
    # Exactly once at the back ends; every reply audited; the hall's event log says what crossed, not the values.
    assert ferry.soap.ledger.applied == {f"case-{case.pk}-identity-v1-query": 1}
    assert AuditRecord.objects.filter(kind="reply").count() == 2
    sent = Event.objects.filter(type="ferry.sent", case=str(case.pk))
    assert sent.count() == 2 and "林星石" not in json.dumps(list(sent.values_list("data", flat=True)))


def test_exchange_rules_flag_a_transfer_without_active_insurance(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "gxzy", rid=WANG, name="王贵英")
    drain()
    rows = {r.field_set.code: r for r in services.case_status(case, case_values={"name": "王贵英"})}
    insurance = [f for f in rows["insurance_status"].findings if f.level == "error"]
    assert [f.message for f in insurance] == ["关系转移要求参保状态为“正常参保”"]
    assert any(f.level == "warn" and "姓名" in f.message for f in rows["identity"].findings)
    assert cases.case_form(case).known["transfer_out_region"] == ("杭州市西湖区", "数据摆渡")  # via `fills`
    page = login("chuangkou1").get(f"/window/w1/cases/{case.pk}/")
    assert "关系转移要求参保状态为“正常参保”" in page.content.decode()


def test_not_found_is_a_reply_not_a_failure(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj", rid=resident_id(seq="777"), name="赵六")
    drain()
    assert {r.state for r in services.case_status(case)} == {"not_found"}
    assert Backend.objects.get(code="population").breaker == "closed"


def test_a_reply_with_fields_outside_the_set_is_refused_and_nothing_applied(ferry, guide, clerk, window1):
    ferry.set_fault("social_insurance", "overshare")
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    env = Envelope.objects.get(case=case, field_set__code="insurance_status")
    assert env.status == "refused" and "bank_account" in env.error and not env.reply_sealed
    assert "bank_account" not in cases.case_form(case).known
    assert AuditRecord.objects.filter(kind="refusal", envelope=str(env.id)).exists()


@pytest.mark.parametrize("backend", ["population", "social_insurance", "payment"])
def test_a_malformed_reply_is_refused_audited_and_retried(ferry, guide, clerk, window1, backend):
    ferry.set_fault(backend, "malformed")
    case = accepted(guide, clerk, window1, "gxzy")  # gxzy uses all three sets
    drain()
    env = Envelope.objects.get(case=case, backend__code=backend)
    assert env.status == "pending" and env.attempts == 1 and not env.reply_sealed
    assert AuditRecord.objects.filter(kind="refusal", envelope=str(env.id)).exists()
    assert Backend.objects.get(code=backend).failures == 1
    ferry.set_fault(backend, "none")
    Envelope.objects.filter(pk=env.pk).update(next_attempt_at=env.created_at)
    drain()
    env.refresh_from_db()
    assert env.status == "delivered" and env.attempts == 2
    assert Backend.objects.get(code=backend).failures == 0


def test_an_envelope_altered_in_the_database_is_refused_before_it_leaves(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    env = Envelope.objects.get(case=case, field_set__code="identity")
    request = services.request_of(env)
    request["payload"]["resident_id"] = WANG  # someone edits the outbox row to look up another person
    Envelope.objects.filter(pk=env.pk).update(request_sealed=crypto.seal(json.dumps(request)))
    drain()
    env.refresh_from_db()
    assert env.status == "refused" and "签名" in env.error
    assert ferry.soap.ledger.applied == {}  # nothing reached the back end


def _counts():
    return Envelope.objects.count(), AuditRecord.objects.filter(kind="refusal").count()


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"payload": {"resident_id": LIN, "bank_account": "1"}}, "payload", "bank_account 不在字段集"),
        ({"backend": "social_insurance"}, "field_set", "不在字段集「基础身份信息」的允许范围内"),
        ({"payload": {"resident_id": "330106198506151234"}}, "resident_id", "校验码"),
        ({"operation": "delete"}, "operation", "未知操作"),
        ({"backend": "mainframe"}, "backend", "没有后端系统"),
        ({"field_set_code": "tax_records"}, "field_set", "没有字段集"),
        (
            {"payload": {"resident_id": LIN, "name": "林星石"}},
            "payload",
            "name 不在字段集",
        ),  # a query sends no name
    ],
)
def test_bad_envelopes_are_refused_with_a_reason_and_an_audit_record(ferry, clerk, kwargs, field, reason):
    args = {
        "actor": clerk,
        "backend": "population",
        "field_set_code": "identity",
        "operation": "query",
        "payload": {"resident_id": LIN},
        "idempotency_key": "edge-1",
    } | kwargs
    envelopes, refusals = _counts()
    with pytest.raises(Invalid) as err:
        services.submit(**args)
    assert reason in err.value.message and field in err.value.errors
    assert _counts() == (envelopes, refusals + 1)
    assert LIN not in json.dumps(AuditRecord.objects.last().detail)


def test_a_replayed_idempotency_key_with_other_content_is_refused(ferry, clerk):
    args = {
        "actor": clerk,
        "backend": "population",
        "field_set_code": "identity",
        "operation": "query",
        "idempotency_key": "edge-2",
    }
    first, created = services.submit(**args, payload={"resident_id": LIN})
    again, created_again = services.submit(**args, payload={"resident_id": LIN})
    assert created and not created_again and str(again.pk) == str(first.pk)
    envelopes, refusals = _counts()
    with pytest.raises(Conflict, match="幂等键重放"):
        services.submit(**args, payload={"resident_id": WANG})
    assert _counts() == (envelopes, refusals + 1)


def test_the_back_end_refuses_a_forged_request(ferry, clerk):
    """A captured request altered to ask about someone else never gets past the back end's signature check."""
    env, _ = services.submit(
        actor=clerk,
        backend="population",
        field_set_code="identity",
        operation="query",
        payload={"resident_id": LIN},
        idempotency_key="edge-3",
    )
    request = services.request_of(env)
    forged = {**request, "payload": {"resident_id": WANG}}
    reply = ferry.soap.ledger.handle(forged)
    assert reply["status"] == "refused" and "签名" in reply["reason"]
    assert ferry.soap.ledger.applied == {}


def test_outage_breaker_manual_entry_back_fill_and_reconciliation(ferry, guide, clerk, window1, hall):
    """A back end goes down during acceptance; the window types the values; nothing typed is lost."""
    ferry.set_fault("social_insurance", "down")
    case = accepted(guide, clerk, window1, "cbdj")
    other = Envelope.objects.get(case=case, field_set__code="identity")
    for _ in range(3):  # three failed deliveries open the breaker
        drain()
        Envelope.objects.filter(field_set__code="insurance_status", status="pending").update(
            next_attempt_at=other.created_at
        )
    backend = Backend.objects.get(code="social_insurance")
    assert backend.breaker == "open"
    assert Event.objects.filter(type="contingency.on", data__backend="social_insurance").exists()
    rows = {r.field_set.code: r for r in services.case_status(case)}
    assert rows["insurance_status"].state == "degraded" and rows["identity"].state == "ok"
    client = login("chuangkou1")
    page = client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "系统中断 · 手工录入" in page and "社会保险业务系统暂不可用" in page

    # Bad manual input is refused and changes nothing.
    before = (ManualEntry.objects.count(), Envelope.objects.count())
    response = client.post(
        f"/ferry/window/w1/case/{case.pk}/manual/insurance_status/",
        {"insurance_status": "大概参保了", "employer_credit_code": "123"},
        follow=True,
    )
    assert "手工录入未保存" in response.content.decode() and "参保状态应为" in response.content.decode()
    assert (ManualEntry.objects.count(), Envelope.objects.count()) == before

    typed = {
        "insurance_status": "正常参保",
        "insured_region": "杭州市西湖区",
        "employer_name": "某某贸易有限公司",
        "employer_credit_code": "91330108704234567N",
    }
    response = client.post(f"/ferry/window/w1/case/{case.pk}/manual/insurance_status/", typed, follow=True)
    assert "已手工录入" in response.content.decode()
    entry = ManualEntry.objects.get(case=case)
    assert entry.status == "queued" and entry.envelope.operation == "backfill"
    assert cases.case_form(case).known["employer_name"] == ("某某贸易有限公司", "数据摆渡")
    drain()  # breaker open: the back-fill waits
    entry.refresh_from_db()
    assert entry.status == "queued" and entry.envelope.status == "pending"

    ferry.set_fault("social_insurance", "none")
    drain()  # cool-down over: the worker probes, closes the breaker and sends what waited
    backend.refresh_from_db()
    entry.refresh_from_db()
    assert backend.breaker == "closed"
    assert Event.objects.filter(type="contingency.off", data__backend="social_insurance").exists()
    assert entry.status == "mismatched" and entry.mismatches == ["employer_name"]
    key = entry.envelope.idempotency_key
    assert ferry.rest.ledger.backfilled[key] == typed  # every typed value arrived
    assert ferry.rest.ledger.applied[key] == 1
    assert Event.objects.filter(type="ferry.backfilled", case=str(case.pk)).exists()
    assert AuditRecord.objects.filter(kind="backfill", envelope=str(entry.envelope_id)).exists()
    report = login("xinxi").get("/ferry/").content.decode()  # the information centre
    assert case.number in report and "不一致" in report and "用人单位名称" in report


def test_manual_entry_is_refused_while_the_back_end_answers(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    with pytest.raises(Conflict, match="当前可用"):
        services.manual_entry(actor=clerk, case=case, field_set_code="identity", values={"name": "林星石"})


def test_the_information_centre_trips_and_restores_a_breaker(ferry, hall):
    client = login("xinxi")
    client.post("/ferry/breaker/payment/", {"state": "open", "reason": "网闸维护"})
    backend = Backend.objects.get(code="payment")
    assert backend.breaker == "open" and backend.held
    drain()  # a breaker opened by hand is not probed closed
    backend.refresh_from_db()
    assert backend.breaker == "open"
    client.post("/ferry/breaker/payment/", {"state": "closed"})
    assert Backend.objects.get(code="payment").breaker == "closed"
    assert AuditRecord.objects.filter(kind="breaker", backend="payment").count() == 2


def test_pages_check_role(ferry, guide, clerk, window1):
    assert login("chuangkou1").get("/ferry/").status_code == 403
    assert login("daoban").post("/ferry/breaker/payment/", {"state": "open"}).status_code == 403
    assert Backend.objects.get(code="payment").breaker == "closed"
    case = accepted(guide, clerk, window1, "cbdj")
    assert login("daoban").get(f"/ferry/window/w1/case/{case.pk}/panel/").status_code == 403
    panel = login("chuangkou1").get(f"/ferry/window/w1/case/{case.pk}/panel/").content.decode()
    assert "调取中" in panel and "hx-trigger" in panel


def test_a_stray_file_in_the_exchange_is_refused_and_audited(ferry, guide, clerk, window1):
    inbox = ferry.files.directory / "inbox"
    (inbox / "not-a-request.json").write_text("this is not json", encoding="utf-8")
    import time

    for _ in range(100):
        if (ferry.files.directory / "inbox" / "rejected" / "not-a-request.json").exists():
            break
        time.sleep(0.05)
    from onevisit.ferry import worker as worker_module

    w = worker_module.Worker()
    w._last_sweep = -1e9
    import os

    old = time.time() - 10
    for f in (ferry.files.directory / "outbox").iterdir():
        if f.is_file():
            os.utime(f, (old, old))
    w.sweep()
    stray = AuditRecord.objects.filter(kind="stray").last()
    assert stray is not None and "不是有效的请求文件" in stray.detail["reason"]


def test_verify_finds_a_record_altered_in_the_database(ferry, guide, clerk, window1):
    accepted(guide, clerk, window1, "gxzy")
    drain()
    assert audit.checkpoint() is not None
    assert audit.verify().ok
    call_command("audit", "verify", verbosity=0)
    victim = AuditRecord.objects.order_by("seq")[2]
    with appendonly.lifted(connection), connection.cursor() as cur:  # the owner, past the triggers
        cur.execute(
            "UPDATE ferry_auditrecord SET detail = %s WHERE id = %s",
            [json.dumps({"status": "ok"}), victim.pk],
        )
    verdict = audit.verify()
    assert not verdict.ok and verdict.first_broken == victim.seq
    with pytest.raises(CommandError, match=f"record {victim.seq}"):
        call_command("audit", "verify", verbosity=0)


def test_wire_signatures_cover_every_field():
    key = b"k" * 32
    message = wire.sign(
        {"envelope_id": "e", "status": "ok", "fields": {"name": "甲"}, "reason": "", "duplicate": False}, key
    )
    assert wire.signature_ok(message, key)
    assert not wire.signature_ok({**message, "fields": {"name": "乙"}}, key)
    assert not wire.signature_ok({**message, "duplicate": True}, key)
    assert not wire.signature_ok(message, b"x" * 32)


def test_records_cut_from_the_tail_are_found_through_the_head(ferry, guide, clerk, window1):
    accepted(guide, clerk, window1, "cbdj")
    drain()
    assert audit.verify().ok
    last = AuditRecord.objects.order_by("-seq").first()
    with appendonly.lifted(connection), connection.cursor() as cur:  # the owner, past the triggers
        cur.execute("DELETE FROM ferry_auditrecord WHERE id = %s", [last.pk])
    verdict = audit.verify()
    assert not verdict.ok and verdict.first_broken == last.seq and "尾部" in verdict.reason


def test_a_corrupted_envelope_or_an_unforeseen_error_never_freezes_a_batch(
    ferry, guide, clerk, window1, monkeypatch
):
    case = accepted(guide, clerk, window1, "cbdj")
    identity = Envelope.objects.get(case=case, field_set__code="identity")
    Envelope.objects.filter(pk=identity.pk).update(request_sealed="v1:" + "A" * 80)  # not our ciphertext
    from onevisit.ferry.adapters import RestAdapter

    def explode(self, request, *, timeout):
        raise RuntimeError("a library error nobody foresaw")

    monkeypatch.setattr(RestAdapter, "send", explode)
    drain()
    identity.refresh_from_db()
    insurance = Envelope.objects.get(case=case, field_set__code="insurance_status")
    assert identity.status == "refused" and "无法解密" in identity.error
    assert insurance.status == "pending" and insurance.attempts == 1 and "RuntimeError" in insurance.error


def test_personal_numbers_in_a_back_end_refusal_are_masked(ferry, guide, clerk, window1, monkeypatch):
    ledger = ferry.soap.ledger
    original = ledger._problem
    monkeypatch.setattr(
        ledger, "_problem", lambda request: f"证件 {request['payload']['resident_id']} 已注销"
    )
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    monkeypatch.setattr(ledger, "_problem", original)
    env = Envelope.objects.get(case=case, field_set__code="identity")
    assert env.status == "refused" and LIN not in env.error and "已注销" in env.error
    assert LIN not in json.dumps(
        list(AuditRecord.objects.values_list("detail", flat=True)), ensure_ascii=False
    )


def test_a_failing_back_end_stops_taking_the_batch_after_three_failures(ferry, clerk):
    ferry.set_fault("population", "down")
    for i in range(6):
        services.submit(
            actor=clerk,
            backend="population",
            field_set_code="identity",
            operation="query",
            payload={"resident_id": LIN},
            idempotency_key=f"batch-{i}",
        )
    from onevisit.ferry.worker import Worker

    assert Worker(batch=50).run_once() == 6
    attempts = sorted(Envelope.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 0, 1, 1, 1]  # three tried, three released untouched
    assert set(Envelope.objects.values_list("status", flat=True)) == {"pending"}
    assert Backend.objects.get(code="population").breaker == "open"


def test_a_probe_never_closes_a_breaker_held_open_by_hand(ferry):
    from django.db import transaction

    from onevisit.core import clock
    from onevisit.ferry import breaker

    backend = Backend.objects.get(code="payment")
    Backend.objects.filter(pk=backend.pk).update(breaker="open", held=True)
    with transaction.atomic():
        breaker.close(backend, now=clock.now(), automatic=True)
    assert Backend.objects.get(pk=backend.pk).breaker == "open"


def test_a_new_field_set_version_does_not_strand_open_cases(ferry, guide, clerk, window1, tmp_path):
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    text = (FERRY_DATA / "field-sets.yaml").read_text(encoding="utf-8")
    bumped = text.replace("  - code: identity\n    version: 1\n", "  - code: identity\n    version: 2\n", 1)
    assert bumped != text
    (tmp_path / "field-sets.yaml").write_text(bumped, encoding="utf-8")
    assert services.load(tmp_path).field_sets_added == ["identity v2"]
    rows = {r.field_set.code: r for r in services.case_status(case)}
    assert rows["identity"].field_set.version == 2 and rows["identity"].state == "ok"


def test_a_changed_field_set_must_carry_a_new_version(ferry, tmp_path):
    text = (FERRY_DATA / "field-sets.yaml").read_text(encoding="utf-8")
    (tmp_path / "field-sets.yaml").write_text(
        text.replace("label: 参保状态", "label: 参保情况"), encoding="utf-8"
    )
    with pytest.raises(Invalid, match="请提升版本号"):
        services.load(tmp_path)


def test_manual_entry_for_a_set_without_a_back_end_is_refused_clearly(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    Backend.objects.filter(code="population").update(field_sets=[])
    with pytest.raises(Invalid, match="未配置后端系统"):
        services.manual_entry(actor=clerk, case=case, field_set_code="identity", values={"name": "林星石"})


def _field_sets(tmp_path, text: str):
    (tmp_path / "field-sets.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("    version: 1\n", "    version: true\n", "field_sets[1] identity: version 应为正整数"),
        ("    request: [resident_id]\n", "    request: resident_id\n", "identity: request 应为字段名列表"),
        ("at_least: 12,", "at_least: 12个月,", "payment_proof: at_least 应为整数"),
        ("level: warn,", "level: loud,", "level 应为 ok/info/warn/error 之一"),
        (
            "    style: soap\n",
            "    style: soap\n    timeout_seconds: fast\n",
            "population: timeout_seconds 应为大于零的秒数",
        ),
        ("    style: soap\n", "    style: ftp\n", "population: style 应为"),
    ],
)
def test_a_malformed_field_set_or_back_end_names_it_and_loads_nothing(tmp_path, old, new, reason):
    """A boolean is not a version, a text not a list or a number: refused when loaded (an at_least of 12个月 used
    to load and then fail at the window), nothing written."""
    text = (FERRY_DATA / "field-sets.yaml").read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(Invalid, match=re.escape(reason)):
        services.load(_field_sets(tmp_path, text.replace(old, new, 1)))
    assert not Backend.objects.exists()


def test_a_field_sets_file_that_is_not_a_mapping_is_refused_in_words(tmp_path):
    with pytest.raises(Invalid, match="顶层须为 field_sets/backends 映射"):
        services.load(_field_sets(tmp_path, "- code: identity\n"))
