"""The dependency check (tutela/doctor/dependencies.py and findings.dependency_vulnerabilities).

Reports use pip-audit 2.x's real JSON format (``pip-audit --format json``): the clean one is the shape
pip-audit writes for audited packages, the vulnerable one carries a real advisory for an old Django.
"""

from __future__ import annotations

import io
import json
import os
import time

import pytest
from django.core.management import CommandError, call_command

from tutela.doctor import dependencies, findings

CLEAN = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {"name": "tink", "version": "1.16.1", "vulns": []},
    ],
    "fixes": [],
}
VULNERABLE = {
    "dependencies": [
        {
            "name": "django",
            "version": "4.2.0",
            "vulns": [
                {
                    "id": "PYSEC-2023-100",
                    "fix_versions": ["3.2.20", "4.1.10", "4.2.3"],
                    "aliases": ["CVE-2023-36053", "GHSA-jh3w-4vvf-mjgr"],
                    "description": "EmailValidator and URLValidator are subject to potential ReDoS.",
                }
            ],
        },
        {"name": "tink", "version": "1.16.1", "vulns": []},
    ],
    "fixes": [],
}
UNFIXED = {
    "dependencies": [
        {"name": "pillow", "version": "12.0.0", "vulns": [{"id": "GHSA-xxxx-yyyy-zzzz", "fix_versions": []}]}
    ],
    "fixes": [],
}
SKIPPED = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {
            "name": "tink",
            "skip_reason": "Dependency not found on PyPI and could not be audited: tink (1.16.1)",
        },
    ],
    "fixes": [],
}


@pytest.fixture
def report(settings, tmp_path):
    settings.TUTELA_HOME = tmp_path / "home"

    def write(data: object, *, age_days: float = 0) -> None:
        path = dependencies.report_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        then = time.time() - age_days * 86400
        os.utime(path, (then, then))

    return write


def test_no_report_is_a_warning_naming_the_command(report):
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.WARNING and "no pip-audit report" in result.message
    assert "doctor --audit-dependencies" in result.fix


def test_a_clean_fresh_report_passes(report):
    report(CLEAN)
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.OK and "no known vulnerability" in result.message


def test_a_vulnerable_package_with_a_fix_is_critical_and_names_the_fix(report):
    report(VULNERABLE)
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.CRITICAL
    assert result.message == (
        "known vulnerabilities: django 4.2.0 (PYSEC-2023-100): upgrade to 3.2.20 or 4.1.10 or 4.2.3"
    )
    assert "scripts/lock --upgrade-package" in result.fix


def test_a_vulnerability_without_a_fix_is_a_warning(report):
    report(UNFIXED)
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.WARNING and "no fixed version yet" in result.message


def test_packages_that_could_not_be_audited_are_not_called_clean(report):
    report(SKIPPED)
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.WARNING and result.message.startswith("not audited: tink")


def test_an_old_report_is_a_warning(report):
    report(CLEAN, age_days=8)
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.WARNING and "8 days old" in result.message


def test_an_unreadable_report_is_critical(report):
    report("{not json")
    (result,) = findings.dependency_vulnerabilities()
    assert result.level == findings.CRITICAL and "unreadable" in result.message


# --- the scripts/test gate ----------------------------------------------------------------------------------


def test_the_gate_passes_only_a_fully_audited_clean_report():
    assert dependencies.gate(CLEAN) == (True, ["pip-audit: 2 packages audited, 0 vulnerable, 0 not audited"])
    ok, lines = dependencies.gate(VULNERABLE)
    assert not ok and "  VULNERABLE django 4.2.0 (PYSEC-2023-100): upgrade to" in lines[1]
    ok, lines = dependencies.gate(SKIPPED)
    assert not ok and lines[0] == "pip-audit: 1 packages audited, 0 vulnerable, 1 not audited"
    assert "the audit did not happen" in lines[-1]


NOTHING_AUDITED = {
    "dependencies": [
        {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)"}
        for name in ("django", "tink")
    ],
    "fixes": [],
}


@pytest.mark.parametrize(
    ("data", "exit_code"),
    [(CLEAN, 0), (VULNERABLE, 1), (SKIPPED, 1), (UNFIXED, 1), (NOTHING_AUDITED, 3)],
    ids=["clean", "vulnerable", "partly audited", "unfixed", "service unreachable"],
)
def test_the_gate_exit_code_tells_scripts_test_what_happened(monkeypatch, tmp_path, data, exit_code):
    """scripts/test fails on 1 and 2, and reports 3 as NOT AUDITED (nothing could be judged)."""

    def audit(lock, output):
        output.write_text(json.dumps(data))
        return output

    monkeypatch.setattr(dependencies, "run_audit", audit)
    assert dependencies.main([str(tmp_path / "requirements.lock")]) == exit_code


def test_pip_audit_that_cannot_run_fails_loudly(tmp_path):
    missing = tmp_path / "no-such.lock"
    with pytest.raises(dependencies.AuditFailed, match=r"pip-audit exited [1-9]"):
        dependencies.run_audit(missing, tmp_path / "out.json")  # the real pip-audit, on a missing file
    assert dependencies.main([str(missing)]) == 2


def test_the_doctor_command_reports_an_audit_that_could_not_run(report, settings, tmp_path):
    settings.BASE_DIR = tmp_path  # no requirements.lock here
    with pytest.raises(CommandError, match="Could not audit the dependencies: pip-audit exited"):
        call_command("doctor", "--audit-dependencies", stdout=io.StringIO())


def test_a_missing_pip_audit_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(dependencies.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(dependencies.AuditFailed, match="pip install pip-audit"):
        dependencies.pip_audit_command(tmp_path / "requirements.lock", tmp_path / "out.json")
