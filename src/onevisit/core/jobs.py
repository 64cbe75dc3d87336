"""Background jobs (issue 17): work that should not hold up a page — a message to a citizen's phone now, reminders,
reports and long computations next — runs on Django-Q2's cluster (`onevisit jobs`): several worker processes
whose queue is a table of the product's own database (its ORM broker), so it runs the same on SQLite and
PostgreSQL with nothing else to install. Its tasks, failures and schedules are in the admin (后台任务).

`ONEVISIT_JOBS` says where a job runs: `cluster` hands it to the cluster once the caller's transaction commits;
`inline` (the default: a hall that runs no cluster, and the tests) runs it at once in the caller's process.
PERIODIC lists the jobs the cluster runs on a timer; `onevisit jobs` writes them as Django-Q2 schedules at start,
so a deployment never sets them up by hand. Retrying is the job's own business (an outbox row with its next try,
as core.notify does): Django-Q2's retry re-runs a task whose worker died, at a fixed interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

CLUSTER, INLINE = "cluster", "inline"


@dataclass(frozen=True)
class Periodic:
    name: str  # the schedule's name, as the admin lists it
    func: str  # the job's dotted path
    minutes: int


PERIODIC: list[Periodic] = []


def periodic(name: str, func: str, minutes: int) -> None:
    """Declare a job the cluster runs every `minutes` (each domain declares its own at start-up)."""
    if not any(p.func == func for p in PERIODIC):
        PERIODIC.append(Periodic(name, func, minutes))


def enqueue(func: str, *args: Any, name: str = "") -> None:
    """Run the job `func(*args)` in the background (after the caller's transaction commits, so the rows it reads
    are there), or at once when jobs run inline. Its arguments are plain values: ids, not rows."""
    if settings.ONEVISIT_JOBS == INLINE:
        import_string(func)(*args)
        return
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args, task_name=name or func.rsplit(".", 1)[-1]))


def ensure_schedules() -> list[str]:
    """Write PERIODIC as Django-Q2 schedules (made or brought up to date; one row each, whatever restarts), and
    return their names."""
    from django_q.models import Schedule

    for job in PERIODIC:
        Schedule.objects.update_or_create(
            name=job.name,
            defaults={
                "func": job.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": job.minutes,
                "repeats": -1,
            },
        )
    return [job.name for job in PERIODIC]
