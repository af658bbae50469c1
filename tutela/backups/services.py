"""Encrypted backups of an instance (database + file store) and all-or-nothing restores.

An archive is a tar stream inside Tink streaming AEAD (tutela.vault.archive): members ``database/NNNN``
(the database in chunks), ``files/<path>`` (the encrypted file store, as stored) and ``manifest.json`` last,
with the SHA-256 of every member. Restore reads and checks the whole archive before it changes anything,
then replaces the database and the file store; a failure part-way leaves the instance as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tutela import audit
from tutela.backups import engines
from tutela.core import clock
from tutela.vault import archive

FORMAT = 1


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    created_at: str
    engine: str
    database_bytes: int
    files: int


def backups_dir() -> Path:
    return Path(settings.TUTELA_HOME) / "backups"


def _files_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _add(tar: tarfile.TarFile, name: str, data: bytes, manifest: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
    manifest[name] = hashlib.sha256(data).hexdigest()


def backup_create(*, directory: Path | None = None) -> BackupSummary:
    """Writes one encrypted archive of the database and the file store; returns what it holds."""
    directory = directory or backups_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = clock.now().replace(microsecond=0)
    path = directory / f"tutela-{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.backup"
    header = {"format": FORMAT, "created_at": created.isoformat(), "engine": connection.vendor}
    manifest: dict[str, str] = {}
    database_bytes = files = 0
    with archive.open_for_writing(path, header) as out, tarfile.open(fileobj=out, mode="w|") as tar:
        for index, chunk in enumerate(engines.dump_chunks()):
            _add(tar, f"database/{index:05d}", chunk, manifest)
            database_bytes += len(chunk)
        root = _files_root()
        for file in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
            _add(tar, f"files/{file.relative_to(root).as_posix()}", file.read_bytes(), manifest)
            files += 1
        body = {"header": header, "members": manifest}
        _add(tar, "manifest.json", json.dumps(body, sort_keys=True).encode(), {})
    audit.record(kind="system", action="backup.created")
    return BackupSummary(path, header["created_at"], header["engine"], database_bytes, files)


class BackupInvalid(Exception):
    """The archive is damaged, altered, truncated, incomplete, or opens only with other keys."""


def _members(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        _header, reader = archive.open_for_reading(path)
        with reader, tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                extracted = tar.extractfile(member) if member.isfile() else None
                if extracted is None:
                    raise BackupInvalid(f"{path}: unexpected archive member {member.name!r}.")
                yield member.name, extracted.read()
    except BackupInvalid:
        raise
    except archive.ArchiveError as exc:
        raise BackupInvalid(str(exc)) from None
    except Exception as exc:  # Tink's authentication failure, a truncated tar, a wrong key
        raise BackupInvalid(
            f"{path} failed its integrity check ({type(exc).__name__}): it was altered, is incomplete, or "
            "needs the keys of another instance."
        ) from None


def backup_verify(path: Path) -> BackupSummary:
    """Decrypts and checks the whole archive without changing anything."""
    seen: dict[str, str] = {}
    manifest = None
    for name, data in _members(path):
        if name == "manifest.json":
            manifest = json.loads(data)
        elif manifest is not None:
            raise BackupInvalid(f"{path}: data after the manifest.")
        else:
            seen[name] = hashlib.sha256(data).hexdigest()
    if manifest is None:
        raise BackupInvalid(f"{path} has no manifest: the archive is incomplete.")
    if manifest["members"] != seen:
        raise BackupInvalid(f"{path}: its members do not match its manifest.")
    header = manifest["header"]
    if header.get("format") != FORMAT:
        raise BackupInvalid(f"{path} is format {header.get('format')}; this Tutela reads format {FORMAT}.")
    database = [n for n in seen if n.startswith("database/")]
    return BackupSummary(
        path,
        header["created_at"],
        header["engine"],
        len(database),
        len([n for n in seen if n.startswith("files/")]),
    )


def backup_restore(path: Path) -> BackupSummary:
    """Replaces this instance's database and file store with the archive's, or changes nothing."""
    summary = backup_verify(path)
    if summary.engine != connection.vendor:
        raise engines.RestoreRefused(
            f"The archive holds a {summary.engine} database; this instance uses {connection.vendor}."
        )
    files_root = _files_root()
    staging = files_root.with_name(files_root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700, parents=True)

    def database_stream() -> Iterator[bytes]:
        for name, data in _members(path):
            if name.startswith("database/"):
                yield data
            elif name.startswith("files/"):
                target = (staging / name.removeprefix("files/")).resolve()
                if not target.is_relative_to(staging.resolve()):
                    # Archives are authenticated, so this needs the backup key; refuse it all the same.
                    raise BackupInvalid(f"{path}: member {name!r} points outside the file store.")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                target.write_bytes(data)

    try:
        engines.restore_database(database_stream())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = files_root.with_name(files_root.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if files_root.exists():
        files_root.rename(previous)
    staging.rename(files_root)
    shutil.rmtree(previous, ignore_errors=True)
    return summary
