"""The audit chain's checkpoints cannot be bypassed: verification trusts only the public key pinned outside the
data directory, and records older than the checkpoint interval must be covered by a signed checkpoint.

Each attack first rewrites every hash after a change (as the owner of the database can, past the append-only
triggers), then tries to make `audit verify` pass: by deleting the checkpoints and the published key, by
signing new checkpoints with a new key, or by relying on no checkpoint at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from onevisit.core import appendonly, clock
from onevisit.ferry import audit, chain
from onevisit.ferry.models import AuditHead, AuditRecord, AuditVerification
from tests.conftest import login


@pytest.fixture
def pinned(tmp_path, settings) -> Path:
    """Checkpoints in the data's audit folder; the signing key apart; the public key pinned elsewhere."""
    settings.ONEVISIT_AUDIT_DIR = tmp_path / "data" / "audit"
    settings.ONEVISIT_AUDIT_SIGNING_KEY = tmp_path / "signer" / "audit_signing_key"
    pin = tmp_path / "operator" / "checkpoint-key.pub"
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = str(pin)
    settings.ONEVISIT_AUDIT_CHECKPOINT_GRACE = 900
    audit.pin_public_key(pin)
    return pin


def _records(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit.append("breaker", backend="payment", actor="worker", detail={"state": "open", "n": i})


def _rewrite_every_hash() -> None:
    """The attacker changes record 1 and makes every later link, and the head, agree with it."""
    prev = None
    with appendonly.lifted(connection), connection.cursor() as cur:
        for record in AuditRecord.objects.order_by("seq"):
            link = audit.as_link(record)
            detail = {**link.detail, "state": "closed"} if link.seq == 1 else link.detail
            content = {**link.content(), "detail": detail}
            del content["seq"]
            new = chain.make_link(prev, **content)
            cur.execute(
                "UPDATE ferry_auditrecord SET detail = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [audit.json.dumps(dict(new.detail)), new.prev_hash, new.hash, record.pk],
            )
            prev = new
    AuditHead.objects.filter(pk=1).update(seq=prev.seq, hash=prev.hash)
    assert chain.verify(audit.stored_links()).ok  # the chain alone no longer shows the change


def _later(monkeypatch, **delta) -> None:
    at = clock.now() + timedelta(**delta)
    monkeypatch.setattr(clock, "now", lambda: at)


def _verify_fails(match: str) -> None:
    verdict = audit.verify()
    assert not verdict.ok
    assert match in verdict.reason
    with pytest.raises(CommandError, match=match.replace("(", r"\(")):
        call_command("audit", "verify", verbosity=0)
    assert list(AuditVerification.objects.order_by("-id").values_list("ok", flat=True)[:2]) == [False, False]


def test_an_untouched_chain_with_its_checkpoints_verifies(db, pinned, monkeypatch, capsys):
    _records(5)
    assert audit.checkpoint().seq == 5
    _records(2)  # younger than the checkpoint interval: not yet signed, and that is fine
    _later(monkeypatch, minutes=5)
    verdict = audit.verify()
    assert verdict.ok and verdict.checked == 7 and verdict.checkpoints == 1
    call_command("audit", "verify", verbosity=0)
    assert "audit chain intact: 7 records, 1 signed checkpoints" in capsys.readouterr().out


def test_deleting_the_checkpoints_and_the_key_beside_them_after_a_rewrite_fails(db, pinned, monkeypatch):
    _records(5)
    audit.checkpoint()
    _rewrite_every_hash()
    (Path(audit.settings.ONEVISIT_AUDIT_DIR) / audit.CHECKPOINT_FILE).unlink()
    (Path(audit.settings.ONEVISIT_AUDIT_DIR) / audit.PUBLIC_KEY_FILE).unlink()
    _later(monkeypatch, hours=1)
    _verify_fails("没有签名检查点覆盖")
    assert audit.verify().first_broken == 1


def test_a_new_key_and_re_signed_checkpoints_after_a_rewrite_fail(db, pinned, settings):
    _records(5)
    audit.checkpoint()
    _rewrite_every_hash()
    folder = Path(settings.ONEVISIT_AUDIT_DIR)
    (folder / audit.CHECKPOINT_FILE).unlink()
    (folder / audit.PUBLIC_KEY_FILE).unlink()
    Path(settings.ONEVISIT_AUDIT_SIGNING_KEY).write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    assert audit.checkpoint().seq == 5  # signed by the attacker's key, published beside the checkpoints
    _verify_fails("签名无效")
    with pytest.raises(CommandError, match="already pins another key"):
        call_command("audit", "pin-key", "--write", str(pinned))  # and the pin is not replaced


def test_records_older_than_the_checkpoint_interval_with_no_checkpoint_fail(db, pinned, monkeypatch):
    _records(3)
    assert audit.verify().ok  # just written: the worker has not had its interval yet
    _later(monkeypatch, seconds=901)
    _verify_fails("第 1 条记录写入已超过 900 秒，却没有签名检查点覆盖")


def test_records_after_the_last_checkpoint_must_be_signed_in_time(db, pinned, monkeypatch):
    _records(3)
    audit.checkpoint()
    _later(monkeypatch, hours=2)
    _records(2)
    assert audit.verify().ok
    _later(monkeypatch, hours=3)
    _verify_fails("第 4 条记录写入已超过 900 秒")


def test_verify_refuses_without_a_pinned_key(db, pinned, settings):
    _records(2)
    audit.checkpoint()
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = ""
    assert (Path(settings.ONEVISIT_AUDIT_DIR) / audit.PUBLIC_KEY_FILE).exists()  # published, not trusted
    verdict = audit.verify()
    assert not verdict.ok and verdict.checked == 0 and verdict.first_broken is None
    with pytest.raises(CommandError, match=r"审计链未能校验 \(audit chain NOT verified\): 未固定检查点公钥"):
        call_command("audit", "verify", verbosity=0)
    with pytest.raises(CommandError, match="ONEVISIT_AUDIT_PUBLIC_KEY"):
        call_command("audit", "verify", verbosity=0)


def test_a_developer_in_debug_mode_may_trust_the_published_key(db, pinned, settings):
    _records(2)
    audit.checkpoint()
    settings.ONEVISIT_AUDIT_PUBLIC_KEY, settings.DEBUG = "", True
    assert audit.verify().ok


@pytest.mark.parametrize("where", ["ONEVISIT_AUDIT_DIR", "DATA_DIR"])
def test_a_pinned_key_inside_the_data_or_checkpoint_folder_is_not_trusted(db, pinned, settings, where):
    _records(2)
    audit.checkpoint()
    inside = Path(getattr(settings, where)) / "pinned.pub"
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = str(inside)
    _verify_fails("须保存在数据和检查点目录之外")
    with pytest.raises(CommandError, match="须保存在数据和检查点目录之外"):
        call_command("audit", "pin-key", "--write", str(inside))
    assert not inside.exists()


def test_the_key_may_be_pinned_as_hex_and_the_command_prints_it(db, pinned, settings, capsys):
    _records(2)
    audit.checkpoint()
    call_command("audit", "pin-key")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("export ONEVISIT_AUDIT_PUBLIC_KEY=")
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = printed.split("=", 1)[1]
    assert audit.verify().ok
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = audit.key_hex(Ed25519PrivateKey.generate().public_key())
    _verify_fails("签名无效")


def test_an_unreadable_pin_is_named(db, pinned, settings, tmp_path):
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = str(tmp_path / "operator" / "missing.pub")
    _verify_fails("无法读取检查点公钥")
    (tmp_path / "operator" / "garbage.pub").write_text("not a key")
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = str(tmp_path / "operator" / "garbage.pub")
    _verify_fails("不是 Ed25519 公钥")


def test_the_information_centre_page_says_the_chain_could_not_be_verified_without_a_pin(
    hall, pinned, settings
):
    _records(2)
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = ""
    it = login("xinxi")
    page = it.post("/ferry/audit/verify/", follow=True).content.decode()
    assert "审计链未能校验：未固定检查点公钥" in page and "未能校验</span>" in page
    settings.ONEVISIT_AUDIT_PUBLIC_KEY = str(pinned)
    page = it.post("/ferry/audit/verify/", follow=True).content.decode()
    assert "审计链完整：已核验 2 条记录" in page


def test_pinning_warns_when_the_signing_key_sits_beside_the_database(db, pinned, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path / "signer"  # the fixture's signing key is in it
    call_command("audit", "pin-key", "--write", str(pinned))
    assert "sits in the data directory" in capsys.readouterr().err
    settings.DATA_DIR = tmp_path / "data"
    call_command("audit", "pin-key", "--write", str(pinned))
    assert capsys.readouterr().err == ""
