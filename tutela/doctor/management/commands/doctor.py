from django.core.management.base import BaseCommand

from tutela import audit
from tutela.doctor import findings
from tutela.policy import rls
from tutela.vault.scope import vault_scope

SYMBOL = {findings.CRITICAL: "CRITICAL", findings.WARNING: "warning ", findings.OK: "ok      "}


class Command(BaseCommand):
    help = "Check this deployment and say how to fix what is wrong. Exit status 1 on a critical finding."

    def handle(self, *args: object, **options: object) -> None:
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
