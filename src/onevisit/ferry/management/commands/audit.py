"""`onevisit audit verify` (the whole chain against the signed checkpoints) / `onevisit audit checkpoint` /
`onevisit audit pin-key` (the public key verification trusts, written outside the data directory)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from onevisit.ferry import audit
from onevisit.ferry.models import AuditHead


class Command(BaseCommand):
    help = (
        "Verify the data ferry's audit chain, write a signed checkpoint of its head, or pin its public key."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every record and checkpoint; name the first broken record")
        sub.add_parser("checkpoint", help="sign the chain's current head into the checkpoint file")
        pin = sub.add_parser(
            "pin-key",
            help="print the checkpoint signing key's public half; --write PATH keeps it in a file outside the "
            "data directory for ONEVISIT_AUDIT_PUBLIC_KEY (never replacing another key)",
        )
        pin.add_argument("--write", type=Path, metavar="PATH")

    def handle(self, *args, action, **options):
        if action == "checkpoint":
            cp = audit.checkpoint()
            if cp is None:
                self.stdout.write("the chain is empty: nothing to checkpoint")
            else:
                self.stdout.write(self.style.SUCCESS(f"checkpoint at record {cp.seq}: {cp.hash}"))
            return
        if action == "pin-key":
            self.pin(options["write"])
            return
        total = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        with Progress(transient=True, disable=options.get("verbosity", 1) < 1) as bar:
            task = bar.add_task("verifying audit chain", total=total)
            verdict = audit.verify(by="cli", progress=lambda: bar.advance(task))
        if not verdict.ok and verdict.first_broken is None:
            raise CommandError(f"审计链未能校验 (audit chain NOT verified): {verdict.reason}")
        if not verdict.ok:
            raise CommandError(f"audit chain BROKEN at record {verdict.first_broken}: {verdict.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {verdict.checked} records, {verdict.checkpoints} signed checkpoints"
            )
        )

    def pin(self, path: Path | None) -> None:
        try:
            hexed = audit.pin_public_key(path) if path else audit.key_hex(audit.public_key())
        except audit.UntrustedKey as exc:
            raise CommandError(str(exc)) from None
        signer = Path(settings.ONEVISIT_AUDIT_SIGNING_KEY).resolve()
        if signer.is_relative_to(Path(settings.DATA_DIR).resolve()):
            self.stderr.write(
                f"warning: the signing key {signer} sits in the data directory, beside the database: whoever "
                "copies one has both. In production set ONEVISIT_AUDIT_SIGNING_KEY to a path apart."
            )
        if path:
            self.stdout.write(self.style.SUCCESS(f"checkpoint public key pinned in {path.resolve()}"))
            self.stdout.write(f"export ONEVISIT_AUDIT_PUBLIC_KEY={path.resolve()}")
        else:
            self.stdout.write(f"export ONEVISIT_AUDIT_PUBLIC_KEY={hexed}")
