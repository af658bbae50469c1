"""Encrypted backups against real instances (a file database, real keys, real files), in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COUNT_SCRIPT = """
from tutela.pupils.models import Pupil
from tutela.vault.scope import vault_scope
from tutela.policy import rls
with vault_scope(), rls.system_scope():
    pupils = list(Pupil.system.select_related("data_key__keyring").order_by("pk"))
    photos = sum(1 for p in pupils if len(p.photo.read_plaintext()) > 1000 and p.photo_thumbnail)
    print(len(pupils), photos, "|".join(sorted(p.legal_last_name for p in pupils)))
"""


class Instance:
    def __init__(self, root: Path, database_url: str | None = None) -> None:
        self.home, self.keys = root / "home", root / "keys"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTELA_", "DJANGO_"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.base",
            TUTELA_HOME=str(self.home),
            TUTELA_KEYS=str(self.keys),
        )
        if database_url:
            self.env["TUTELA_DATABASE_URL"] = database_url
            self.env["TUTELA_PG_BIN"] = os.environ.get("TUTELA_TEST_PG_BIN", "")

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def state(self) -> str:
        return self.manage("shell", "--verbosity", "0", "-c", COUNT_SCRIPT).stdout.strip()

    def archive(self) -> Path:
        self.manage("backup", "create")
        return max((self.home / "backups").glob("*.backup"), key=lambda p: p.stat().st_mtime)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Instance, str, Path]:
    instance = Instance(tmp_path_factory.mktemp("backup-sqlite"))
    instance.manage("instance_init")
    instance.manage("seed_demo", "--pupils-per-form", "1")
    before = instance.state()
    return instance, before, instance.archive()


def test_a_backup_restores_every_pupil_and_photo_after_a_wipe(seeded):
    instance, before, archive = seeded
    count, photos, _names = before.split(" ", 2)
    assert int(count) == int(photos) > 20
    for path in instance.home.glob("tutela.sqlite3*"):
        path.unlink()
    for path in sorted((instance.home / "files").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    instance.manage("backup", "restore", str(archive), "--yes")
    assert instance.state() == before
    assert "Audit chain intact" in instance.manage("audit", "verify").stdout


def test_the_archive_holds_no_plaintext_and_no_image(seeded):
    _instance, before, archive = seeded
    data = archive.read_bytes()
    # Long names only: any 3-letter string turns up by chance in megabytes of ciphertext.
    names = [name for name in before.split(" ", 2)[2].split("|") if len(name) >= 7][:10]
    assert len(names) >= 3
    for name in names:
        assert name.encode() not in data
    # Full signatures only: a 3-byte one like JPEG's FF D8 FF turns up by chance in megabytes of ciphertext.
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00\x10JFIF", b"SQLite format 3\x00"):
        assert magic not in data
    assert archive.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", ["flip", "truncate", "header"])
def test_a_damaged_archive_is_refused_before_anything_changes(seeded, tmp_path, damage):
    instance, before, archive = seeded
    data = bytearray(archive.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        del data[-4096:]
    else:
        data = data.replace(b'"engine": "sqlite"', b'"engine": "sqlitf"', 1)
    broken = tmp_path / "broken.backup"
    broken.write_bytes(bytes(data))
    result = instance.manage("backup", "restore", str(broken), "--yes", check=False)
    assert result.returncode != 0
    assert "integrity check" in result.stderr
    assert instance.state() == before


def test_an_archive_does_not_open_with_another_instances_keys(seeded, tmp_path):
    _instance, _before, archive = seeded
    stranger = Instance(tmp_path / "stranger")
    stranger.manage("instance_init")
    result = stranger.manage("backup", "verify", str(archive), check=False)
    assert result.returncode != 0
    assert "integrity check" in result.stderr


def test_restore_needs_confirmation(seeded):
    instance, before, archive = seeded
    result = instance.manage("backup", "restore", str(archive), check=False)
    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert instance.state() == before


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_an_empty_database(tmp_path, django_db_blocker):
    base_url = os.environ["TUTELA_TEST_DATABASE_URL"]
    pg_bin = Path(os.environ["TUTELA_TEST_PG_BIN"])
    socket, port = os.environ["TUTELA_TEST_PG_SOCKET"], os.environ["TUTELA_TEST_PG_PORT"]
    names = [f"backup_{tmp_path.name[-8:].lower()}_{n}" for n in ("a", "b")]
    connect = ["-h", socket, "-p", port, "-U", "tutela_app"]
    for name in names:
        subprocess.run([pg_bin / "createdb", *connect, name], check=True)
    try:
        source = Instance(tmp_path, base_url.replace("/tutela?", f"/{names[0]}?"))
        source.manage("instance_init")
        source.manage("seed_demo", "--pupils-per-form", "1")
        before = source.state()
        archive = source.archive()
        refused = source.manage("backup", "restore", str(archive), "--yes", check=False)
        assert "not empty" in refused.stderr
        target = Instance(tmp_path, base_url.replace("/tutela?", f"/{names[1]}?"))
        for path in sorted((source.home / "files").rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        target.manage("backup", "restore", str(archive), "--yes")
        assert target.state() == before
        assert "Audit chain intact" in target.manage("audit", "verify").stdout
    finally:
        for name in names:
            subprocess.run([pg_bin / "dropdb", *connect, "--if-exists", name], check=False)
