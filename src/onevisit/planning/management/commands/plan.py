"""`onevisit plan --hall H --from D --to D [--weekday workdays] [--within 15 --share 0.8 --mean-wait 10]
[--scenario prereview --scenario online:cbdj:0.8788 …] [--replications 200] [--format xlsx|pdf] [-o FILE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from onevisit.accounts.cli import date_arg, one_hall
from onevisit.core.errors import DomainError
from onevisit.planning import export, services


class Command(BaseCommand):
    help = (
        "Plan the hall's windows from its own events: calibrate arrivals, service times and staffing from the "
        "period, then windows per queue per half hour (Erlang, checked by simulation), the waiting curve, a "
        "reduction plan and what-if scenarios; prints the summary and writes Excel or PDF with the charts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hall", help="hall code (default: the only hall)")
        parser.add_argument("--from", dest="start", required=True, type=date_arg, help="first local day")
        parser.add_argument("--to", dest="end", required=True, type=date_arg, help="last local day")
        parser.add_argument("--weekday", default="workdays", help="mon,tue… or 0-6, workdays (default), all")
        parser.add_argument("--within", help="minutes a visitor should be called within (default 15)")
        parser.add_argument("--share", help="share to call within that time (default 0.8)")
        parser.add_argument(
            "--mean-wait", help="mean wait to stay below, minutes (default 10; 'none' for no target)"
        )
        parser.add_argument(
            "--scenario",
            action="append",
            default=None,
            help="prereview[:0.2] | online:<matter>[:0.8788] | backoffice[:0.2] | merge[:40] | close:<n>; repeatable",
        )
        parser.add_argument(
            "--replications", type=int, default=200, help="simulated days per figure (default 200)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--format", choices=sorted(export.FORMATS), help="also write the plan as a file")
        parser.add_argument(
            "--output", "-o", type=Path, help="file to write (default: plan-<hall>-<from>-<to>.<format>)"
        )

    def handle(
        self,
        *args,
        hall,
        start,
        end,
        weekday,
        within,
        share,
        mean_wait,
        scenario,
        replications,
        seed,
        format,
        output,
        **options,
    ):
        the_hall = one_hall(hall)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        )
        try:
            request = services.Request(
                start=start,
                end=end,
                weekdays=services.weekdays(weekday),
                target=services.target(within, share, mean_wait),
                scenarios=services.scenario_codes(scenario)
                if scenario is not None
                else services.Request.scenarios,
                replications=replications,
                seed=seed,
            )
            with Progress(*columns, transient=True, disable=options.get("verbosity", 1) < 1) as bar:
                task = bar.add_task(f"plan {the_hall.code}", total=services.STEPS)
                outcome = services.build(
                    hall=the_hall.code,
                    tz_name=the_hall.timezone,
                    request=request,
                    names=services.hall_names(the_hall.code),
                    hall_name=the_hall.name,
                    progress=lambda step: bar.update(task, advance=1, description=step),
                )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(export.title(outcome))
        for name, value in export.summary(outcome):
            self.stdout.write(f"  {name}：{value}")
        header, rows = export.scenario_rows(outcome)
        for row in rows:
            self.stdout.write(f"  情景 {row[0]}：平均等待 {row[1]} → {row[2]} 分钟，达标最少窗口 {row[5]}")
        if format:
            output = output or Path(f"plan-{the_hall.code}-{start:%Y%m%d}-{end:%Y%m%d}.{format}")
            output.write_bytes(export.FORMATS[format](outcome))
            self.stdout.write(self.style.SUCCESS(f"plan written to {output}"))
