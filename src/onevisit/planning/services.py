"""The window plan for a hall from its own event log: load, calibrate, plan, compare scenarios.

Reads core.Event only (like the metrics), so it works on real events and on the synthetic history alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from onevisit.accounts.models import Window
from onevisit.core.errors import Invalid
from onevisit.core.models import Event
from onevisit.metrics.queries import bounds
from onevisit.planning import calibrate, plan
from onevisit.planning.erlang import PlanningError
from onevisit.queueing.models import Queue
from onevisit.simulators import history

WEEKDAY_CODES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
WORKDAYS = (0, 1, 2, 3, 4)
MAX_REPLICATIONS = 1000
STEPS = 4  # calibration, plan, curve, scenarios: what a progress bar counts
REPLAY_REPEATS = 20  # each of the hall's days replayed this many times to set the model beside its waits


@dataclass(frozen=True)
class Request:
    """What a planner asks for, validated at the edge (page, API, command)."""

    start: date
    end: date
    weekdays: tuple[int, ...] = WORKDAYS
    target: plan.Target = plan.Target()
    scenarios: tuple[str, ...] = ("prereview", "backoffice", "merge", "close:1")
    replications: int = 200
    seed: int = 1


@dataclass(frozen=True)
class Outcome:
    hall: str
    request: Request
    calibration: calibrate.Calibration
    day: plan.Day
    plan: plan.Plan
    curve: list[plan.Point]
    scenarios: list[plan.Outcome]
    reductions: list[plan.Reduction]  # fewest windows first
    measured: tuple[float, float] | None  # the hall's own mean and P90 wait on those weekdays, minutes
    replayed: tuple[float, float] | None = None  # the model replaying the hall's own tickets, as measured
    days: int = 0  # the days of those weekdays in the period
    hall_name: str = ""
    queue_names: dict[str, str] = field(default_factory=dict)  # code → what the hall calls it, for tables
    window_names: dict[str, str] = field(default_factory=dict)

    def queue(self, code: str) -> str:
        return self.queue_names.get(code, code)

    def window(self, code: str) -> str:
        return self.window_names.get(code, code)


def weekdays(text: str) -> tuple[int, ...]:
    """ "mon,tue" / "0,1" / "workdays" / "all" → weekday numbers; anything else → Invalid naming the field."""
    text = (text or "workdays").strip().lower()
    if text in ("workdays", "weekdays", "工作日"):
        return WORKDAYS
    if text in ("all", "全部"):
        return tuple(range(7))
    out = set()
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if part in WEEKDAY_CODES:
            out.add(WEEKDAY_CODES[part])
        elif part.isdigit() and int(part) in range(7):
            out.add(int(part))
        else:
            raise Invalid(f"星期应为 mon…sun、0–6、workdays 或 all：{part[:20]}", field="weekday")
    return tuple(sorted(out))


def events(*, hall: str, start: date, end: date, tz_name: str):
    """The hall's events the calibration reads, local days start..end, as its Arrow table."""
    begin, finish = bounds(start, end, tz_name)
    rows = (
        Event.objects.filter(hall=hall, type__in=calibrate.EVENT_TYPES, at__gte=begin, at__lt=finish)
        .order_by("at", "id")
        .values_list("at", "type", "queue", "window", "matter", "ticket", "case", "data")
    )
    return calibrate.table(rows.iterator(chunk_size=5000), ZoneInfo(tz_name))


def build(
    *,
    hall: str,
    tz_name: str,
    request: Request,
    progress: Callable[[str], None] | None = None,
    hall_name: str = "",
    names: dict[str, dict[str, str]] | None = None,
) -> Outcome:
    """Calibrate from the period, then the plan, the waiting curve and the scenarios. Planning errors (too few
    events, a target no number of windows meets, a scenario that leaves a queue without a window) become
    Invalid naming the field, for the page, the API and the command alike."""
    say = progress or (lambda _: None)
    if not 1 <= request.replications <= MAX_REPLICATIONS:
        raise Invalid(f"重复次数应在 1 到 {MAX_REPLICATIONS} 之间", field="replications")
    r, target_, seed = request.replications, request.target, request.seed
    try:
        scenarios = [plan.parse(s, history.QUEUE_NAMES) for s in request.scenarios]
        table = events(hall=hall, start=request.start, end=request.end, tz_name=tz_name)
        cal = calibrate.calibrate(table, start=request.start.isoformat(), end=request.end.isoformat())
        day = plan.day_from(cal, request.weekdays)
        replay = plan.replay(cal, day, target_, repeats=REPLAY_REPEATS, seed=seed)
        say("calibrated")
        today = plan.simulate_today(day, target_, r, seed)
        the_plan = plan.recommend(day, target_, replications=r, seed=seed, today=today)
        say("planned")
        points = plan.curve(day, target_, replications=r, seed=seed)
        cuts = plan.reductions(day, target_, points, replications=r, seed=seed)
        say("curve")
        outcomes = plan.what_if(day, scenarios, target_, replications=r, seed=seed, today=today, cuts=cuts)
        say("scenarios")
    except PlanningError as exc:
        raise Invalid(exc.message, field=exc.field or "plan") from None
    return Outcome(
        hall,
        request,
        cal,
        day,
        the_plan,
        points,
        outcomes,
        cuts,
        cal.measured(day.weekdays),
        plan.as_measured(replay),
        replay.replications // REPLAY_REPEATS,
        hall_name,
        {**history.QUEUE_NAMES, **(names or {}).get("queues", {})},
        (names or {}).get("windows", {}),
    )


def hall_names(hall: str) -> dict[str, dict[str, str]]:
    """What the hall calls its queues and windows (code → name), for the plan's tables: build takes it from its
    callers, so that a plan computed from given events (tests, files) needs no database."""
    return {
        "queues": dict(Queue.objects.filter(hall__code=hall).values_list("code", "name")),
        "windows": dict(Window.objects.filter(hall__code=hall).values_list("code", "name")),
    }


def target(
    within: str | float | None, share: str | float | None, mean_wait: str | float | None
) -> plan.Target:
    """The service-level target from form or command values (blank: the default)."""

    def number(value, name: str, default):
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        try:
            return float(str(value).strip().rstrip("%"))
        except ValueError:
            raise Invalid(f"应为数字：{str(value)[:20]}", field=name) from None

    base = plan.Target()
    share_value = number(share, "share", base.share)
    share_value = share_value / 100 if share_value > 1 else share_value
    no_mean = isinstance(mean_wait, str) and mean_wait.strip().lower() in ("none", "off")
    try:
        return plan.Target(
            within=number(within, "within", base.within),
            share=share_value,
            mean_wait=None if no_mean else number(mean_wait, "mean_wait", base.mean_wait),
        )
    except PlanningError as exc:
        raise Invalid(str(exc), field=exc.field) from None


def online_scenario(queue: str | None, share: str | None) -> str:
    """The page's 转网上办理 inputs as a scenario code ("" when no queue is chosen): a share in percent (87.88) or
    as a fraction (0.8788); a bad share is Invalid naming the field."""
    queue = (queue or "").strip()
    if not queue:
        return ""
    text = (share or "").strip().rstrip("%") or "87.88"
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"网办比例应为数字：{text[:20]}", field="online_share") from None
    value = value / 100 if value > 1 else value
    if not 0 < value <= 1:
        raise Invalid(f"网办比例应在 0 与 100% 之间：{text[:20]}", field="online_share")
    if ":" in queue or "+" in queue or "," in queue:
        raise Invalid(f"队列代码不能含 : + ,：{queue[:20]}", field="online_queue")
    return f"online:{queue}:{value:g}"


def queue_label(code: str) -> str:
    """A queue's code with its name where known (the synthetic halls' queues; a hall's own show their code)."""
    name = history.QUEUE_NAMES.get(code)
    return f"{name}（{code}）" if name else code


def scenario_codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v and v.strip())
