from django.core.management.base import BaseCommand, CommandError

from tutela import audit
from tutela.policy import rls
from tutela.vault import keys
from tutela.vault.models import Keyring


class Command(BaseCommand):
    help = (
        "Rotate keys. --root: new root key, every school key re-wrapped. --school URN or --all-schools: "
        "new school key, every pupil key under it re-wrapped. Encrypted data is never rewritten."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--root", action="store_true")
        group.add_argument("--school", metavar="URN")
        group.add_argument("--all-schools", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        with audit.context(actor=None, reason="key rotation"), rls.system_scope():
            if options["root"]:
                count = keys.root_rotate()
                audit.record(kind="system", action="vault.root_rotated")
                self.stdout.write(f"Root key rotated; {count} keyrings re-wrapped.")
                return
            for keyring in self._keyrings(options):
                count = keys.keyring_rotate(keyring)
                audit.record(kind="system", action="vault.keyring_rotated", target=keyring)
                self.stdout.write(f"{keyring.name}: rotated; {count} keys re-wrapped.")

    def _keyrings(self, options: dict) -> list[Keyring]:
        from tutela.schools.models import School

        if options["all_schools"]:
            return [s.keyring for s in School.objects.select_related("keyring")]
        school = School.objects.select_related("keyring").filter(urn=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has URN {options['school']!r}.")
        return [school.keyring]
