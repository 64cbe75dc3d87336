"""`onevisit audit verify` (the whole chain against the signed checkpoints) / `onevisit audit checkpoint`."""

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from onevisit.ferry import audit
from onevisit.ferry.models import AuditHead


class Command(BaseCommand):
    help = "Verify the data ferry's audit chain, or write a signed checkpoint of its head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every record and checkpoint; name the first broken record")
        sub.add_parser("checkpoint", help="sign the chain's current head into the checkpoint file")

    def handle(self, *args, action, **options):
        if action == "checkpoint":
            cp = audit.checkpoint()
            if cp is None:
                self.stdout.write("the chain is empty: nothing to checkpoint")
            else:
                self.stdout.write(self.style.SUCCESS(f"checkpoint at record {cp.seq}: {cp.hash}"))
            return
        total = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        with Progress(transient=True, disable=options.get("verbosity", 1) < 1) as bar:
            task = bar.add_task("verifying audit chain", total=total)
            verdict = audit.verify(by="cli", progress=lambda: bar.advance(task))
        if not verdict.ok:
            raise CommandError(f"audit chain BROKEN at record {verdict.first_broken}: {verdict.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {verdict.checked} records, {verdict.checkpoints} signed checkpoints"
            )
        )
