"""`make test`'s two legs at once: the pure and database tiers on SQLite, the database and browser tiers on
PostgreSQL. One after the other they took 31 minutes in CI, over the 25-minute budget; side by side they share
the machine's two cores. Each leg has its own data directory (its keys, static files and SQLite test databases)
and its own log; a leg's output is printed whole when it ends, the first to end first, and the run fails if
either leg does.

Usage: python tools/test_legs.py POSTGRESQL_URL [pytest arguments for both legs]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest"]
LEGS = {
    # name: (DATABASE_URL or None for the SQLite default, the tiers it runs)
    "SQLite (the pure and database tiers; the browser tier and the API fuzzing run on PostgreSQL)": (
        None,
        "not browser and not one_leg",
    ),
    "PostgreSQL (the database and browser tiers: the pure tier touches no database)": (
        "postgresql",
        "database or browser",
    ),
}


def main(argv: list[str]) -> int:
    if not argv or not argv[0]:
        print("usage: test_legs.py POSTGRESQL_URL [pytest arguments]", file=sys.stderr)
        return 2
    url, extra = argv[0], argv[1:]
    logs = ROOT / "var" / "test-legs"
    logs.mkdir(parents=True, exist_ok=True)
    running: dict[str, tuple[subprocess.Popen, Path, float]] = {}
    for n, (name, (database, marks)) in enumerate(LEGS.items()):
        log = logs / f"leg{n}.log"
        env = {
            **os.environ,
            "DATABASE_URL": url if database else "",
            "ONEVISIT_DATA_DIR": str(ROOT / "var" / f"test-leg{n}"),
        }
        with log.open("w") as out:
            process = subprocess.Popen(
                [*PYTEST, "-m", marks, *extra], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        running[name] = (process, log, time.monotonic())
        print(f"== started: pytest on {name} (log: {log.relative_to(ROOT)})", flush=True)
    failed = []
    try:
        while running:
            for name, (process, log, started) in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                minutes = (time.monotonic() - started) / 60
                print(
                    f"\n== pytest on {name}: exit {process.returncode} after {minutes:.1f} min ==", flush=True
                )
                print(log.read_text(errors="replace"), flush=True)
                if process.returncode != 0:
                    failed.append(name)
            time.sleep(1)
    except KeyboardInterrupt:
        for process, _, _ in running.values():
            process.terminate()
        for process, _, _ in running.values():
            process.wait()
        return 130
    for name in failed:
        print(f"FAILED: pytest on {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
