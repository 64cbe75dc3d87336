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
            prev, at=f"2026-11-22T08:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+00:00", kind=rng.choice(KINDS),
            backend=rng.choice(["population", "social_insurance", "payment"]), envelope=f"env-{i}",
            field_set="identity@v1", actor="worker", detail={"status": "ok", "attempt": rng.randint(1, 3)},
        )  # fmt: skip
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
    op = rng.choice(["alter", "alter_hash", "delete", "insert", "swap", "alter_rechain", "delete_rechain",
                     "insert_rechain", "swap_rechain", "truncate"])  # fmt: skip
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
        forged = chain.make_link(prev, at=links[i].at, kind="reply", backend="population", envelope="forged",
                                 field_set="identity@v1", actor="intruder", detail={})  # fmt: skip
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
