"""The dependency contracts in .importlinter hold (and cannot be emptied without this failing)."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = {
    "Apps sit on the security layers; policy on audit, audit on vault, everything on core; never the reverse",
    "Only tutela.vault.crypto talks to Tink",
}


def test_the_contracts_are_declared():
    config = configparser.ConfigParser()
    assert config.read(ROOT / ".importlinter"), ".importlinter is missing"
    names = {config[s]["name"] for s in config.sections() if s.startswith("importlinter:contract:")}
    assert names == CONTRACTS
    layers = config["importlinter:contract:layers"]
    assert layers["exhaustive"] == "True"  # a new package in tutela/ must be placed in a layer
    assert layers["layers"].split()[-4:] == ["policy", "audit", "vault", "core"]


def test_lint_imports_finds_every_contract_kept():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout
