"""The audit chain's pure verification: every alteration, deletion, insertion and swap is detected; an
untouched chain never is."""

from __future__ import annotations

import dataclasses
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onevisit.ferry import chain

KINDS = ["request", "reply", "refusal", "failure", "manual_entry", "backfill"]


def build(n: int, rng: random.Random) -> list[chain.Link]:
    links, prev = [], None
    for i in range(n):
        prev = chain.make_link(
            prev,
            at=f"2026-11-22T08:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+00:00",
            kind=rng.choice(KINDS),
            backend=rng.choice(["population", "social_insurance", "payment"]),
            envelope=f"env-{i}",
            field_set="identity@v1",
            actor="worker",
            detail={"status": "ok", "attempt": rng.randint(1, 3)},
        )
        links.append(prev)
    return links


def signer():
    key = Ed25519PrivateKey.generate()

    def sign(link: chain.Link) -> chain.Checkpoint:
        unsigned = chain.Checkpoint(link.seq, link.hash, "2026-11-22T09:00:00+00:00", "")
        return dataclasses.replace(unsigned, signature=key.sign(unsigned.message()).hex())

    def ok(cp: chain.Checkpoint) -> bool:
        try:
            key.public_key().verify(bytes.fromhex(cp.signature), cp.message())
        except Exception:
            return False
        return True

    return sign, ok


def rechain(links: list[chain.Link], start: int) -> list[chain.Link]:
    """What a careful attacker does after a change: renumber and re-hash everything from `start` on."""
    out = links[:start]
    prev = out[-1] if out else None
    for link in links[start:]:
        content = {k: getattr(link, k) for k in chain.CONTENT_KEYS if k != "seq"}
        prev = chain.make_link(prev, **content)
        out.append(prev)
    return out


def mutate(links: list[chain.Link], rng: random.Random) -> tuple[list[chain.Link], str]:
    links = list(links)
    n = len(links)
    op = rng.choice(
        [
            "alter",
            "alter_hash",
            "delete",
            "insert",
            "swap",
            "alter_rechain",
            "delete_rechain",
            "insert_rechain",
            "swap_rechain",
            "truncate",
        ]
    )
    i = rng.randrange(n)
    if op == "alter":
        field = rng.choice(["kind", "backend", "envelope", "actor", "detail", "at"])
        value = {"detail": {"status": "refused"}, "at": "2026-01-01T00:00:00.000000+00:00"}.get(
            field, "tampered"
        )
        links[i] = dataclasses.replace(links[i], **{field: value})
    elif op == "alter_hash":
        links[i] = dataclasses.replace(
            links[i], hash=("f" if links[i].hash[0] != "f" else "e") + links[i].hash[1:]
        )
    elif op == "delete":
        del links[i]
    elif op == "insert":
        prev = links[i - 1] if i else None
        forged = chain.make_link(
            prev,
            at=links[i].at,
            kind="reply",
            backend="population",
            envelope="forged",
            field_set="identity@v1",
            actor="intruder",
            detail={},
        )
        links.insert(i, forged)
    elif op == "swap":
        j = rng.choice([k for k in range(n) if k != i])
        links[i], links[j] = links[j], links[i]
    elif op == "alter_rechain":
        links[i] = dataclasses.replace(links[i], detail={"status": "not_found"})
        links = rechain(links, i)
    elif op == "delete_rechain":
        del links[i]
        links = rechain(links, i)
    elif op == "insert_rechain":
        links.insert(i, dataclasses.replace(links[i], envelope="forged"))
        links = rechain(links, i)
    elif op == "swap_rechain":
        j = rng.choice([k for k in range(n) if k != i])
        links[i], links[j] = links[j], links[i]
        links = rechain(links, min(i, j))
    else:  # truncate the tail
        links = links[: rng.randrange(n)]
    return links, op


def test_untouched_chains_always_verify():
    rng = random.Random(1)
    sign, ok = signer()
    for n in (0, 1, 2, 17, 300):
        links = build(n, rng)
        marks = [sign(links[k]) for k in range(49, n, 50)] + ([sign(links[-1])] if links else [])
        verdict = chain.verify(links, marks, signature_ok=ok)
        assert verdict.ok, verdict
        assert verdict.checked == n and verdict.first_broken is None


def test_a_thousand_random_tamperings_are_all_detected():
    rng = random.Random(20261122)
    sign, ok = signer()
    original = build(200, rng)
    # Checkpoints every 50 records and at the head, as the worker writes them.
    marks = [sign(original[k]) for k in (49, 99, 149, 199)]
    assert chain.verify(original, marks, signature_ok=ok).ok
    seen = set()
    for _ in range(1000):
        tampered, op = mutate(original, rng)
        seen.add(op)
        verdict = chain.verify(tampered, marks, signature_ok=ok)
        assert not verdict.ok, f"{op} went undetected"
        assert verdict.first_broken is not None and 1 <= verdict.first_broken <= 200
        assert chain.verify(original, marks, signature_ok=ok).ok  # the original copy is never flagged
    assert len(seen) == 10


def test_the_first_broken_record_is_named():
    rng = random.Random(3)
    links = build(30, rng)
    links[11] = dataclasses.replace(links[11], actor="someone-else")
    verdict = chain.verify(links)
    assert (verdict.ok, verdict.first_broken) == (False, 12)
    assert "内容被改动" in verdict.reason


def test_deleted_record_is_named_by_its_position():
    links = build(10, random.Random(4))
    del links[4]
    verdict = chain.verify(links)
    assert verdict.first_broken == 5 and "缺失" in verdict.reason


def test_a_forged_checkpoint_is_refused():
    links = build(5, random.Random(5))
    sign, ok = signer()
    forged = dataclasses.replace(sign(links[-1]), hash="0" * 64)
    verdict = chain.verify(links, [forged], signature_ok=ok)
    assert not verdict.ok and "签名无效" in verdict.reason


@pytest.mark.parametrize("n", [1, 50])
def test_make_link_is_deterministic(n):
    a, b = build(n, random.Random(7)), build(n, random.Random(7))
    assert [x.hash for x in a] == [y.hash for y in b]


# ---- what mutation testing showed unpinned: the canonical form of the hash and every field of each verdict ----

FIRST = dict(
    at="2026-11-22T08:00:00.000000+00:00",
    kind="request",
    backend="population",
    envelope="env-1",
    field_set="identity@v1",
    actor="窗口 1",
    detail={"status": "已受理", "attempt": 1},
)


def test_the_link_hash_is_sha256_of_the_previous_hash_and_compact_utf8_json():
    # Computed by hand: sha256("0"*64 + '{"actor":"窗口 1","at":...,"seq":1}') with sorted keys, no spaces, UTF-8.
    link = chain.make_link(None, **FIRST)
    assert (link.seq, link.prev_hash) == (1, chain.GENESIS)
    assert link.hash == "b5b1b3ac5d78d172cd4ea0f867cd8fa046d944bbcf6f47657f7682558766a673"
    second = chain.make_link(link, **{**FIRST, "envelope": "env-2"})
    assert (second.seq, second.prev_hash) == (2, link.hash)


def chain_of(n: int) -> list[chain.Link]:
    return build(n, random.Random(7))


def test_an_intact_chain_gives_its_length_checkpoints_and_last_hash():
    links = chain_of(5)
    sign, ok = signer()
    verdict = chain.verify(links, [sign(links[1]), sign(links[3])], signature_ok=ok)
    assert verdict == chain.Verdict(True, 5, 2, None, "", links[-1].hash)
    assert chain.verify([]) == chain.Verdict(True, 0, 0, None, "", chain.GENESIS)


def test_a_bad_signature_is_named_before_any_link_is_read():
    links = chain_of(3)
    sign, ok = signer()
    forged = dataclasses.replace(sign(links[1]), signature="00" * 64)
    assert chain.verify(links, [sign(links[0]), forged], signature_ok=ok) == chain.Verdict(
        False, 0, 1, None, "检查点 2 的签名无效（检查点文件被改动）"
    )


def test_two_checkpoints_with_different_hashes_for_one_record_are_refused():
    links = chain_of(3)
    sign, ok = signer()
    other = sign(dataclasses.replace(links[1], hash="f" * 64))
    assert chain.verify(links, [sign(links[0]), sign(links[1]), other], signature_ok=ok) == chain.Verdict(
        False, 0, 2, None, "检查点 2 有两个不同的哈希"
    )
    assert chain.verify(links, [sign(links[1]), sign(links[1])], signature_ok=ok).ok is True


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ls: ls[:2] + ls[3:], (2, 3, "第 3 条记录缺失或被删除（实际序号 4）")),
        (lambda ls: ls[:3] + [ls[2]] + ls[3:], (3, 4, "第 4 条记录重复、插入或顺序被调换（实际序号 3）")),
        (lambda ls: ls[:2] + [ls[3], ls[2]] + ls[4:], (2, 3, "第 3 条记录缺失或被删除（实际序号 4）")),
        (
            lambda ls: ls[:2] + [dataclasses.replace(ls[2], prev_hash="0" * 64)] + ls[3:],
            (2, 3, "第 3 条记录与前一条的链接断开"),
        ),
        (
            lambda ls: ls[:2] + [dataclasses.replace(ls[2], actor="someone else")] + ls[3:],
            (2, 3, "第 3 条记录的内容被改动"),
        ),
    ],
)
def test_each_break_names_the_first_bad_record_and_what_happened(edit, expected):
    links = chain_of(5)
    checked, first_broken, reason = expected
    assert chain.verify(edit(links)) == chain.Verdict(False, checked, 0, first_broken, reason)


def test_a_record_one_ahead_of_its_place_is_missing_not_reordered():
    links = chain_of(3)
    assert chain.verify(links[1:]).reason == "第 1 条记录缺失或被删除（实际序号 2）"


def test_a_rewritten_chain_is_caught_by_the_checkpoint_and_a_truncated_one_by_the_tail():
    links = chain_of(5)
    sign, ok = signer()
    marks = [sign(links[2]), sign(links[4])]
    rewritten = rechain(links[:1] + [dataclasses.replace(links[1], actor="x")] + links[2:], 1)
    assert chain.verify(rewritten, marks, signature_ok=ok) == chain.Verdict(
        False, 2, 2, 3, "第 3 条记录与签名检查点不符（链被重写）"
    )
    assert chain.verify(links[:3], marks, signature_ok=ok) == chain.Verdict(
        False, 3, 2, 4, "检查点记到第 5 条，链只到第 3 条（尾部被截断）"
    )
    assert chain.verify(links[:2], [sign(links[3]), sign(links[2])], signature_ok=ok).reason == (
        "检查点记到第 3 条，链只到第 2 条（尾部被截断）"
    )
