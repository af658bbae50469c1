from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tutela import audit
from tutela.backups import engines, services
from tutela.policy import rls
from tutela.vault.scope import vault_scope


class Command(BaseCommand):
    help = "Encrypted backups: create one, verify one, or restore one (all or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="write an encrypted archive of the database and file store")
        create.add_argument("--directory", type=Path, help="default: TUTELA_HOME/backups")
        verify = sub.add_parser("verify", help="decrypt and check an archive; changes nothing")
        verify.add_argument("archive", type=Path)
        restore = sub.add_parser("restore", help="replace this instance's data with the archive's")
        restore.add_argument("archive", type=Path)
        restore.add_argument("--yes", action="store_true", help="confirm that the current data is replaced")

    def handle(self, *args: object, verb: str, **options: object) -> None:
        try:
            with vault_scope(), audit.context(actor=None, reason=f"backup {verb}"), rls.system_scope():
                getattr(self, f"_{verb}")(options)
        except (services.BackupInvalid, engines.RestoreRefused) as exc:
            raise CommandError(str(exc)) from None

    def _create(self, options: dict) -> None:
        summary = services.backup_create(directory=options.get("directory"))
        self.stdout.write(
            f"Wrote {summary.path} ({summary.engine}, {summary.database_bytes} database bytes, "
            f"{summary.files} files). It opens only with this instance's keys: "
            "back up TUTELA_KEYS separately."
        )

    def _verify(self, options: dict) -> None:
        summary = services.backup_verify(options["archive"])
        self.stdout.write(
            f"{summary.path}: intact ({summary.engine}, made {summary.created_at}, {summary.files} files)."
        )

    def _restore(self, options: dict) -> None:
        if not options["yes"]:
            raise CommandError("Restoring replaces this instance's database and files: add --yes to confirm.")
        summary = services.backup_restore(options["archive"])
        audit.record(kind="system", action="backup.restored")
        self.stdout.write(f"Restored {summary.path} (made {summary.created_at}).")
