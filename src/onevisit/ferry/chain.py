"""The audit chain, as pure functions: how a link's hash is made and how a whole chain is verified.

Each link's hash is SHA-256(previous hash + canonical JSON of the link's content, its sequence number
included). Changing, deleting, inserting or reordering a link breaks the next comparison. An attacker who
rewrites every later link consistently is caught by the signed checkpoints, which are kept outside the
database: a checkpoint names a sequence number and the hash the chain had there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
CONTENT_KEYS = ("seq", "at", "kind", "backend", "envelope", "field_set", "actor", "detail")


@dataclass(frozen=True)
class Link:
    seq: int
    at: str  # ISO 8601, UTC, microseconds
    kind: str
    backend: str
    envelope: str
    field_set: str
    actor: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in CONTENT_KEYS}


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    signature: str

    def message(self) -> bytes:
        return f"onevisit-audit-checkpoint:{self.seq}:{self.hash}:{self.at}".encode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    checkpoints: int
    first_broken: int | None = None  # the sequence number (position) of the first record that fails
    reason: str = ""
    last_hash: str = GENESIS  # the hash of the last record checked


def link_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    body = json.dumps(dict(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + body.encode()).hexdigest()


def make_link(prev: Link | None, **content: Any) -> Link:
    """The link that follows prev (None: the first link)."""
    prev_hash = prev.hash if prev else GENESIS
    content["seq"] = prev.seq + 1 if prev else 1
    return Link(**content, prev_hash=prev_hash, hash=link_hash(prev_hash, content))


def verify(
    links: Iterable[Link],
    checkpoints: Iterable[Checkpoint] = (),
    *,
    signature_ok: Callable[[Checkpoint], bool] = lambda _: True,
) -> Verdict:
    """Walk the chain once, in stored order; name the first record that breaks it."""
    marks: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        if not signature_ok(cp):
            return Verdict(False, 0, len(marks), None, f"检查点 {cp.seq} 的签名无效（检查点文件被改动）")
        if cp.seq in marks and marks[cp.seq].hash != cp.hash:
            return Verdict(False, 0, len(marks), None, f"检查点 {cp.seq} 有两个不同的哈希")
        marks[cp.seq] = cp
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for link in links:
        position = expected_seq
        if link.seq != expected_seq:
            what = "缺失或被删除" if link.seq > expected_seq else "重复、插入或顺序被调换"
            return Verdict(
                False, checked, len(marks), position, f"第 {position} 条记录{what}（实际序号 {link.seq}）"
            )
        if link.prev_hash != prev_hash:
            return Verdict(False, checked, len(marks), position, f"第 {position} 条记录与前一条的链接断开")
        if link_hash(link.prev_hash, link.content()) != link.hash:
            return Verdict(False, checked, len(marks), position, f"第 {position} 条记录的内容被改动")
        mark = marks.get(link.seq)
        if mark is not None and mark.hash != link.hash:
            return Verdict(
                False, checked, len(marks), position, f"第 {position} 条记录与签名检查点不符（链被重写）"
            )
        prev_hash, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
    beyond = [seq for seq in marks if seq > checked]
    if beyond:
        return Verdict(
            False,
            checked,
            len(marks),
            checked + 1,
            f"检查点记到第 {min(beyond)} 条，链只到第 {checked} 条（尾部被截断）",
        )
    return Verdict(True, checked, len(marks), last_hash=prev_hash)
