from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela import audit
from tutela.doctor import dependencies, findings
from tutela.policy import rls
from tutela.vault.scope import vault_scope

SYMBOL = {findings.CRITICAL: "CRITICAL", findings.WARNING: "warning ", findings.OK: "ok      "}


class Command(BaseCommand):
    help = "Check this deployment and say how to fix what is wrong. Exit status 1 on a critical finding."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--audit-dependencies",
            action="store_true",
            help="first run pip-audit on requirements.lock (needs https://pypi.org) and keep its report",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["audit_dependencies"]:
            try:
                report = dependencies.run_audit()
            except dependencies.AuditFailed as exc:
                raise CommandError(f"Could not audit the dependencies: {exc}") from None
            self.stdout.write(f"pip-audit report written to {report}\n")
        with vault_scope(), audit.context(actor=None, reason="doctor"), rls.system_scope():
            results = findings.run_all()
        for finding in results:
            line = f"{SYMBOL[finding.level]}  {finding.check}: {finding.message}"
            if finding.fix and finding.level != findings.OK:
                line += f"\n            fix: {finding.fix}"
            self.stdout.write(line)
        critical = sum(f.level == findings.CRITICAL for f in results)
        warnings = sum(f.level == findings.WARNING for f in results)
        self.stdout.write(f"\n{critical} critical, {warnings} warnings.")
        if critical:
            raise SystemExit(1)
