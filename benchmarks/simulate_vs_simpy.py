"""Hall simulator: the product's vectorised engine against the same model written in SimPy.

The model: one 8-hour day; Poisson arrivals at 150, 230, 260, 180, 110, 190, 240 and 140 an hour; 10% of
arrivals in a priority class, called before any normal visitor but never interrupting a service; 46 windows
all day; lognormal service times with mean 12 min and coefficient of variation 0.6; first come first served
within a class; nobody leaves the queue. At the end of the day the doors close to new arrivals but the hall
stays open until the queue is empty: both models serve everyone who arrived (SimPy runs until no event is
left; the product keeps the last half hour's windows open until its queues are empty).

- product: `onevisit.planning.sim.simulate(model, replications)`, every replication at once;
- SimPy: one `simpy.Environment` per replication, the windows a `simpy.PriorityResource` (requests sorted by
  priority, then by request time: FIFO within a class), each visitor a process. Its arrivals are drawn with
  NumPy the same way (Poisson count per hour, uniform times), inside its timed work.

Both run `--replications` days (default 200) with independent seeds. Printed: wall times (the product's
median of `--repeat` runs after a warm-up, SimPy's single run), the ratio SimPy ÷ product, and for each class
the mean and P90 wait of the served visitors (per-replication figures, their mean with a 95% confidence
interval). The two agree on a figure when their confidence intervals overlap; the difference and its own
95% interval are printed too. Exit status 1 when the product is less than 50 times faster or the models
disagree on any figure. Usage:

    .venv/bin/python benchmarks/simulate_vs_simpy.py [--replications 200] [--repeat 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np
import simpy
from rich.console import Console
from rich.table import Table

from onevisit.planning.sim import (
    Estimate,
    Lognormal,
    Matter,
    Model,
    Queue,
    WindowGroup,
    estimate,
    simulate,
)

console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)

PER_HOUR = (150, 230, 260, 180, 110, 190, 240, 140)
PRIORITY_SHARE = 0.10
WINDOWS = 46
MEAN_SERVICE, CV = 12.0, 0.6
LIMIT_RATIO = 50.0

MODEL = Model(
    queues=[Queue("hall", PER_HOUR, [Matter("any", 1.0, Lognormal(MEAN_SERVICE, CV))], PRIORITY_SHARE)],
    windows=[WindowGroup("all", ["hall"], WINDOWS)],
)


def simpy_day(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One day in SimPy: the waits of the served visitors and whether each was in the priority class."""
    counts = rng.poisson(PER_HOUR)
    arrivals = np.concatenate([(hour + rng.random(n)) * 60 for hour, n in enumerate(counts)])
    arrivals.sort()
    priority = rng.random(arrivals.size) < PRIORITY_SHARE
    s2 = math.log1p(CV * CV)
    service = rng.lognormal(math.log(MEAN_SERVICE) - s2 / 2, math.sqrt(s2), arrivals.size)

    env = simpy.Environment()
    windows = simpy.PriorityResource(env, capacity=WINDOWS)
    waits: list[float] = []
    classes: list[bool] = []

    def visitor(first: bool, minutes: float):
        arrived = env.now
        with windows.request(priority=0 if first else 1) as called:
            yield called
            waits.append(env.now - arrived)
            classes.append(first)
            yield env.timeout(minutes)

    def doors():
        for at, first, minutes in zip(arrivals.tolist(), priority.tolist(), service.tolist(), strict=True):
            yield env.timeout(at - env.now)
            env.process(visitor(first, minutes))

    env.process(doors())
    env.run()  # until the last visitor has been served
    return np.array(waits), np.array(classes, dtype=bool)


def run_simpy(replications: int, seed: int) -> tuple[float, dict[str, dict[str, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    figures: dict[str, dict[str, list[float]]] = {c: {"mean": [], "p90": []} for c in ("priority", "normal")}
    t0 = time.perf_counter()
    days = [simpy_day(rng) for _ in range(replications)]
    seconds = time.perf_counter() - t0
    for waits, first in days:
        for name, sel in (("priority", first), ("normal", ~first)):
            w = waits[sel]
            figures[name]["mean"].append(float(w.mean()) if w.size else math.nan)
            figures[name]["p90"].append(float(np.quantile(w, 0.9)) if w.size else math.nan)
    return seconds, {c: {k: np.array(v) for k, v in f.items()} for c, f in figures.items()}


def run_product(
    replications: int, seed: int, repeat: int
) -> tuple[list[float], dict[str, dict[str, np.ndarray]]]:
    simulate(MODEL, 10, seed=seed + 1)  # warm-up: imports, first allocations
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = simulate(MODEL, replications, seed=seed)
        times.append(time.perf_counter() - t0)
    left = int(result.abandoned().sum() + result.unserved().sum())
    if left:
        raise SystemExit(f"the product did not serve {left} visitors: the models are not the same")
    figures = {
        name: {"mean": result.mean_wait(priority=first), "p90": result.wait_quantile(0.9, priority=first)}
        for name, first in (("priority", True), ("normal", False))
    }
    return times, figures


def agree(a: Estimate, b: Estimate) -> bool:
    return abs(a.mean - b.mean) <= a.half_width + b.half_width


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the product (the median counts)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    console.print(
        f"{len(PER_HOUR)}-hour day, {sum(PER_HOUR):,} arrivals expected, {WINDOWS} windows, "
        f"{PRIORITY_SHARE:.0%} priority, lognormal service mean {MEAN_SERVICE:g} min CV {CV:g}; "
        f"{args.replications} replications"
    )
    p_times, product = run_product(args.replications, args.seed, args.repeat)
    p_time = statistics.median(p_times)
    console.print(f"product: {', '.join(f'{t:.3f}' for t in p_times)} s; median {p_time:.3f} s")
    with console.status("SimPy …"):
        s_time, reference = run_simpy(args.replications, args.seed + 1000)
    console.print(f"SimPy:   {s_time:.2f} s")
    ratio = s_time / p_time

    table = Table(title="Wait of served visitors, minutes: mean over replications [95% CI]")
    for col in ("class", "figure", "product", "SimPy", "difference [95% CI]", "agree"):
        table.add_column(col, justify="left" if col in ("class", "figure") else "right")
    disagreements = []
    for name in ("priority", "normal"):
        for figure, label in (("mean", "mean wait"), ("p90", "P90 wait")):
            a, b = estimate(product[name][figure]), estimate(reference[name][figure])
            diff = a.mean - b.mean
            h = math.hypot(a.half_width, b.half_width)
            ok = agree(a, b)
            if not ok:
                disagreements.append(f"{name} {label}")
            table.add_row(
                name,
                label,
                f"{a.mean:.3f} [{a.low:.3f}, {a.high:.3f}]",
                f"{b.mean:.3f} [{b.low:.3f}, {b.high:.3f}]",
                f"{diff:+.3f} [{diff - h:+.3f}, {diff + h:+.3f}]",
                "[green]yes[/green]" if ok else "[red]NO[/red]",
            )
    console.print(table)
    verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]"}
    fast = ratio >= LIMIT_RATIO
    console.print(f"ratio SimPy ÷ product: {ratio:.1f}× (at least {LIMIT_RATIO:.0f}×): {verdict[fast]}")
    if disagreements:
        console.print(f"[red]DISAGREE: {', '.join(disagreements)}[/red]")
    else:
        console.print(
            "[green]the two models agree on every figure (95% confidence intervals overlap)[/green]"
        )
    return 0 if fast and not disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
