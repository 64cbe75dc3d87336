"""The ferry's audit chain in the database, its signed checkpoints on disk, and verification.

Appends take the chain head's row lock, so links are made one at a time across every process; an append runs
inside the caller's transaction, so the record and the exchange it describes land (or vanish) together.
Checkpoints are Ed25519-signed lines in ONEVISIT_AUDIT_DIR/checkpoints.jsonl, outside the database, signed with
the key at ONEVISIT_AUDIT_SIGNING_KEY and verified only against the public key pinned in ONEVISIT_AUDIT_PUBLIC_KEY.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction

from onevisit.core import clock
from onevisit.core.ids import contains_personal_number
from onevisit.ferry import chain
from onevisit.ferry.models import AuditHead, AuditRecord, AuditVerification

KINDS = frozenset({"request", "reply", "refusal", "failure", "manual_entry", "backfill", "breaker", "stray"})
CHECKPOINT_FILE = "checkpoints.jsonl"
PUBLIC_KEY_FILE = "checkpoint-key.pub"


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def append(
    kind: str,
    *,
    backend: str = "",
    envelope: str = "",
    field_set: str = "",
    actor: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditRecord | None:
    return append_many(
        [
            dict(
                kind=kind,
                backend=backend,
                envelope=envelope,
                field_set=field_set,
                actor=actor,
                detail=detail or {},
            )
        ]
    )[0]


def append_many(items: list[dict[str, Any]]) -> list[AuditRecord | None]:
    """Link several records under one lock of the head (the worker records a batch at a time)."""
    if not items:
        return []
    for item in items:
        if item["kind"] not in KINDS:
            raise ValueError(f"unknown audit kind {item['kind']!r}")
        said = {k: v for k, v in item["detail"].items() if not k.endswith("digest")}  # hex may look numeric
        if contains_personal_number(json.dumps([said, item["actor"]], ensure_ascii=False)):
            raise ValueError("audit records hold masked values or digests, never a full personal number")
    if not settings.ONEVISIT_FERRY_CHAIN:
        return [None] * len(items)  # benchmark comparison only: the exchange without its audit chain
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.append() must run inside the exchange's transaction")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": chain.GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    prev = chain.Link(head.seq, "", "", "", "", "", "", {}, "", head.hash) if head.seq else None
    records, at = [], clock.now()
    for item in items:
        link = chain.make_link(
            prev,
            at=_stamp(at),
            kind=item["kind"],
            backend=item["backend"],
            envelope=item["envelope"],
            field_set=item["field_set"],
            actor=item["actor"],
            detail=item["detail"],
        )
        records.append(
            AuditRecord(
                seq=link.seq,
                at=at,
                kind=link.kind,
                backend=link.backend,
                envelope=link.envelope,
                field_set=link.field_set,
                actor=link.actor,
                detail=dict(link.detail),
                prev_hash=link.prev_hash,
                hash=link.hash,
            )
        )
        prev = link
    AuditRecord.objects.bulk_create(records)
    AuditHead.objects.filter(pk=1).update(seq=prev.seq, hash=prev.hash)
    return records


def as_link(record: AuditRecord) -> chain.Link:
    return chain.Link(
        record.seq,
        _stamp(record.at),
        record.kind,
        record.backend,
        record.envelope,
        record.field_set,
        record.actor,
        record.detail,
        record.prev_hash,
        record.hash,
    )


def stored_links(*, upto: int | None = None, batch: int = 2000) -> Iterator[chain.Link]:
    """Every record in sequence order, streamed in pages so a long chain never sits in memory at once."""
    last = 0
    while True:
        qs = AuditRecord.objects.filter(seq__gt=last)
        page = list((qs.filter(seq__lte=upto) if upto is not None else qs).order_by("seq")[:batch])
        if not page:
            return
        yield from (as_link(r) for r in page)
        last = page[-1].seq


# ---- checkpoints, outside the database ---------------------------------------------------------------------


def _audit_dir() -> Path:
    path = Path(settings.ONEVISIT_AUDIT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class UntrustedKey(ValueError):
    """Verification has no public key it may trust: nothing is checked, the chain is not called intact."""


def _signing_key() -> Ed25519PrivateKey:
    """Generated once at ONEVISIT_AUDIT_SIGNING_KEY (mode 0600; default DATA_DIR/audit_signing_key): only the
    process that signs checkpoints (the ferry worker, `onevisit audit checkpoint`) needs to read it."""
    path = Path(settings.ONEVISIT_AUDIT_SIGNING_KEY)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def public_key() -> Ed25519PublicKey:
    return _signing_key().public_key()


def key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


NOT_PINNED = (
    "未固定检查点公钥：请把公钥保存在数据目录之外，并设置 ONEVISIT_AUDIT_PUBLIC_KEY"
    "（no pinned checkpoint public key: run `onevisit audit pin-key --write PATH` with PATH outside the data"
    " directory and set ONEVISIT_AUDIT_PUBLIC_KEY=PATH）"
)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(Path(folder).resolve())


def _kept_outside(path: Path) -> None:
    for folder, name in ((settings.DATA_DIR, "数据目录"), (settings.ONEVISIT_AUDIT_DIR, "检查点目录")):
        if _inside(path, folder):
            raise UntrustedKey(
                f"检查点公钥 {path} 在{name}之内，须保存在数据和检查点目录之外"
                f"（the pinned public key must be kept outside {folder}）"
            )


def pinned_public_key() -> Ed25519PublicKey:
    """The one key verification trusts: ONEVISIT_AUDIT_PUBLIC_KEY (64 hex digits, or a PEM file kept outside the
    data and checkpoint directories). It never derives one from the private key nor reads the copy published
    beside the checkpoints, except in DEBUG (a developer's machine) when none is pinned."""
    value = settings.ONEVISIT_AUDIT_PUBLIC_KEY
    if not value:
        published = _audit_dir() / PUBLIC_KEY_FILE
        if settings.DEBUG and published.exists():
            return _load_public_pem(published.read_bytes(), published)
        raise UntrustedKey(NOT_PINNED)
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))
    path = Path(value)
    _kept_outside(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UntrustedKey(
            f"无法读取检查点公钥 {path}（cannot read the pinned public key: {exc.strerror}）"
        ) from None
    return _load_public_pem(data, path)


def _load_public_pem(data: bytes, path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise UntrustedKey(f"{path} 不是 Ed25519 公钥（not an Ed25519 public key in PEM）")
    return key


def pin_public_key(path: Path) -> str:
    """Write the signing key's public half to `path`, outside the data and checkpoint directories, for
    ONEVISIT_AUDIT_PUBLIC_KEY; its hex. A file already there holding another key is never replaced: re-pinning
    is what an attacker with a new key would do, so the operator removes the old pin by hand."""
    _kept_outside(path)
    key = public_key()
    if path.exists():
        if _load_public_pem(path.read_bytes(), path).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ) != key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw):
            raise UntrustedKey(f"{path} 已固定了另一把公钥，不会覆盖（{path} already pins another key）")
        return key_hex(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_pem(key))
    return key_hex(key)


def checkpoint() -> chain.Checkpoint | None:
    """Sign the chain's current head and append it to the checkpoint file; None while the chain is empty."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    unsigned = chain.Checkpoint(head.seq, head.hash, _stamp(clock.now()), "")
    signed = chain.Checkpoint(
        **{**unsigned.__dict__, "signature": _signing_key().sign(unsigned.message()).hex()}
    )
    folder = _audit_dir()
    pub = folder / PUBLIC_KEY_FILE
    if not pub.exists():  # published for readers; verification trusts only the pinned key
        pub.write_bytes(_pem(public_key()))
    line = json.dumps(signed.__dict__, sort_keys=True) + "\n"
    fd = os.open(folder / CHECKPOINT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(fd, "a") as fh:  # one short line per write: O_APPEND keeps concurrent writers whole
        fh.write(line)
    return signed


def checkpoints() -> list[chain.Checkpoint]:
    path = _audit_dir() / CHECKPOINT_FILE
    if not path.exists():
        return []
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.append(chain.Checkpoint(**json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"检查点文件第 {number} 行无法解析：{exc}") from None
    return found


def last_checkpoint_seq() -> int:
    marks = checkpoints()
    return max((c.seq for c in marks), default=0)


def signature_ok(cp: chain.Checkpoint, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(bytes.fromhex(cp.signature), cp.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(*, by: str = "", progress: Callable[[], None] | None = None) -> chain.Verdict:
    """Check the stored chain, up to the head as it stands now, against the checkpoints; record the outcome.

    Only checkpoints signed by the pinned key count, and records older than ONEVISIT_AUDIT_CHECKPOINT_GRACE must
    be covered by one: deleting the checkpoints, or signing new ones with a new key, does not make a rewritten
    chain pass. Workers may append while this runs: the head is read first and only records up to it are
    checked, so a busy chain is never reported broken. The head row also tells whether records were cut from
    the tail.
    """
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
    try:
        key = pinned_public_key()
        marks = [cp for cp in checkpoints() if cp.seq <= head_seq]
    except ValueError as exc:  # UntrustedKey, or an unreadable checkpoint file
        verdict = chain.Verdict(False, 0, 0, None, str(exc))
    else:
        links = stored_links(upto=head_seq)
        if progress is not None:
            links = _ticking(links, progress)
        verdict = chain.verify(links, marks, signature_ok=lambda cp: signature_ok(cp, key))
        if verdict.ok and (verdict.checked != head_seq or verdict.last_hash != head_hash):
            verdict = chain.Verdict(
                False,
                verdict.checked,
                verdict.checkpoints,
                verdict.checked + 1,
                f"链头记到第 {head_seq} 条，链只到第 {verdict.checked} 条（尾部被删除或改动）",
            )
        if verdict.ok:
            verdict = _unsigned_too_long(verdict, max((cp.seq for cp in marks), default=0), head_seq)
    with transaction.atomic():
        AuditVerification.objects.create(
            at=clock.now(),
            ok=verdict.ok,
            checked=verdict.checked,
            checkpoints=verdict.checkpoints,
            first_broken=verdict.first_broken,
            reason=verdict.reason[:255],
            by=by,
        )
    return verdict


def _unsigned_too_long(verdict: chain.Verdict, signed_upto: int, head_seq: int) -> chain.Verdict:
    """Records past the last checkpoint are expected only for the checkpoint interval; older ones mean the
    checkpoints that covered them are gone (deleted with a rewrite) or the signer has stopped."""
    grace = settings.ONEVISIT_AUDIT_CHECKPOINT_GRACE
    stale = (
        AuditRecord.objects.filter(
            seq__gt=signed_upto, seq__lte=head_seq, at__lt=clock.now() - timedelta(seconds=grace)
        )
        .order_by("seq")
        .first()
    )
    if stale is None:
        return verdict
    return chain.Verdict(
        False,
        verdict.checked,
        verdict.checkpoints,
        stale.seq,
        f"第 {stale.seq} 条记录写入已超过 {grace} 秒，却没有签名检查点覆盖（检查点被删除或签名进程停止）"
        f"（record {stale.seq} is older than {grace} s and no signed checkpoint covers it）",
    )


def _ticking(links: Iterable[chain.Link], tick: Callable[[], None]) -> Iterator[chain.Link]:
    for link in links:
        tick()
        yield link
