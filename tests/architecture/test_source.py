"""Source rules checked on the syntax tree of tutela/: no raw SQL outside an explicit, shrinking list of
places that need it, and no Tink outside the vault's crypto module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tutela"

# Each entry says why raw SQL is the only way there. Remove an entry when its file stops needing it.
RAW_SQL_ALLOWED = {
    "tutela/core/views.py": "healthz: the cheapest round trip that proves the database answers",
    "tutela/policy/rls.py": "row-level security DDL, grants and set_config(): no ORM equivalent",
    "tutela/backups/engines.py": "PRAGMA integrity_check of a restored SQLite file; PostgreSQL table count",
    "tutela/doctor/findings.py": "reads PostgreSQL's own catalogues (pg_roles, pg_settings, pg_stat_ssl)",
}
RAW_SQL_METHODS = {"raw", "extra", "execute", "executemany", "executescript"}
RAW_SQL_NAMES = {"RawSQL"}
TINK_ALLOWED = {"tutela/vault/crypto.py"}


def python_files() -> Iterator[tuple[str, ast.AST]]:
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" not in relative:
            yield relative, ast.parse(path.read_text(), filename=relative)


def is_raw_sql(node: ast.AST) -> bool:
    """``.raw(...)``, ``.extra(...)``, ``.execute(...)`` and friends, or any mention of ``RawSQL``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in RAW_SQL_METHODS
    if isinstance(node, ast.Name):
        return node.id in RAW_SQL_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in RAW_SQL_NAMES
    if isinstance(node, ast.ImportFrom):
        return any(alias.name in RAW_SQL_NAMES for alias in node.names)
    return False


def is_tink_import(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "tink" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "tink"
    return False


def raw_sql_uses(tree: ast.AST) -> list[int]:
    return sorted({node.lineno for node in ast.walk(tree) if is_raw_sql(node)})  # type: ignore[attr-defined]


def tink_imports(tree: ast.AST) -> list[int]:
    return sorted({node.lineno for node in ast.walk(tree) if is_tink_import(node)})  # type: ignore[attr-defined]


def test_the_scanners_see_what_they_look_for():
    sample = ast.parse(
        "Pupil.objects.raw('SELECT 1')\nqs.extra(where=['1=1'])\nc.execute('x')\n"
        "from django.db.models.expressions import RawSQL\nimport tink.aead\nfrom tink import mac\n"
    )
    assert raw_sql_uses(sample) == [1, 2, 3, 4]
    assert tink_imports(sample) == [5, 6]
    assert raw_sql_uses(ast.parse("Pupil.objects.filter(on_roll=True)\nimport json")) == []


def test_no_raw_sql_outside_the_allowed_modules():
    found = {
        path: lines
        for path, tree in python_files()
        if (lines := raw_sql_uses(tree)) and path not in RAW_SQL_ALLOWED
    }
    assert found == {}, (
        "raw SQL bypasses the policy scope and the encrypted fields; use the ORM, or add the file to "
        f"RAW_SQL_ALLOWED with the reason. Found at (file: lines): {found}"
    )


def test_every_allowed_raw_sql_module_still_needs_it():
    trees = dict(python_files())
    stale = [path for path in RAW_SQL_ALLOWED if path not in trees or not raw_sql_uses(trees[path])]
    assert stale == [], f"these no longer use raw SQL: remove them from RAW_SQL_ALLOWED: {stale}"


def test_only_the_vault_crypto_module_imports_tink():
    found = {
        path: lines
        for path, tree in python_files()
        if (lines := tink_imports(tree)) and path not in TINK_ALLOWED
    }
    assert found == {}, f"only tutela/vault/crypto.py may import tink; found at (file: lines): {found}"
