from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tutela.audit import chain


class Command(BaseCommand):
    help = "Verify the audit chain, sign a checkpoint, or export the signed checkpoints."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 naming the first bad event")
        verify.add_argument("--checkpoints", type=Path, help="an exported checkpoint file kept off the host")
        sub.add_parser("checkpoint", help="sign the current end of the chain")
        export = sub.add_parser(
            "export-checkpoints", help="write the public key and checkpoints as JSON lines"
        )
        export.add_argument("file", type=Path)

    def handle(self, *args: object, verb: str, **options: object) -> None:
        if verb == "verify":
            external = options.get("checkpoints")
            verdict = chain.verify(external.read_text() if external else None)  # type: ignore[union-attr]
            if not verdict.ok:
                raise CommandError(f"Audit chain BROKEN: {verdict.problem}.")
            self.stdout.write(
                f"Audit chain intact: {verdict.events} events, {verdict.checkpoints} signed checkpoints."
            )
        elif verb == "checkpoint":
            checkpoint = chain.checkpoint_now()
            self.stdout.write(f"Checkpoint at event {checkpoint.seq}." if checkpoint else "The log is empty.")
        else:
            path: Path = options["file"]  # type: ignore[assignment]
            path.write_text(chain.export_checkpoints())
            self.stdout.write(f"Wrote {path}. Keep it somewhere the application host cannot write.")
