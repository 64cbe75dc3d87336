"""Ferry throughput: envelopes per second the data ferry delivers, with its audit chain on and off.

Runs on PostgreSQL (a scratch database it creates and drops) with `--workers` `onevisit worker` processes
(default 2) against the REST legacy simulator, which runs in a process of its own (`onevisit legacy-sim`).
Each round truncates the ferry tables, starts a fresh simulator and the workers (chain on or off through
ONEVISIT_FERRY_CHAIN, for them and for the enqueueing here), holds the back end's breaker open while it
enqueues `--envelopes` envelopes in one transaction, vacuums, then closes the breaker and times from that
commit until every envelope is delivered: start-up and enqueueing are not timed. Chain off and on alternate
for `--rounds` rounds each; the best round of each is compared (medians are printed too):

    chain cost = 1 - (chain-on envelopes/s) / (chain-off envelopes/s), required below 20%

That is the delivery side (the workers' 'reply' records, checkpoints, the head lock). The 'request' records
are written by services.submit while enqueueing, which is not timed; its rates are printed for reference.
On a small machine the rounds scatter by 10-20%: use more `--rounds` before trusting a close call.

PASS/FAIL against that limit is printed but the exit status stays 0; it is 1 only when the run is broken
(an envelope not delivered, one applied twice by the back end, audit records that do not add up). Usage:

    .venv/bin/python benchmarks/ferry_throughput.py [--envelopes 4000] [--rounds 2] [--workers 2]
        [--batch 100] [--poll 0.05] [--profile DIR]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from onevisit import config

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "onevisit"]
FERRY_DATA = ROOT / "data" / "ferry"
BACKEND, FIELD_SET = "social_insurance", "insurance_status"
LIMIT_PERCENT = 20.0

console = Console(highlight=False)


class Broken(Exception):
    """The run itself went wrong: the numbers would mean nothing."""


@dataclass
class Round:
    number: int
    chain: bool
    envelopes: int
    enqueue_seconds: float = 0.0
    seconds: float = 0.0
    audit_records: int = 0
    redelivered: int = 0
    per_worker: list[int] = field(default_factory=list)
    sim_deliveries: int = 0
    sim_duplicates: int = 0
    failed_rounds: int = 0  # worker rounds that raised and were retried (logged on the workers' stderr)

    @property
    def rate(self) -> float:
        return self.envelopes / self.seconds

    @property
    def label(self) -> str:
        return "on " if self.chain else "off"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- scratch database ----------------------------------------------------------------------------------------


def create_database(admin_url: str) -> tuple[str, str]:
    name = f"onevisit_ferry_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


FERRY_TABLES = (
    "ferry_manualentry",
    "ferry_envelope",
    "ferry_auditrecord",
    "ferry_audithead",
    "ferry_backend",
)


def reset_ferry_tables() -> None:
    """An empty outbox and an empty chain (a fresh head row at genesis); the back end's breaker held open, so
    the workers claim nothing until release() - no audit record, the row is set directly."""
    from django.db import connection

    from onevisit.core import appendonly

    # The audit records are append-only: this scratch database's owner empties them past the triggers.
    with appendonly.lifted(connection, ["ferry_auditrecord"]), connection.cursor() as cursor:
        cursor.execute("TRUNCATE ferry_manualentry, ferry_envelope, ferry_auditrecord, ferry_audithead")
        cursor.execute("INSERT INTO ferry_audithead (id, seq, hash) VALUES (1, 0, %s)", ["0" * 64])
        cursor.execute(
            "UPDATE ferry_backend SET breaker = 'open', held = true, failures = 0, opened_at = NULL "
            "WHERE code = %s",
            [BACKEND],
        )


def release() -> None:
    """The start gun: vacuum away what enqueueing left behind, then close the breaker.

    Enqueueing N envelopes in one transaction updates the chain head N times inside it, leaving N dead row
    versions that single-envelope transactions (and autovacuum, off on some servers) would never leave:
    vacuumed here so the chain-on rounds do not pay for the benchmark's own shortcut.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(FERRY_TABLES)}")
        cursor.execute("UPDATE ferry_backend SET breaker = 'closed', held = false WHERE code = %s", [BACKEND])


# ---- the simulator, in a process of its own ------------------------------------------------------------------


class Simulator:
    """`onevisit legacy-sim`: REST on a known port, plus the control port whose GET /faults has the counters."""

    def __init__(self, env: dict[str, str], workdir: Path, tag: str) -> None:
        self.rest_port, self.control_port = free_port(), free_port()
        self.log = open(workdir / f"legacy-sim-{tag}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                *CLI,
                "legacy_sim",
                "--soap-port",
                "0",
                "--rest-port",
                str(self.rest_port),
                "--control-port",
                str(self.control_port),
                "--exchange-dir",
                str(workdir / f"exchange-{tag}"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise Broken(f"legacy simulator exited ({self.process.returncode}); see {self.log.name}")
            try:
                self.counters()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise Broken("legacy simulator did not come up within 60 s") from None
                time.sleep(0.1)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}/"

    def counters(self) -> dict:
        url = f"http://127.0.0.1:{self.control_port}/faults"
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.loads(answer.read())[BACKEND]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# ---- workers -------------------------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path


def start_workers(env: dict[str, str], args: argparse.Namespace, tag: str, workdir: Path) -> list[Worker]:
    workers = []
    for i in range(1, args.workers + 1):
        python = [sys.executable]
        if args.profile:
            python += ["-m", "cProfile", "-o", str(args.profile / f"worker-{tag}-{i}.prof")]
        command = [
            *python,
            "-m",
            "onevisit",
            "worker",
            "--batch",
            str(args.batch),
            "--poll",
            str(args.poll),
            "--name",
            f"bench-{tag}-{i}",
            "-v1",
        ]
        log = workdir / f"worker-{tag}-{i}.log"  # a file, not a pipe: a chatty worker must never block on it
        with open(log, "wb") as err:
            process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        workers.append(Worker(process, log))
    deadline = time.monotonic() + 60
    for worker in workers:  # "ferry worker … started" comes once Django is set up
        ready, _, _ = select.select([worker.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = worker.process.stdout.readline() if ready else ""
        if "started" not in line:
            stop_workers(workers)
            raise Broken(f"a worker did not start: {line!r} {worker.log.read_text()[-2000:]}")
    time.sleep(1.0)  # a few empty polls: connections open, imports done, idle
    return workers


def stop_workers(workers: list[Worker]) -> list[tuple[int | None, str, str]]:
    """SIGTERM (each finishes its round and stops cleanly); returns (exit status, stdout, stderr) of each."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.terminate()
    results = []
    for worker in workers:
        try:
            out, _ = worker.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            out, _ = worker.process.communicate()
        results.append((worker.process.returncode, out, worker.log.read_text(errors="replace")))
    return results


# ---- one round -----------------------------------------------------------------------------------------------


def enqueue(n: int, chain: bool, people: list[str], tag: str, progress: Progress, label: str) -> float:
    """N envelopes in one transaction, the chain on or off as the workers have it; returns its duration."""
    from django.db import transaction
    from django.test import override_settings

    from onevisit.ferry import services

    task = progress.add_task(f"{label} enqueue", total=n)
    started = time.perf_counter()
    with override_settings(ONEVISIT_FERRY_CHAIN=chain), transaction.atomic():
        for i in range(n):
            services.submit(
                actor=None,
                backend=BACKEND,
                field_set_code=FIELD_SET,
                operation="query",
                payload={"resident_id": people[i % len(people)]},
                idempotency_key=f"{tag}-{i}",
            )
            if i % 50 == 49:
                progress.update(task, completed=i + 1)
    progress.update(task, completed=n)
    return time.perf_counter() - started


def wait_delivered(n: int, workers: list[Worker], timeout: float, progress: Progress, label: str) -> float:
    """Seconds from now until no envelope is left pending or sending (polled every 0.1 s)."""
    from onevisit.ferry.models import Envelope

    task = progress.add_task(f"{label} deliver", total=n)
    started = time.perf_counter()
    while True:
        left = Envelope.objects.filter(status__in=[Envelope.Status.PENDING, Envelope.Status.SENDING]).count()
        elapsed = time.perf_counter() - started
        progress.update(task, completed=n - left)
        if left == 0:
            return elapsed
        if any(w.process.poll() is not None for w in workers):
            raise Broken(f"a worker exited during delivery with {left} envelope(s) left")
        if elapsed > timeout:
            raise Broken(f"{left} of {n} envelope(s) still undelivered after {timeout:g} s")
        time.sleep(0.1)


def run_round(
    number: int, chain: bool, args: argparse.Namespace, env: dict[str, str], workdir: Path, people: list[str]
) -> Round:
    from onevisit.ferry.models import Backend

    n, tag = args.envelopes, f"r{number}-chain-{'on' if chain else 'off'}"
    result = Round(number, chain, n)
    audit_dir = workdir / f"audit-{tag}"  # fresh checkpoints: the chain restarts at genesis every round
    reset_ferry_tables()
    # A fresh simulator every round: its ledger (journal, nonces) starts empty, so no round inherits the
    # previous one's state, and its counters are this round's alone.
    sim = Simulator(env, workdir, tag)
    try:
        Backend.objects.filter(code=BACKEND).update(address=sim.address, timeout_seconds=5.0)
        worker_env = {
            **env,
            "ONEVISIT_FERRY_CHAIN": "1" if chain else "0",
            "ONEVISIT_AUDIT_DIR": str(audit_dir),
        }
        _deliver(result, chain, args, worker_env, tag, workdir, people)
        counters = sim.counters()
    finally:
        sim.stop()
    _check(result, counters, audit_dir)
    return result


def _deliver(
    result: Round,
    chain: bool,
    args: argparse.Namespace,
    worker_env: dict[str, str],
    tag: str,
    workdir: Path,
    people: list[str],
) -> None:
    n, number = result.envelopes, result.number
    workers = start_workers(worker_env, args, tag, workdir)
    try:
        label = f"  round {number} chain {result.label.strip()}"
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            refresh_per_second=4,
        ) as progress:
            result.enqueue_seconds = enqueue(n, chain, people, tag, progress, label)
            release()
            result.seconds = wait_delivered(n, workers, args.timeout, progress, label)  # from the release
    except Broken as exc:
        tails = [
            f"worker {i} ({code}): {err[-1500:]}" for i, (code, _, err) in enumerate(stop_workers(workers), 1)
        ]
        raise Broken(f"{exc}\n" + "\n".join(tails)) from None
    except BaseException:
        stop_workers(workers)
        raise
    stopped = stop_workers(workers)
    for i, (code, out, err) in enumerate(stopped, 1):
        if code != 0:
            raise Broken(f"worker {i} exited with {code}: {err[-2000:]}")
        result.failed_rounds += err.count("round failed")
        total = [int(w) for w in out.split() if w.isdigit()]
        result.per_worker.append(total[-1] if total else -1)


def _check(result: Round, counters: dict, audit_dir: Path) -> None:
    """Exactly once, nothing lost, and the chain as the mode says: else the round's numbers mean nothing."""
    from django.test import override_settings

    from onevisit.ferry import audit
    from onevisit.ferry.models import AuditRecord, Envelope

    n, number, chain = result.envelopes, result.number, result.chain
    problems = []
    delivered_ok = Envelope.objects.filter(status=Envelope.Status.DELIVERED, reply_status="ok").count()
    if Envelope.objects.count() != n or delivered_ok != n:
        problems.append(f"{delivered_ok} of {n} envelopes delivered with an 'ok' reply")
    result.redelivered = Envelope.objects.filter(attempts__gt=1).count()
    if counters["applied"] != n:
        problems.append(f"the back end applied {counters['applied']} envelopes, expected {n}")
    if counters["applied_more_than_once"]:
        problems.append(f"applied more than once: {len(counters['applied_more_than_once'])} key(s)")
    if counters["refusals"]:
        problems.append(f"the back end refused {counters['refusals']} delivery(ies)")
    result.sim_deliveries, result.sim_duplicates = counters["deliveries"], counters["duplicates"]
    result.audit_records = AuditRecord.objects.count()
    if chain:
        kinds = {k: AuditRecord.objects.filter(kind=k).count() for k in ("request", "reply")}
        if result.audit_records != 2 * n or kinds != {"request": n, "reply": n}:
            problems.append(f"chain on: {result.audit_records} audit records {kinds}, expected {n} + {n}")
        with override_settings(ONEVISIT_AUDIT_DIR=audit_dir):
            verdict = audit.verify(by="ferry_throughput")
        if not verdict.ok or verdict.checked != 2 * n:
            problems.append(f"chain verification failed: {verdict.reason or verdict.checked}")
    elif result.audit_records:
        problems.append(f"chain off, yet {result.audit_records} audit records were written")
    if problems:
        raise Broken(f"round {number} (chain {result.label.strip()}): " + "; ".join(problems))


# ---- main ----------------------------------------------------------------------------------------------------


def code_version() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+local changes in src" if dirty else "")


def summary(rounds: list[Round], args: argparse.Namespace, pg_version: str, version: str) -> None:
    print()
    print(
        f"ferry throughput (code {version}): {args.envelopes} envelopes per round, {args.workers} workers "
        f"(batch {args.batch}, poll {args.poll:g} s), REST simulator in its own process, "
        f"PostgreSQL {pg_version}, {os.cpu_count()} CPU(s)"
        + (" [workers under cProfile: not representative]" if args.profile else "")
    )
    for r in rounds:
        print(
            f"  round {r.number} chain {r.label}: {r.seconds:6.2f} s  {r.rate:6.0f} env/s   "
            f"(enqueue {r.enqueue_seconds:5.1f} s; audit records {r.audit_records}; per worker "
            f"{'/'.join(map(str, r.per_worker))}; redelivered {r.redelivered}; back-end deliveries "
            f"{r.sim_deliveries}, duplicates {r.sim_duplicates}"
            + (f"; worker rounds failed and retried {r.failed_rounds}" if r.failed_rounds else "")
            + ")"
        )
    on = [r.rate for r in rounds if r.chain]
    off = [r.rate for r in rounds if not r.chain]
    best_on, best_off = max(on), max(off)
    med_on, med_off = statistics.median(on), statistics.median(off)
    ratio = best_on / best_off
    cost = (1 - ratio) * 100
    print(
        f"chain on : {best_on:6.0f} env/s best, {med_on:6.0f} median, {min(on):.0f}-{max(on):.0f} over {len(on)}"
    )
    print(
        f"chain off: {best_off:6.0f} env/s best, {med_off:6.0f} median, {min(off):.0f}-{max(off):.0f} over {len(off)}"
    )
    print(
        f"ratio on/off {ratio:.2f} (chain costs {cost:.1f}%; medians: {med_on / med_off:.2f}, "
        f"{(1 - med_on / med_off) * 100:.1f}%)"
    )
    enq_on = statistics.median(r.envelopes / r.enqueue_seconds for r in rounds if r.chain)
    enq_off = statistics.median(r.envelopes / r.enqueue_seconds for r in rounds if not r.chain)
    print(
        f"(not timed above: enqueueing through services.submit, one transaction, median: chain on "
        f"{enq_on:.0f} env/s, off {enq_off:.0f} env/s; the 'request' half of the chain is written there)"
    )
    verdict = "PASS" if cost < LIMIT_PERCENT else "FAIL"
    print(f"{verdict}: the chain must cost under {LIMIT_PERCENT:g}% of throughput (best rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--envelopes", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per mode (off and on alternate)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=300, help="seconds a round may take to deliver")
    parser.add_argument("--profile", type=Path, help="run the workers under cProfile, .prof files here")
    parser.add_argument(
        "--admin-url",
        default=config.load().ONEVISIT_TEST_DATABASE_URL or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    version = code_version()
    workdir = Path(tempfile.mkdtemp(prefix="onevisit-ferry-bench-"))
    name, url = create_database(args.admin_url)
    broken = None
    rounds: list[Round] = []
    try:
        env = {k: v for k, v in os.environ.items() if k != "ONEVISIT_FERRY_CHAIN"}
        env |= {
            "DJANGO_SETTINGS_MODULE": "onevisit.settings",
            "DATABASE_URL": url,
            # One data dir, so this process, the workers and the simulators derive the same keys.
            "ONEVISIT_DATA_DIR": str(workdir / "data"),
            "ONEVISIT_AUDIT_DIR": str(workdir / "audit"),
            "ONEVISIT_EXCHANGE_DIR": str(workdir / "exchange"),
            # The checkpoints' signing key apart, its public half pinned outside the data dir (below).
            "ONEVISIT_AUDIT_SIGNING_KEY": str(workdir / "signer" / "audit_signing_key"),
            "ONEVISIT_AUDIT_PUBLIC_KEY": str(workdir / "pinned" / "checkpoint-key.pub"),
        }
        print(f"scratch database {name}; migrating …", flush=True)
        subprocess.run([*CLI, "migrate", "-v0"], env=env, check=True, stdout=subprocess.DEVNULL)
        os.environ.clear()
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        from onevisit.ferry import audit, services
        from onevisit.simulators.legacy.ledger import load_population

        audit.pin_public_key(workdir / "pinned" / "checkpoint-key.pub")
        services.load(FERRY_DATA)
        people = list(load_population(FERRY_DATA / "population.yaml"))
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0].split()[0]
        order = [chain for _ in range(args.rounds) for chain in (False, True)]
        for number, chain in enumerate(order, 1):
            rounds.append(run_round(number, chain, args, env, workdir, people))
            r = rounds[-1]
            print(f"  round {number} chain {r.label}: {r.rate:.0f} env/s ({r.seconds:.2f} s)", flush=True)
    except Broken as exc:
        broken = str(exc)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_database(args.admin_url, name)
        shutil.rmtree(workdir, ignore_errors=True)
    if rounds and any(r.chain for r in rounds) and any(not r.chain for r in rounds):
        summary(rounds, args, pg_version, version)
    print(f"took {time.perf_counter() - started:.0f} s")
    if broken:
        print(f"BROKEN: {broken}")
        sys.exit(1)


if __name__ == "__main__":
    main()
