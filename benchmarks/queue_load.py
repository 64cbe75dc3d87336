"""Queue load: guide desks issue and windows call, accept and complete over HTTP against `onevisit serve`.

Runs on PostgreSQL (a scratch database it creates and drops) with 4 worker processes, then the same load with
1 worker as the peer, and prints operations per second, p50/p99 latency, and the tickets called twice or lost
(both must be 0). Usage:

    .venv/bin/python benchmarks/queue_load.py [--seconds 20] [--desks 4] [--windows 8]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from onevisit import config

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "onevisit"]
PASSWORD = "onevisit-demo"
# The fields of each window-completed matter that the guide desk did not take: typed (F8) before completion (F10).
_EMPLOYER = {"employer_name": "示范科技有限公司", "employer_credit_code": "91330108MA2H0XXX0X"}
FORMS = {
    "cbdj": {
        **_EMPLOYER,
        "address": "滨江区江南大道1号",
        "employment_start": "2026-11-01",
        "insurance_types": "养老",
    },
    "jfhd": {
        **_EMPLOYER,
        "monthly_wage": "8000",
        "contribution_base": "8000",
        "disability_cert_no": "无",
        "disability_level": "四级",
        "hukou_address": "滨江区江南大道1号",
    },
}
SETUP = """
from django.contrib.auth.models import Group, User
from onevisit.accounts.models import Hall, Staff, Window
from onevisit.queueing.models import Queue
hall = Hall.objects.get(code="demo")
user, _ = User.objects.get_or_create(username="yace")
user.set_password("onevisit-demo"); user.save(); user.groups.add(Group.objects.get(name="clerk"))
Staff.objects.get_or_create(user=user, defaults={{"hall": hall, "display_name": "压测窗口"}})  # no fixed window
for i in range(4, {windows} + 1):
    w, _ = Window.objects.get_or_create(hall=hall, code=f"w{{i}}", defaults={{"name": f"{{i}}号窗口"}})
    for q in Queue.objects.filter(hall=hall):
        q.windows.add(w)
"""


def resident_id(rng: random.Random) -> str:
    weights, checks = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
    first17 = f"110105{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + checks[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(admin_url: str, windows: int) -> dict:
    name = f"onevisit_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ONEVISIT_DEMO": "1",
        "ONEVISIT_DATA_DIR": str(ROOT / "var" / "bench"),
    }
    for args in (["migrate", "-v0"], ["catalog", "-v0", "import", str(ROOT / "data" / "catalog")], ["demo"]):
        subprocess.run([*CLI, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*CLI, "shell", "-c", SETUP.format(windows=windows)], env=env, check=True)
    return {"env": env, "name": name}


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def login(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.get("/login/")
    client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


class Load:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.issued: list[str] = []
        self.called: list[str] = []
        self.errors: Counter = Counter()

    def timed(self, call):
        start = time.perf_counter()
        response = call()
        with self.lock:
            self.latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                self.errors[response.status_code] += 1
        return response


def desk(base: str, load: Load, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    client = login(base, "daoban")
    matters = {"cbdj": ["ldht", "hkb", "zp"], "gxzy": ["jfpz", "sqb"], "jfhd": ["sbb", "gzmx"]}
    while not stop.is_set():
        matter = rng.choice(list(matters))
        body = {
            "matter": matter,
            "materials": matters[matter],
            "name": "压测",
            "resident_id": resident_id(rng),
            "phone": "13800000000",
        }
        response = load.timed(lambda b=body: client.post("/api/intake/prereviews", json=b))
        if response.status_code == 201 and response.json()["ticket"]:
            with load.lock:
                load.issued.append(response.json()["ticket"]["number"])


def window(base: str, load: Load, stop: threading.Event, drain_until: list[float], code: str) -> None:
    client = login(base, "yace")
    while True:
        response = load.timed(lambda: client.post(f"/api/queueing/windows/{code}/call-next"))
        ticket = response.json().get("ticket") if response.status_code == 200 else None
        if ticket is None:
            if stop.is_set() and time.monotonic() > drain_until[0]:
                return
            if stop.is_set():
                drain_until[0] = min(drain_until[0], time.monotonic() + 1)
            time.sleep(0.05)
            continue
        with load.lock:
            load.called.append(ticket["number"])
        case = load.timed(
            lambda t=ticket: client.post(f"/api/cases/windows/{code}/accept", json={"code": t["token"]})
        )
        if (
            case.status_code == 201 and case.json()["status"] == "accepted"
        ):  # back-office cases finish elsewhere
            form = {"values": FORMS.get(case.json()["matter"], {})}
            load.timed(lambda c=case, f=form: client.post(f"/api/cases/{c.json()['id']}/form", json=f))
            load.timed(lambda c=case: client.post(f"/api/cases/{c.json()['id']}/complete"))


def run(env: dict, workers: int, seconds: float, desks: int, windows: int) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers), "--no-collectstatic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        load, stop, drain_until = Load(), threading.Event(), [float("inf")]
        threads = [threading.Thread(target=desk, args=(base, load, stop, i)) for i in range(desks)]
        threads += [
            threading.Thread(target=window, args=(base, load, stop, drain_until, f"w{i}"))
            for i in range(1, windows + 1)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        drain_until[0] = time.monotonic() + 60  # bounded: windows stop once the queues stay empty
        for t in threads:
            t.join(timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = Counter(load.called)
    lat = sorted(load.latencies)
    return {
        "workers": workers,
        "ops": len(lat),
        "ops_per_s": len(lat) / elapsed,
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
        "issued": len(load.issued),
        "double_called": sum(n - 1 for n in counts.values() if n > 1),
        "lost": len(set(load.issued) - set(counts)),
        "errors": dict(load.errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument(
        "--admin-url",
        default=config.load().ONEVISIT_TEST_DATABASE_URL or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    prepared = prepare(args.admin_url, args.windows)
    try:
        results = [run(prepared["env"], w, args.seconds, args.desks, args.windows) for w in (4, 1)]
    finally:
        drop(args.admin_url, prepared["name"])
    for r in results:
        print(
            f"workers={r['workers']}: {r['ops_per_s']:.0f} ops/s ({r['ops']} requests), p50 {r['p50_ms']:.1f} ms, "
            f"p99 {r['p99_ms']:.1f} ms; tickets issued {r['issued']}, double-called {r['double_called']}, "
            f"lost {r['lost']}, HTTP errors {r['errors'] or 'none'}"
        )
    print(
        f"ratio: 4 workers / 1 worker throughput = {results[0]['ops_per_s'] / results[1]['ops_per_s']:.2f}x"
    )
    if any(r["double_called"] or r["lost"] for r in results):
        sys.exit("FAIL: a ticket was called twice or lost")


if __name__ == "__main__":
    main()
