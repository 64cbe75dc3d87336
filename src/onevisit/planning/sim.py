"""Hall simulator: one day of a service hall, many replications at once. Pure: NumPy only, no Django.

The model (times in minutes from opening, rates in arrivals per hour):

- Arrivals: each queue has piecewise-constant Poisson rates, one per `Model.interval` minutes (an hour or a
  half hour). Each interval's count is drawn as a Poisson number and its arrival times as uniforms in the
  interval, which is exactly a non-homogeneous Poisson process with those rates.
- Classes: a `priority_share` of each queue's arrivals is the priority class. A window always calls a waiting
  priority visitor before a normal one, never interrupting a service (non-preemptive); within a class the
  earliest arrival goes first, across all the queues that window serves.
- Matters: each arrival brings one matter of its queue, drawn by the matters' shares; its service time comes
  from the matter's sampler (lognormal with a mean and a coefficient of variation, exponential, or
  resampled from observed durations).
- Windows: a `WindowGroup` has windows serving the same queues; its staffing gives the number open in each
  half-hour slot (window i of a group is open while i < that number). A window that closes finishes its
  current visitor. After the last slot the last slot's windows stay open until their queues are empty: every
  visitor who arrived is served (or leaves), none is cut off at closing time.
- Abandonment: with a queue `patience`, each visitor has an exponential patience with that mean and leaves
  unserved if not called within it; recorded as abandoned, with the time waited until leaving. When a window
  comes to a visitor who has left, calling them (过号) takes it the queue's `no_show` minutes.
- Day-to-day volume: with a model `load`, replication r's arrival rates are all multiplied by
  load[r % len(load)] (the hall's busier and quieter days); without, every day has the rates as given.
- Second visits: a served first visit whose materials were incomplete (probability `Matter.second_visit`)
  comes back to the same queue, in the same class, `Matter.return_after` minutes (exponential mean) after
  its service ended, as a new arrival with a fresh service time and patience from the same matter. A return
  that would arrive after the last arrival interval is not simulated (it comes back another day); a returning
  visitor is not sent back again.
- A visitor whose queue has no window that will ever open again is recorded as unserved.

The engine processes the day as a sequence of service starts, all replications in lockstep: at each step
every replication finds the window that can start next (its free time or its earliest eligible waiting
visitor, whichever is later), and that window calls the best waiting visitor among its queues (per-class
pointers into arrival arrays sorted by time). A step costs a few NumPy operations on (replications, windows)
arrays, so a day of 1,500 visitors is 1,500 steps whatever the number of replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from functools import cache
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    TypeAdapter,
    ValidationError,
    with_config,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from onevisit.planning.erlang import PlanningError

SLOT = 30  # minutes per staffing slot
SERVED, ABANDONED, UNSERVED = 0, 1, 2
_PAD = -1
_RANK = 1e7  # added to a normal visitor's arrival time so that any waiting priority visitor sorts first


class ModelError(PlanningError):
    """A hall model that cannot be simulated; the message (Chinese) names the field."""


# What each field of the model must be on its own, declared on the dataclasses below and checked by pydantic once
# per run (`_validate`); the dataclasses stay plain for the simulation loops. A number is an int, a float or a
# NumPy scalar, finite, never a boolean or text; a list may be a NumPy array.


def _numeric(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise PydanticCustomError("number", "not a number")
    return value


def _whole(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise PydanticCustomError("whole", "not a whole number")
    return value


def _instance_of(kind: type) -> BeforeValidator:
    """Only an instance of `kind` (pydantic would also build a dataclass from a mapping)."""

    def check(value: object) -> object:
        if not isinstance(value, kind):
            raise PydanticCustomError("instance", "not an instance")
        return value

    return BeforeValidator(check)


def _listed(value: object) -> object:
    return value.tolist() if isinstance(value, np.ndarray) else value


def _half_or_hour(value: int) -> int:
    if value not in (30, 60):
        raise PydanticCustomError("interval", "neither 30 nor 60")
    return value


def _not_all_zero(rates: Sequence[float]) -> Sequence[float]:
    if sum(rates) <= 0:
        raise PydanticCustomError("all_zero", "all zero")
    return rates


def _some_share(matters: Sequence[Matter]) -> Sequence[Matter]:
    if sum(mt.share for mt in matters) <= 0:
        raise PydanticCustomError("all_zero", "all shares zero")
    return matters


def _sampler_kind(value: object) -> str | None:
    return next((k.__name__ for k in (Lognormal, Exponential, Empirical) if isinstance(value, k)), None)


def _open_kind(value: object) -> str:
    return "slots" if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str) else "day"


_CHECKED = ConfigDict(revalidate_instances="always")  # a dataclass instance is checked field by field
Code = Annotated[str, Strict()]
Number = Annotated[float, BeforeValidator(_numeric), Field(allow_inf_nan=False)]
NonNegative = Annotated[Number, Field(ge=0)]
Positive = Annotated[Number, Field(gt=0)]
Count = Annotated[int, BeforeValidator(_whole), Field(ge=0)]
Numbers = Annotated[Sequence[NonNegative], BeforeValidator(_listed)]


@with_config(_CHECKED)
@dataclass(frozen=True)
class Lognormal:
    mean: Positive
    cv: NonNegative  # standard deviation ÷ mean

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        s2 = math.log1p(self.cv * self.cv)
        z = rng.standard_normal(size)  # exp(μ + σ·z) in place: faster than rng.lognormal
        z *= math.sqrt(s2)
        z += math.log(self.mean) - s2 / 2
        return np.exp(z, out=z)


@with_config(_CHECKED)
@dataclass(frozen=True)
class Exponential:
    mean: Positive

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


@with_config(_CHECKED)
@dataclass(frozen=True)
class Empirical:
    # observed service times, resampled with replacement; as lenient as np.asarray(durations, dtype=float)
    durations: Annotated[
        Sequence[Annotated[float, Field(ge=0, allow_inf_nan=False)]],
        Field(min_length=1),
        BeforeValidator(_listed),
    ]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.durations, dtype=float), size)


Sampler = Lognormal | Exponential | Empirical


@dataclass(frozen=True)
class Trace:
    """Arrivals as they happened, replayed instead of drawn: replication r replays day r % days. Services and
    patience are still drawn, from the matters and queues of the model."""

    day: np.ndarray  # int, 0 … days-1
    queue: np.ndarray  # int: index into model.queues
    priority: np.ndarray  # bool
    matter: np.ndarray  # int: index into that queue's matters
    at: np.ndarray  # minutes from opening
    days: int


@with_config(_CHECKED)
@dataclass(frozen=True)
class Matter:
    code: Code
    share: NonNegative  # relative weight among the queue's matters (normalised)
    service: Annotated[
        Annotated[Lognormal, Tag("Lognormal")]
        | Annotated[Exponential, Tag("Exponential")]
        | Annotated[Empirical, Tag("Empirical")],
        Discriminator(_sampler_kind, custom_error_type="sampler", custom_error_message="unknown sampler"),
    ]
    # probability a served visitor had incomplete materials and comes back
    second_visit: Annotated[Number, Field(ge=0, lt=1)] = 0.0
    return_after: Positive = 60.0  # mean minutes from the end of that service to the return


@with_config(_CHECKED)
@dataclass(frozen=True)
class Queue:
    code: Code
    # arrival rate (per hour) in each interval of the day
    per_hour: Annotated[Numbers, Field(min_length=1), AfterValidator(_not_all_zero)]
    matters: Annotated[
        Sequence[Annotated[Matter, _instance_of(Matter)]], Field(min_length=1), AfterValidator(_some_share)
    ]
    priority_share: Annotated[Number, Field(ge=0, le=1)] = 0.0
    patience: Positive | None = None  # mean minutes before a waiting visitor leaves; None: nobody leaves
    no_show: NonNegative = (
        0.0  # minutes a window spends calling a visitor who has left (过号) before the next
    )


@with_config(_CHECKED)
@dataclass(frozen=True)
class WindowGroup:
    code: Code
    queues: Annotated[Sequence[Code], Field(min_length=1)]
    # windows open all day, or in each half-hour slot
    open: Annotated[
        Annotated[Count, Tag("day")] | Annotated[Sequence[Count], BeforeValidator(_listed), Tag("slots")],
        Discriminator(_open_kind),
    ]


@with_config(_CHECKED)
@dataclass(frozen=True)
class Model:
    queues: Annotated[Sequence[Annotated[Queue, _instance_of(Queue)]], Field(min_length=1)]
    windows: Annotated[Sequence[Annotated[WindowGroup, _instance_of(WindowGroup)]], Field(min_length=1)]
    # minutes covered by each per_hour entry: 60 or 30
    interval: Annotated[int, BeforeValidator(_whole), AfterValidator(_half_or_hour)] = 60
    opens: Annotated[time, Strict()] = time(9, 0)  # clock time of minute 0, for messages
    threshold: NonNegative = 15.0  # minutes: a visitor "called within" this counts towards share_within
    load: Numbers = ()  # replication r's arrival rates are all multiplied by load[r % len(load)]

    @property
    def minutes(self) -> int:
        """Length of the arrival day."""
        return len(self.queues[0].per_hour) * self.interval

    @property
    def slots(self) -> int:
        return self.minutes // SLOT

    def slot_label(self, k: int) -> str:
        start = self.opens.hour * 60 + self.opens.minute + k * SLOT
        return f"{start // 60:02d}:{start % 60:02d}–{(start + SLOT) // 60:02d}:{(start + SLOT) % 60:02d}"


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a 95% confidence interval (Student t)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def estimate(values: Sequence[float] | np.ndarray) -> Estimate:
    """Mean and 95% CI across replications; replications without a value (NaN) are left out."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    if v.size == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    h = _t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return Estimate(mean, mean - h, mean + h, int(v.size))


def ratio(y: np.ndarray, x: np.ndarray, strata: np.ndarray | None = None) -> Estimate:
    """Σy ÷ Σx over replications (e.g. visitors called in time ÷ visitors served: a share of all the visitors
    of all the days) with a 95% interval by the delta method. Replications in strata (the same day volume,
    replayed in turn) are compared within their stratum, which leaves the days' known differences out of the
    interval."""
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    n, total = y.size, float(x.sum())
    if n == 0 or total <= 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    r = float(y.sum()) / total
    if n == 1:
        return Estimate(r, math.nan, math.nan, 1)
    e = y - r * x
    if strata is not None and n >= 2 * (int(strata.max()) + 1):
        counts = np.bincount(strata)
        means = np.bincount(strata, weights=e) / np.maximum(counts, 1)
        var, df = float(((e - means[strata]) ** 2).sum() / (n - counts.size)), n - counts.size
    else:
        var, df = float(e.var(ddof=1)), n - 1
    h = _t975(max(df, 1)) * math.sqrt(var / n) / (total / n)
    return Estimate(r, r - h, r + h, n)


@dataclass(frozen=True, eq=False)
class Result:
    """Every visitor of every replication: arrays of shape (replications, visitors), padded with outcome -1."""

    model: Model
    queue: np.ndarray  # index into model.queues
    priority: np.ndarray  # bool
    matter: np.ndarray  # index into the queue's matters
    second: np.ndarray  # bool: a second visit
    arrival: np.ndarray  # minutes from opening
    wait: np.ndarray  # minutes until called (served) or until leaving (abandoned); NaN for unserved
    outcome: np.ndarray  # SERVED, ABANDONED, UNSERVED, or -1 for padding
    window: np.ndarray  # index into window_labels of the window that served the visitor, -1 if none
    service: np.ndarray  # minutes of service (NaN if not served)
    gone_called: np.ndarray | None  # with patience: when a window came to each visitor (see called)
    window_labels: tuple[str, ...]  # "<group code>-<n>", group by group

    @property
    def called(self) -> np.ndarray:
        """Minutes from opening when a window called the visitor, served or gone (过号); NaN: never called."""
        return self.start if self.gone_called is None else self.gone_called

    @property
    def start(self) -> np.ndarray:
        """When each served visitor was called (NaN otherwise)."""
        return np.where(self.outcome == SERVED, self.arrival + np.nan_to_num(self.wait), np.nan)

    @property
    def replications(self) -> int:
        return self.outcome.shape[0]

    def select(self, *, queue: str | None = None, priority: bool | None = None) -> np.ndarray:
        """Mask of the visitors of one queue and/or class (padding excluded)."""
        mask = self.outcome != _PAD
        if queue is not None:
            codes = [q.code for q in self.model.queues]
            if queue not in codes:
                raise ModelError(f"queue：没有名为 {queue} 的队列", field="queue")
            mask &= self.queue == codes.index(queue)
        if priority is not None:
            mask &= self.priority == priority
        return mask

    def served(self, **where: object) -> np.ndarray:
        return ((self.outcome == SERVED) & self.select(**where)).sum(axis=1)  # type: ignore[arg-type]

    def abandoned(self, **where: object) -> np.ndarray:
        return ((self.outcome == ABANDONED) & self.select(**where)).sum(axis=1)  # type: ignore[arg-type]

    def unserved(self, **where: object) -> np.ndarray:
        return ((self.outcome == UNSERVED) & self.select(**where)).sum(axis=1)  # type: ignore[arg-type]

    def returned(self, **where: object) -> np.ndarray:
        """Second visits that came back the same day."""
        return (self.second & self.select(**where)).sum(axis=1)  # type: ignore[arg-type]

    def mean_wait(self, **where: object) -> np.ndarray:
        """Mean wait of the served visitors, per replication (NaN where none was served)."""
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        return _row_mean(self.wait, mask)

    def wait_quantile(self, q: float, **where: object) -> np.ndarray:
        """Quantile (linear interpolation, as numpy.quantile) of the served visitors' waits."""
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        return _row_quantile(self.wait, mask, q)

    def share_within(self, minutes: float | None = None, **where: object) -> np.ndarray:
        """Share of the served visitors called within `minutes` (default: the model's threshold)."""
        limit = self.model.threshold if minutes is None else minutes
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        return _row_mean(np.where(self.wait <= limit, 1.0, 0.0), mask)

    @property
    def strata(self) -> np.ndarray | None:
        """Each replication's day volume (load) index when the model varies it, else None."""
        n = len(self.model.load)
        return np.arange(self.replications) % n if n > 1 else None

    def pooled_share(self, minutes: float | None = None, **where: object) -> Estimate:
        """Share of all served visitors of all replications called within `minutes` (default: threshold)."""
        limit = self.model.threshold if minutes is None else minutes
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        return ratio((mask & (self.wait <= limit)).sum(axis=1), mask.sum(axis=1), self.strata)

    def pooled_mean_wait(self, **where: object) -> Estimate:
        """Mean wait of all served visitors of all replications."""
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        return ratio(np.where(mask, self.wait, 0.0).sum(axis=1), mask.sum(axis=1), self.strata)

    def slot_mean_wait(self, **where: object) -> np.ndarray:
        """Mean wait of the served visitors by the half-hour slot of their arrival: (replications, slots)."""
        mask = (self.outcome == SERVED) & self.select(**where)  # type: ignore[arg-type]
        slot = np.minimum(np.nan_to_num(self.arrival, nan=0.0) // SLOT, self.model.slots - 1).astype(np.int64)
        out = np.empty((self.replications, self.model.slots))
        for k in range(self.model.slots):
            out[:, k] = _row_mean(self.wait, mask & (slot == k))
        return out


def simulate(
    model: Model,
    replications: int,
    seed: int | np.random.Generator | None = None,
    *,
    trace: Trace | None = None,
) -> Result:
    """Simulate `replications` independent days of the hall (or replay the days of a trace)."""
    _validate(model, replications)
    if trace is not None:
        _validate_trace(model, trace)
    rng = np.random.default_rng(seed)
    return _Engine(model, replications, rng, trace).run()


class _Engine:
    """The day as a sequence of service starts, every replication in lockstep (see the module docstring)."""

    def __init__(self, model: Model, reps: int, rng: np.random.Generator, trace: Trace | None = None) -> None:
        self.model, self.reps, self.rng, self.trace = model, reps, rng, trace
        self.streams: list[tuple[int, bool]] = []  # (queue, priority) pairs that can have arrivals
        for qi, q in enumerate(model.queues):
            if q.priority_share > 0 or (
                trace is not None and bool((trace.priority & (trace.queue == qi)).any())
            ):
                self.streams.append((qi, True))
            if q.priority_share < 1:
                self.streams.append((qi, False))
        self.returns = any(m.second_visit > 0 for q in model.queues for m in q.matters)
        self.patient = any(q.patience is not None for q in model.queues)
        self._windows()
        self._visitors()

    def _windows(self) -> None:
        m = self.model
        codes = [q.code for q in m.queues]
        K = m.slots
        open_rows, elig_rows, labels = [], [], []
        for g in m.windows:
            counts = staffing_by_slot(g, K)
            served = {codes.index(c) for c in g.queues}
            for i in range(max(counts, default=0)):
                labels.append(f"{g.code}-{i + 1}")
                open_rows.append([i < c for c in counts])
                elig_rows.append([qi in served for qi, _ in self.streams])
        self.W = len(open_rows)
        self.window_labels = tuple(labels)
        is_open = np.array(open_rows, dtype=bool).reshape(self.W, K)
        nxt = np.full((self.W, K), np.inf)  # start of the first slot from k on in which the window is open
        later = np.full(self.W, np.inf)
        for k in range(K - 1, -1, -1):
            later = np.where(is_open[:, k], k * SLOT, later)
            nxt[:, k] = later
        self.is_open, self.next_open = is_open, nxt
        self.staffed = not bool(is_open.all())
        elig = np.array(elig_rows, dtype=bool).reshape(self.W, len(self.streams))
        if self.returns:  # second visits wait in a pool per stream, called by the same windows
            elig = np.concatenate([elig, elig], axis=1)
        self.elig = elig
        patterns, inverse = np.unique(elig, axis=0, return_inverse=True)
        self.pattern_of_window = inverse.reshape(-1)
        self.pattern_cols = [np.flatnonzero(p) for p in patterns]
        # each pattern's stream columns one after another, to take every pattern's earliest head in one call
        self.pattern_cat = np.concatenate(self.pattern_cols) if self.pattern_cols else np.empty(0, dtype=int)
        self.pattern_at = np.cumsum([0] + [c.size for c in self.pattern_cols[:-1]])
        self.one_pattern = len(patterns) == 1

    def _visitors(self) -> None:
        """The day's first visits as flat tables: one row per (stream, replication), sorted by arrival and
        closed by a sentinel (arrival +inf), rows in stream-major order.

        A stream is its queue's Poisson process thinned by the class share. Arrival times within an interval
        are sorted uniforms made from exponential spacings, U_(k) = (E_1 + … + E_k) / (E_1 + … + E_(n+1)),
        so nothing needs sorting.
        """
        m, rng, R = self.model, self.rng, self.reps
        S = len(self.streams)
        if self.trace is not None:
            per_row, at, given = self._replayed()
        else:
            per_row, at = self._drawn()
            given = None
        n = int(per_row.sum())
        row = np.repeat(np.arange(S * R), per_row)
        entry = np.arange(n) + row  # each earlier row adds its sentinel
        self.size = n + S * R
        self.row_start = (np.cumsum(per_row + 1) - (per_row + 1)).reshape(S, R)
        self.row_end = self.row_start + per_row.reshape(S, R)  # the sentinel
        sentinel = self.row_end.reshape(-1)

        def table(values: np.ndarray, fill: float | int | bool) -> np.ndarray:
            out = np.empty(self.size, dtype=values.dtype)
            out[entry] = values
            out[sentinel] = fill
            return out

        self.at = table(at, np.inf)
        self.stream_of = table((row // R).astype(np.int16), _PAD)
        service, matter = np.empty(n), np.empty(n, dtype=np.int16)
        deadline = np.empty(n) if self.patient else None
        if self.returns:
            flag, delay, rservice, rpatience = np.empty(n, dtype=bool), np.empty(n), np.empty(n), np.empty(n)
        bounds = np.concatenate([[0], np.cumsum(per_row.reshape(S, R).sum(axis=1))])
        for s, (qi, _) in enumerate(self.streams):
            q = m.queues[qi]
            lo, hi = int(bounds[s]), int(bounds[s + 1])
            k = hi - lo
            if given is not None:
                mi = given[lo:hi]
            elif len(q.matters) == 1:
                mi = np.zeros(k, dtype=np.int16)
            else:
                shares = np.array([mt.share for mt in q.matters], dtype=float)
                mi = rng.choice(len(q.matters), size=k, p=shares / shares.sum()).astype(np.int16)
            matter[lo:hi] = mi
            service[lo:hi] = _by_matter(rng, q.matters, mi)
            if deadline is not None:
                deadline[lo:hi] = at[lo:hi] + _patience(rng, q.patience, k)
            if self.returns:
                flag[lo:hi] = rng.random(k) < np.array([mt.second_visit for mt in q.matters])[mi]
                delay[lo:hi] = (
                    rng.standard_exponential(k) * np.array([mt.return_after for mt in q.matters])[mi]
                )
                rservice[lo:hi] = _by_matter(rng, q.matters, mi)
                rpatience[lo:hi] = _patience(rng, q.patience, k)
        self.service = table(service, 0.0)
        self.matter = table(matter, _PAD)
        self.deadline = table(deadline, np.inf) if deadline is not None else None
        if self.returns:
            self.flag = table(flag, False)
            self.delay = table(delay, np.inf)
            self.rservice = table(rservice, 0.0)
            self.rpatience = table(rpatience, np.inf)
            self.back_at = np.full(self.size, np.nan)  # when a visitor's second visit arrives, once known

    def _drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """Visitors per (stream, replication) row and their arrival times, drawn (see _visitors)."""
        m, rng, R = self.model, self.rng, self.reps
        S, J = len(self.streams), len(m.queues[0].per_hour)
        load = np.resize(np.asarray(m.load, dtype=float), R)[:, None] if len(m.load) else 1.0
        counts = np.empty((S, R, J), dtype=np.int64)
        for s, (qi, prio) in enumerate(self.streams):
            q = m.queues[qi]
            share = q.priority_share if prio else 1.0 - q.priority_share
            rate = np.asarray(q.per_hour, dtype=float) * share * m.interval / 60
            counts[s] = rng.poisson(rate * load, size=(R, J))
        per_group = counts.reshape(-1)  # (stream, rep, interval) groups, in the order visitors are laid out
        n = int(per_group.sum())
        group = np.repeat(np.arange(per_group.size), per_group)
        sums = np.concatenate([[0.0], np.cumsum(rng.standard_exponential(n + per_group.size))])
        first_spacing = np.cumsum(per_group + 1) - (per_group + 1)
        base = sums[first_spacing]
        total = sums[first_spacing + per_group + 1] - base
        u = (sums[np.arange(n) + group + 1] - np.repeat(base, per_group)) / np.repeat(total, per_group)
        return counts.sum(axis=2).reshape(-1), (group % J + u) * m.interval

    def _replayed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Visitors per (stream, replication) row, their arrival times and matters, from the trace."""
        tr, R, S = self.trace, self.reps, len(self.streams)
        assert tr is not None
        index = {stream: s for s, stream in enumerate(self.streams)}
        stream = np.array(
            [index[(int(q), bool(p))] for q, p in zip(tr.queue, tr.priority, strict=True)], dtype=np.int64
        )
        order = np.lexsort((tr.at, tr.day, stream))
        cell = stream[order] * tr.days + tr.day[order]  # sorted: (stream, day) cells
        flat = np.bincount(cell, minlength=S * tr.days)
        counts, offsets = flat.reshape(S, tr.days), (np.cumsum(flat) - flat).reshape(S, tr.days)
        days = np.arange(R) % tr.days
        lens = counts[:, days].reshape(-1)  # per (stream, replication) row
        starts = offsets[:, days].reshape(-1)
        idx = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
        take = order[idx]
        return lens, np.asarray(tr.at, dtype=float)[take], np.asarray(tr.matter, dtype=np.int16)[take]

    def _pick(self) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        """How a window chooses among the stream heads: priority class first, then the earliest arrival.

        Returns a function of (heads (streams, reps), start times, windows) giving each replication's stream.
        With one queue set and two streams this is a single comparison.
        """
        rank = np.array([0.0 if prio else _RANK for _, prio in self.streams] * (2 if self.returns else 1))
        if self.one_pattern and rank.size == 2:  # (rank has one entry per column of self.elig)
            if rank[0] == rank[1]:
                return lambda heads, t, w: heads[1] < heads[0]
            if rank[0] < rank[1]:
                return lambda heads, t, w: heads[0] > t  # the priority head is not there yet
            return lambda heads, t, w: heads[1] <= t
        rank = rank[:, None]
        if self.one_pattern:
            return lambda heads, t, w: np.where(heads <= t, heads + rank, np.inf).argmin(axis=0)
        elig = self.elig.T  # (streams, windows)
        return lambda heads, t, w: np.where((heads <= t) & elig[:, w], heads + rank, np.inf).argmin(axis=0)

    def run(self) -> Result:
        m, R, W = self.model, self.reps, self.W
        S, K = len(self.streams), m.slots
        last_slot_start = (K - 1) * SLOT
        rows = np.arange(R)
        fbase = rows * W
        at, service_of, deadline_of = self.at, self.service, self.deadline
        pick = self._pick()
        missing = None  # per stream column: a 过号's window time
        if self.patient and any(q.no_show > 0 for q in m.queues):
            missing = np.array([m.queues[qi].no_show for qi, _ in self.streams] * (2 if self.returns else 1))
        two = self.one_pattern and self.elig.shape[1] == 2  # pick gives a bool: is it the second stream?
        second_row = rows + R
        # no closing windows, no patience, no second visits: every step calls one visitor in each replication
        # that has one left, so the number of steps is known and a finished replication needs no care
        simple = not (self.staffed or self.patient or self.returns)
        steps = int((self.row_end - self.row_start).sum(axis=0).max(initial=0)) if simple else -1
        idx = self.row_start.copy()  # (streams, reps): table entry of each stream's first waiting visitor
        idx_flat = idx.reshape(-1)
        free = np.tile(self.next_open[:, 0], (R, 1))  # (reps, windows): when each window can next start
        free_flat = free.reshape(-1)
        open_flat = self.is_open.reshape(-1)
        next_flat = self.next_open.reshape(-1)
        if self.returns:
            pool_width = 8
            pool_at = np.full((S, R, pool_width), np.inf)
            pool_who = np.zeros((S, R, pool_width), dtype=np.int64)  # table entry of the first visit
            day_end = float(m.minutes)

        def avail(w: np.ndarray, t: np.ndarray) -> np.ndarray:
            """Earliest time ≥ t at which window w is open (inf if it never opens again)."""
            i = w * K + (np.minimum(t, last_slot_start) // SLOT).astype(np.int64)
            return np.where(open_flat.take(i), t, next_flat.take(i))

        # per step and replication: who was called (table entry, + size for a second visit; -1: nobody),
        # when their wait ended (called, or left), and the window (-1: left unserved)
        cap = (
            int((self.row_end - self.row_start).sum(axis=0).max(initial=0)) * (2 if self.returns else 1) + 16
        )
        rec_who = np.empty((cap, R), dtype=np.int64)  # rows are written step by step; the rest is cut off
        rec_until = np.empty((cap, R))
        rec_window = np.empty((cap, R), dtype=np.int16)
        rec_call = np.empty((cap, R)) if self.patient else None  # when the window came to them (gone: 过号)
        step = 0
        while True:
            heads = at.take(idx)  # (streams, reps)
            if self.returns:
                slot_of = pool_at.argmin(axis=2)
                heads = np.concatenate([heads, np.take_along_axis(pool_at, slot_of[:, :, None], 2)[:, :, 0]])
            if self.one_pattern:  # every window serves every queue: the longest-free window goes next
                w = free.argmin(axis=1)
                fpos = fbase + w
                f = free_flat.take(fpos)
                t = np.maximum(f, heads.min(axis=0))
            else:
                first = np.minimum.reduceat(heads.take(self.pattern_cat, axis=0), self.pattern_at, axis=0)
                ready = np.maximum(free, first.T[:, self.pattern_of_window])
                w = ready.argmin(axis=1)
                fpos = fbase + w
                f = free_flat.take(fpos)
                t = ready.reshape(-1).take(fpos)
            active = t < np.inf
            if step == steps or (not simple and not active.any()):
                break
            if self.staffed:
                # the window that can start first may be closed by then: move it to its next opening
                i = w * K + (np.minimum(np.where(active, t, 0.0), last_slot_start) // SLOT).astype(np.int64)
                closed = active & ~open_flat.take(i)
                if closed.any():
                    f = np.where(closed, next_flat.take(i), f)
                    free_flat[fpos] = f
                    active &= ~closed
            s = pick(heads, t, w)
            if self.returns:
                from_pool = s >= S
                sf = np.where(from_pool, 0, s)
                sp = np.where(from_pool, s - S, 0)
                pos = sf * R + rows
                head = idx_flat.take(pos)
                pslot = slot_of[sp, rows]
                cidx = np.where(from_pool, pool_who[sp, rows, pslot], head)  # a second visit: its first visit
                service = np.where(from_pool, self.rservice.take(cidx), service_of.take(cidx))
                deadline = np.where(from_pool, self.back_at.take(cidx) + self.rpatience.take(cidx), np.inf)
                if deadline_of is not None:
                    deadline = np.where(from_pool, deadline, deadline_of.take(cidx))
                taken = active & from_pool
                pool_at[sp[taken], rows[taken], pslot[taken]] = np.inf
                idx_flat[pos] = head + (active & ~from_pool)
                who = np.where(from_pool, cidx + self.size, cidx)
            else:
                pos = np.where(s, second_row, rows) if two else s * R + rows
                cidx = idx_flat.take(pos)
                service = service_of.take(cidx)
                deadline = deadline_of.take(cidx) if deadline_of is not None else None  # type: ignore[assignment]
                idx_flat[pos] = cidx + active
                who = cidx
            served = active & (deadline >= t) if deadline is not None else active
            end = t + service
            if self.staffed:
                end = avail(w, end)
            if missing is not None:  # calling someone who has left (过号) takes the window a while too
                gone = active & ~served
                if gone.any():
                    f = np.where(gone, t + missing.take(s), f)
                    if self.staffed:
                        f = np.where(gone, avail(w, f), f)
            free_flat[fpos] = end if simple else np.where(served, end, f)
            if self.returns:
                back_at = t + service + self.delay.take(cidx)
                back = served & ~from_pool & self.flag.take(cidx) & (back_at < day_end)
                if back.any():
                    r, j, c = rows[back], sf[back], cidx[back]
                    self.back_at[c] = back_at[back]
                    empty = pool_at[j, r] == np.inf
                    if not empty.any(axis=1).all():  # a pool is full: make every pool wider
                        grow = ((0, 0), (0, 0), (0, pool_width))
                        pool_at = np.pad(pool_at, grow, constant_values=np.inf)
                        pool_who = np.pad(pool_who, grow)
                        pool_width *= 2
                        empty = pool_at[j, r] == np.inf
                    e = empty.argmax(axis=1)
                    pool_at[j, r, e] = back_at[back]
                    pool_who[j, r, e] = c
            if step == cap:
                rec_who = np.concatenate([rec_who, np.empty_like(rec_who)])
                rec_until = np.concatenate([rec_until, np.empty_like(rec_until)])
                rec_window = np.concatenate([rec_window, np.empty_like(rec_window)])
                if rec_call is not None:
                    rec_call = np.concatenate([rec_call, np.empty_like(rec_call)])
                cap *= 2
            rec_who[step] = np.where(active, who, _PAD) if self.staffed else who
            rec_until[step] = t if deadline is None else np.where(served, t, deadline)
            rec_window[step] = w if deadline is None else np.where(served, w, _PAD)
            if rec_call is not None:
                rec_call[step] = t
            step += 1
        left = [self._left(idx)]
        if self.returns:
            mask = (pool_at < np.inf).transpose(1, 0, 2).reshape(R, -1)
            r, k = np.nonzero(mask)
            left.append(_by_rep(r, pool_who.transpose(1, 0, 2).reshape(R, -1)[r, k] + self.size, R))
        return self._result(
            rec_who[:step],
            rec_until[:step],
            rec_window[:step],
            np.concatenate(left, axis=1).T,
            rec_call[:step] if rec_call is not None else None,
        )

    def _left(self, idx: np.ndarray) -> np.ndarray:
        """Table entries of the first visits never called: (reps, longest), padded with -1."""
        R = self.reps
        waiting = self.row_end - idx
        if not waiting.any():
            return np.empty((R, 0), dtype=np.int64)
        by_rep = waiting.T.reshape(-1)  # (rep, stream) order
        starts = idx.T.reshape(-1)
        n = int(by_rep.sum())
        offsets = np.cumsum(by_rep) - by_rep
        entries = np.repeat(starts - offsets, by_rep) + np.arange(n)
        return _by_rep(np.repeat(np.arange(by_rep.size) // len(self.streams), by_rep), entries, R)

    def _result(
        self,
        who: np.ndarray,
        until: np.ndarray,
        window: np.ndarray,
        left: np.ndarray,
        call: np.ndarray | None = None,
    ) -> Result:
        """Every visitor's figures from the step records and those left waiting, looked up in the tables.

        Works on (steps, reps) arrays, as recorded, and hands out their transposes.
        """
        never = np.zeros(until.shape, dtype=bool)
        if left.shape[0]:
            who = np.concatenate([who, left])
            never = np.concatenate([never, left != _PAD])
            until = np.concatenate([until, np.full(left.shape, np.nan)])
            if call is not None:
                call = np.concatenate([call, np.full(left.shape, np.nan)])
            window = np.concatenate([window, np.full(left.shape, _PAD, dtype=np.int16)])
        second = who >= self.size
        entry = np.where(second, who - self.size, who)  # a second visit's figures sit with its first visit
        first_at = self.at.take(entry)
        real = (who != _PAD) & (first_at < np.inf)  # neither padding nor a sentinel
        arrival = np.where(second, self.back_at.take(entry), first_at) if self.returns else first_at
        arrival = np.where(real, arrival, np.nan)
        service = self.service.take(entry)
        if self.returns:
            service = np.where(second, self.rservice.take(entry), service)
        served = real & ~never & (window != _PAD)
        outcome = np.where(real, np.where(never, UNSERVED, np.where(served, SERVED, ABANDONED)), _PAD)
        wait = np.subtract(until, arrival, out=np.full(until.shape, np.nan), where=real & ~never)
        stream = np.where(real, self.stream_of.take(entry), _PAD)
        queue_of = np.array([qi for qi, _ in self.streams] + [_PAD])
        prio_of = np.array([p for _, p in self.streams] + [False])
        keep = real.any(axis=1)  # drop the steps where every replication was idle

        def cut(x: np.ndarray) -> np.ndarray:
            return (x if keep.all() else x[keep]).T

        return Result(
            model=self.model,
            queue=cut(queue_of[stream]),
            priority=cut(prio_of[stream]),
            matter=cut(np.where(real, self.matter.take(entry), _PAD)),
            second=cut(second & real),
            arrival=cut(arrival),
            wait=cut(wait),
            outcome=cut(outcome.astype(np.int8)),
            window=cut(np.where(served, window, _PAD).astype(np.int16)),
            service=cut(np.where(served, service, np.nan)),
            gone_called=None if call is None else cut(np.where(real & ~never, call, np.nan)),
            window_labels=self.window_labels,
        )


def _by_matter(rng: np.random.Generator, matters: Sequence[Matter], matter: np.ndarray) -> np.ndarray:
    """Service times for visitors whose matters are `matter` (indices into `matters`)."""
    if len(matters) == 1:
        return matters[0].service.sample(rng, matter.size)
    out = np.empty(matter.size)
    for mi, mt in enumerate(matters):
        sel = matter == mi
        out[sel] = mt.service.sample(rng, int(sel.sum()))
    return out


def _patience(rng: np.random.Generator, mean: float | None, size: int) -> np.ndarray:
    return rng.exponential(mean, size) if mean is not None else np.full(size, np.inf)


def _by_rep(rep: np.ndarray, values: np.ndarray, reps: int) -> np.ndarray:
    """`values` grouped by replication (`rep` sorted): a (reps, longest) matrix padded with -1."""
    counts = np.bincount(rep, minlength=reps)
    pos = np.arange(rep.size) - (np.cumsum(counts) - counts)[rep]
    out = np.full((reps, int(counts.max(initial=0))), _PAD, dtype=np.int64)
    out[rep, pos] = values
    return out


def staffing_by_slot(group: WindowGroup, slots: int) -> list[int]:
    """Open windows of the group in each half-hour slot."""
    if isinstance(group.open, int | np.integer):
        return [int(group.open)] * slots
    return [int(c) for c in group.open]


def _row_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n = mask.sum(axis=1)
    total = np.where(mask, values, 0.0).sum(axis=1)
    return np.divide(total, n, out=np.full(n.shape, np.nan), where=n > 0)


def _row_quantile(values: np.ndarray, mask: np.ndarray, q: float) -> np.ndarray:
    n = mask.sum(axis=1)
    x = np.sort(np.where(mask, values, np.inf), axis=1)
    pos = q * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    has = n > 0
    xl = np.where(has, np.take_along_axis(x, lo[:, None], 1)[:, 0], 0.0)
    xh = np.where(has, np.take_along_axis(x, hi[:, None], 1)[:, 0], 0.0)
    return np.where(has, xl + (pos - lo) * (xh - xl), np.nan)


_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def _t975(df: int) -> float:
    """97.5% quantile of Student's t: the table up to 30 degrees of freedom, Cornish-Fisher beyond."""
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _validate(model: Model, replications: object) -> None:
    """Refuse a model that cannot be simulated, naming the first field at fault (ModelError.field).

    Each field on its own is checked by pydantic against the declarations on the dataclasses; what no single
    field can tell (queue codes, the length of the day, the window groups' queues and slots, the coverage of
    arrivals by open windows) is checked afterwards by the small plain functions below.
    """
    replications_checker, model_checker = _checkers()
    try:
        replications_checker.validate_python(replications)
    except ValidationError:
        raise ModelError(
            f"replications（重复次数）必须是正整数，收到 {replications!r}", field="replications"
        ) from None
    try:
        model_checker.validate_python(model)
    except ValidationError as exc:
        raise _model_error(model, min(exc.errors(), key=_rank)) from None
    _validate_codes(model)
    codes = [q.code for q in model.queues]
    for g in model.windows:
        _validate_group(g, codes, model.slots)
    _validate_coverage(model)


@cache
def _checkers() -> tuple[TypeAdapter[int], TypeAdapter[Model]]:
    """pydantic's validators of the replications (a positive int, not a NumPy one) and of a Model, built once."""
    replications: Any = Annotated[int, Strict(), Field(ge=1)]
    model: Any = Annotated[Model, _instance_of(Model)]
    return TypeAdapter(replications), TypeAdapter(model)


def _rank(error: ErrorDetails) -> int:
    """The run's own settings are judged before the queues and windows, in this order (as before pydantic);
    pydantic lists the rest in the order of the fields."""
    first = ("", "interval", "opens", "threshold", "load")
    head = str(error["loc"][0]) if error["loc"] else ""
    return first.index(head) if head in first else len(first)


# Each pydantic error as the Chinese reason shown, by its location with list positions as * (and the kind of
# error after # where one location has several reasons). {f} is the field path (queues, matters and window groups
# by their codes), {n} the position (from 1) in the list at fault, {value} what was given.
_REASONS = {
    "": "model：必须是 Model，收到 {value!r}",
    "interval": "interval（到达率时段）必须是 30 或 60 分钟，收到 {value!r}",
    "opens": "opens（开门时间）必须是 datetime.time，收到 {value!r}",
    "threshold": "threshold（叫号时限）必须是不小于零的数，收到 {value!r}",
    "load": "load：每天的到达倍数必须是不小于零的数，收到 {value!r}",
    "load.*": "load：每天的到达倍数必须是不小于零的数，收到 {value!r}",
    "queues": "queues：至少需要一个队列",
    "queues.*": "queues：第 {n} 个队列必须是 Queue，收到 {value!r}",
    "queues.*.code": "queues：第 {n} 个队列的编码必须是文字，收到 {value!r}",
    "queues.*.per_hour": "{f}：队列 {queue} 的到达率必须是数的列表，收到 {value!r}",
    "queues.*.per_hour#too_short": "{f}：队列 {queue} 没有到达率",
    "queues.*.per_hour#all_zero": "{f}：队列 {queue} 的到达率全为零",
    "queues.*.per_hour.*": "{f}：队列 {queue} 第 {n} 个时段的到达率必须是不小于零的数，收到 {value!r}",
    "queues.*.priority_share": "{f}：优先比例必须在 0 到 1 之间，收到 {value!r}",
    "queues.*.patience": "{f}：平均耐心时间必须大于零（不放弃请用 None），收到 {value!r}",
    "queues.*.no_show": "{f}：过号占用窗口的时间必须是不小于零的数，收到 {value!r}",
    "queues.*.matters": "{f}：队列 {queue} 的事项必须是 Matter 的列表，收到 {value!r}",
    "queues.*.matters#too_short": "{f}：队列 {queue} 没有事项",
    "queues.*.matters#all_zero": "{f}：队列 {queue} 的事项占比全为零",
    "queues.*.matters.*": "{f}：队列 {queue} 第 {n} 个事项必须是 Matter，收到 {value!r}",
    "queues.*.matters.*.code": "{f}：队列 {queue} 第 {n} 个事项的编码必须是文字，收到 {value!r}",
    "queues.*.matters.*.share": "{f}：事项 {matter} 的占比必须是不小于零的数，收到 {value!r}",
    "queues.*.matters.*.second_visit": "{f}：事项 {matter} 的二次到访概率必须在 [0, 1) 之间，收到 {value!r}",
    "queues.*.matters.*.return_after": "{f}：事项 {matter} 的返回间隔必须大于零，收到 {value!r}",
    "queues.*.matters.*.service": "{f}：事项 {matter} 的办理时长分布未知：{value!r}",
    "queues.*.matters.*.service.mean": "{f}：事项 {matter} 的平均办理时长必须大于零，收到 {value!r}",
    "queues.*.matters.*.service.cv": "{f}：事项 {matter} 的变异系数必须不小于零，收到 {value!r}",
    "queues.*.matters.*.service.durations": "{f}：事项 {matter} 的观测办理时长必须非空且都不小于零",
    "queues.*.matters.*.service.durations.*": "{f}：事项 {matter} 的观测办理时长必须非空且都不小于零",
    "windows": "windows：至少需要一组窗口",
    "windows.*": "windows：第 {n} 组窗口必须是 WindowGroup，收到 {value!r}",
    "windows.*.code": "windows：第 {n} 组窗口的编码必须是文字，收到 {value!r}",
    "windows.*.queues": "{f}：窗口组 {group} 服务的队列必须是队列编码的列表，收到 {value!r}",
    "windows.*.queues#too_short": "{f}：窗口组 {group} 服务的没有队列",
    "windows.*.queues.*": "{f}：窗口组 {group} 服务的未知队列 {value}",
    "windows.*.open": "{f}：窗口组 {group} 第 {n} 个半小时的开放窗口数必须是不小于零的整数，收到 {value!r}",
    "windows.*.open.*": "{f}：窗口组 {group} 第 {n} 个半小时的开放窗口数必须是不小于零的整数，收到 {value!r}",
}
_NAMED = {"queues": "queue", "matters": "matter", "windows": "group"}  # lists whose items have codes
_TAGS = {"Lognormal", "Exponential", "Empirical", "day", "slots"}  # the kinds of a union, not fields


def _model_error(model: Model, error: ErrorDetails) -> ModelError:
    """A pydantic error as the ModelError the checks have always raised (see _REASONS)."""
    loc = [part for part in error["loc"] if part not in _TAGS]
    pattern = ".".join("*" if isinstance(part, int) else part for part in loc)
    field, names = _field_path(model, loc)
    reason = _REASONS.get(f"{pattern}#{error['type']}") or _REASONS.get(
        pattern, "{f}：取值不符合要求，收到 {value!r}"
    )
    return ModelError(reason.format(f=field, value=error["input"], **names), field=field)


def _field_path(model: Model, loc: list[str | int]) -> tuple[str, dict[str, object]]:
    """The field path of a pydantic location: a queue, a matter or a window group by its code (the list itself
    when the item or its code is at fault), a position in a list of numbers left to the message as {n}."""
    path: list[str] = []
    names: dict[str, object] = {"n": 1}
    item: object = model
    for k, part in enumerate(loc):
        if isinstance(part, int):
            item = item[part]  # type: ignore[index]  # pydantic reached it by this position
            names["n"] = part + 1
            kind = _NAMED.get(str(loc[k - 1]))
            if kind and loc[k + 1 :] not in ([], ["code"]):
                names[kind] = code = str(getattr(item, "code", ""))  # the item passed: it is its dataclass
                path.append(code)
        elif loc[k:] != ["code"]:  # not an item's code (the list is at fault then)
            path.append(part)
            item = getattr(item, part, None)
    return ".".join(path) or "model", names


def _validate_codes(model: Model) -> None:
    """No queue code twice; every queue's arrival rates cover as many intervals as the first queue's."""
    codes = [q.code for q in model.queues]
    dup = next((c for c in codes if codes.count(c) > 1), None)
    if dup is not None:
        raise ModelError(f"queues：队列 {dup} 重复", field="queues")
    first = model.queues[0]
    for q in model.queues:
        if len(q.per_hour) != len(first.per_hour):
            f = f"queues.{q.code}.per_hour"
            raise ModelError(
                f"{f}：队列 {q.code} 有 {len(q.per_hour)} 个时段的到达率，"
                f"队列 {first.code} 有 {len(first.per_hour)} 个，必须一致",
                field=f,
            )


def _validate_group(g: WindowGroup, codes: list[str], slots: int) -> None:
    """A window group serves queues of the model; its staffing by slot has one count per half hour of the day."""
    f = f"windows.{g.code}"
    unknown = [c for c in g.queues if c not in codes]
    if unknown:
        raise ModelError(
            f"{f}.queues：窗口组 {g.code} 服务的未知队列 {', '.join(unknown)}", field=f"{f}.queues"
        )
    if not isinstance(g.open, int | np.integer) and len(g.open) != slots:
        raise ModelError(
            f"{f}.open：窗口组 {g.code} 的排班有 {len(g.open)} 个半小时，一天有 {slots} 个", field=f"{f}.open"
        )


def _validate_coverage(model: Model) -> None:
    """Every half hour with arrivals to a queue has a window open for it."""
    K = model.slots
    staffing = [staffing_by_slot(g, K) for g in model.windows]
    for q in model.queues:
        for k in range(K):
            if q.per_hour[k * SLOT // model.interval] <= 0:
                continue
            if not any(
                q.code in g.queues and open_[k] > 0 for g, open_ in zip(model.windows, staffing, strict=True)
            ):
                raise ModelError(
                    f"windows：队列 {q.code} 在 {model.slot_label(k)}（第 {k + 1} 个半小时）有到达，但没有为它开放的窗口",
                    field="windows",
                )


def _validate_trace(model: Model, trace: Trace) -> None:
    """A trace's columns are as long as each other and fit the model (plain checks: NumPy arrays, and what the
    model allows); its days cover every record's day."""
    n = len(trace.at)
    if any(len(x) != n for x in (trace.day, trace.queue, trace.priority, trace.matter)):
        raise ModelError("trace：到达记录的各列长度不一致", field="trace")
    if (
        not isinstance(trace.days, int)
        or trace.days < 1
        or (n and not 0 <= int(np.min(trace.day)) <= int(np.max(trace.day)) < trace.days)
    ):
        raise ModelError(
            f"trace.days：天数必须是正整数且覆盖每条记录的日序，收到 {trace.days!r}", field="trace.days"
        )
    if n and not (int(np.min(trace.queue)) >= 0 and int(np.max(trace.queue)) < len(model.queues)):
        raise ModelError("trace.queue：到达记录的队列不在模型中", field="trace.queue")
    _validate_trace_queues(model, trace)
    at = np.asarray(trace.at, dtype=float)
    if n and (not np.all(np.isfinite(at)) or at.min() < 0):
        raise ModelError("trace.at：到达时间必须是不小于零的分钟数", field="trace.at")


def _validate_trace_queues(model: Model, trace: Trace) -> None:
    """Each queue's records name its matters, and only the priority class where the queue has no other."""
    for qi, q in enumerate(model.queues):
        mine = np.asarray(trace.queue) == qi
        matter = np.asarray(trace.matter)[mine]
        if matter.size and not (int(matter.min()) >= 0 and int(matter.max()) < len(q.matters)):
            raise ModelError(f"trace.matter：队列 {q.code} 的到达记录含未知事项", field="trace.matter")
        if q.priority_share >= 1 and not np.asarray(trace.priority)[mine].all():
            raise ModelError(
                f"trace.priority：队列 {q.code} 只有优先类，到达记录含普通类", field="trace.priority"
            )
