"""The ferry's audit chain in the database, its signed checkpoints on disk, and verification.

Appends take the chain head's row lock, so links are made one at a time across every process; an append runs
inside the caller's transaction, so the record and the exchange it describes land (or vanish) together.
Checkpoints are Ed25519-signed lines in ONEVISIT_AUDIT_DIR/checkpoints.jsonl, outside the database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
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


def _signing_key() -> Ed25519PrivateKey:
    """Generated once and kept in DATA_DIR (mode 0600); the public half is published beside the checkpoints."""
    path = Path(settings.DATA_DIR) / "audit_signing_key"
    if not path.exists():
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


def pinned_public_key() -> Ed25519PublicKey | None:
    """The key published beside the checkpoints when the first one was signed; verification trusts only it
    (it never derives one from, or creates, the private key)."""
    path = _audit_dir() / PUBLIC_KEY_FILE
    if not path.exists():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    return key


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
    if not pub.exists():
        pub.write_bytes(
            public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
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


def signature_ok(cp: chain.Checkpoint, key: Ed25519PublicKey | None = None) -> bool:
    key = key or pinned_public_key()
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(cp.signature), cp.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(*, by: str = "", progress: Callable[[], None] | None = None) -> chain.Verdict:
    """Check the stored chain, up to the head as it stands now, against the checkpoints; record the outcome.

    Workers may append while this runs: the head is read first and only records up to it are checked, so a
    busy chain is never reported broken. The head row also tells whether records were cut from the tail.
    """
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
    try:
        marks = [cp for cp in checkpoints() if cp.seq <= head_seq]
        key = pinned_public_key() if marks else None
    except ValueError as exc:
        verdict = chain.Verdict(False, 0, 0, None, str(exc))
    else:
        if marks and key is None:
            verdict = chain.Verdict(False, 0, 0, None, f"有检查点但缺少公钥文件 {PUBLIC_KEY_FILE}")
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


def _ticking(links: Iterable[chain.Link], tick: Callable[[], None]) -> Iterator[chain.Link]:
    for link in links:
        tick()
        yield link
