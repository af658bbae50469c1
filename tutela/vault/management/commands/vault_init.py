from django.core.management.base import BaseCommand

from tutela.vault import archive, root, signing


class Command(BaseCommand):
    help = "Create the root key and the audit signing key in TUTELA_KEYS, if they do not exist."
    requires_system_checks: list[str] = []

    def handle(self, *args: object, **options: object) -> None:
        location = root.location()
        if location.is_file and not location.path.exists():
            path = root.create_file_key()
            self.stdout.write(f"Created the root key {path} (mode 0600). Back it up apart from the data.")
        problems = root.problems()
        if problems:
            raise SystemExit("\n".join(problems))
        signing.ensure_signing_key()
        archive.ensure_key()
        self.stdout.write("Root key, audit signing key and backup key are in place.")
