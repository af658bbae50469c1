"""Known vulnerabilities in the pinned dependencies (requirements.lock), found by pip-audit.

pip-audit needs the network (PyPI's vulnerability data), so the doctor does not run it on every page view:
``manage.py doctor --audit-dependencies`` (or CI) runs it and writes its JSON report to
``TUTELA_HOME/doctor/pip-audit.json``; the check reads that report. No report, or one older than a week,
is itself a finding: an audit nobody ran is not a clean audit.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

REPORT_MAX_AGE = datetime.timedelta(days=7)


class AuditFailed(Exception):
    """pip-audit could not run or could not reach its vulnerability service; the message says why."""


@dataclass(frozen=True)
class Vulnerable:
    name: str
    version: str
    ids: tuple[str, ...]
    fixes: tuple[str, ...]

    def describe(self) -> str:
        fix = f"upgrade to {' or '.join(self.fixes)}" if self.fixes else "no fixed version yet"
        return f"{self.name} {self.version} ({', '.join(self.ids)}): {fix}"


def report_path() -> Path:
    return Path(settings.TUTELA_HOME) / "doctor" / "pip-audit.json"


def lock_path() -> Path:
    return Path(settings.BASE_DIR) / "requirements.lock"


def pip_audit_command(lock: Path, output: Path) -> list[str]:
    """pip-audit against a hash-pinned lock, without installing it (--disable-pip), via PyPI's service."""
    executable = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or shutil.which("pip-audit")
    if executable is None:
        raise AuditFailed(
            "pip-audit is not installed: `pip install pip-audit` (it is in requirements-dev.lock), "
            "or let CI write the report"
        )
    return [
        executable,
        "--requirement",
        str(lock),
        "--disable-pip",
        "--require-hashes",
        "--vulnerability-service",
        "pypi",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--output",
        str(output),
    ]


def run_audit(lock: Path | None = None, output: Path | None = None) -> Path:
    """Runs pip-audit and writes its report; raises AuditFailed when no report could be produced."""
    lock = lock or lock_path()
    output = output or report_path()
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    output.unlink(missing_ok=True)
    command = pip_audit_command(lock, output)  # a fixed argv: the executable and paths, no shell
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    # Exit 1 with a report means "vulnerabilities found": that is a result, not a failure to audit.
    if not output.exists() or done.returncode not in (0, 1):
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AuditFailed(f"pip-audit exited {done.returncode}: {detail[0]}")
    return output


def parse_report(data: dict) -> tuple[list[Vulnerable], list[str]]:
    """(vulnerable packages, packages pip-audit skipped) from pip-audit's JSON format."""
    vulnerable, skipped = [], []
    for dep in data.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append(f"{dep['name']}: {dep['skip_reason']}")
            continue
        vulns = dep.get("vulns") or []
        if vulns:
            fixes = sorted({v for vuln in vulns for v in vuln.get("fix_versions", [])})
            vulnerable.append(
                Vulnerable(dep["name"], dep.get("version", "?"), tuple(v["id"] for v in vulns), tuple(fixes))
            )
    return vulnerable, skipped


def gate(data: dict) -> tuple[bool, list[str]]:
    """The CI verdict on a report: (passes, lines to print). A package pip-audit could not look up fails
    the gate as a vulnerability does: "could not check" must never read as "nothing found"."""
    vulnerable, skipped = parse_report(data)
    audited = len(data.get("dependencies", [])) - len(skipped)
    lines = [
        f"pip-audit: {audited} packages audited, {len(vulnerable)} vulnerable, {len(skipped)} not audited"
    ]
    lines += [f"  VULNERABLE {v.describe()}" for v in vulnerable]
    lines += [f"  NOT AUDITED {s}" for s in skipped]
    if skipped:
        lines.append(
            "  The vulnerability service could not be asked about these packages (offline, or the index "
            "does not serve per-version data): the audit did not happen. Run it where https://pypi.org is "
            "reachable."
        )
    return not vulnerable and not skipped, lines


def main(argv: list[str] | None = None) -> int:
    """``python -m tutela.doctor.dependencies LOCK``: scripts/test's gate. Exit 0: every package audited,
    none vulnerable; 1: a vulnerability, or only some packages audited; 2: pip-audit could not run;
    3: the vulnerability service answered for no package at all (unreachable: nothing was judged)."""
    args = sys.argv[1:] if argv is None else argv
    lock = Path(args[0] if args else "requirements.lock")
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        try:
            report = run_audit(lock, Path(scratch) / "pip-audit.json")
        except AuditFailed as exc:
            print(f"pip-audit: could not audit {lock}: {exc}", file=sys.stderr)
            return 2
        data = json.loads(report.read_text())
        ok, lines = gate(data)
    print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
    if ok:
        return 0
    vulnerable, skipped = parse_report(data)
    return 3 if not vulnerable and len(skipped) == len(data.get("dependencies", [])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
