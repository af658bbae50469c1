"""Getting the database out and back in, per engine, without a clear-text copy on disk.

SQLite: the whole database image in memory (``Connection.serialize``) and back, written to a new file
that replaces the old one in one rename. PostgreSQL: ``pg_dump --format=custom`` streamed out, and
``pg_restore --single-transaction`` into an empty database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

CHUNK = 8 * 1024 * 1024


class RestoreRefused(Exception):
    """Restoring would overwrite something, or a tool is missing; nothing was changed."""


def pg_tool(name: str) -> str:
    for directory in (settings.TUTELA_PG_BIN, "/usr/lib/postgresql/15/bin"):
        candidate = Path(directory) / name if directory else None
        if candidate and candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RestoreRefused(f"{name} was not found: install postgresql-client-15 or set TUTELA_PG_BIN.")
    return found


def _pg_conninfo(**extra: str) -> tuple[str, dict[str, str]]:
    from psycopg.conninfo import make_conninfo

    params = connection.get_connection_params()
    password = params.pop("password", None)
    keep = {k: str(v) for k, v in params.items() if k in {"dbname", "user", "host", "port", "sslmode"} and v}
    keep.update(extra)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)  # in the child's environment, never on its command line
    return make_conninfo(**keep), env


def dump_chunks() -> Iterator[bytes]:
    """The database as a sequence of byte chunks (kept in memory, never on disk in the clear)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        image = connection.connection.serialize()
        for start in range(0, len(image), CHUNK):
            yield image[start : start + CHUNK]
        return
    # Row-level security is forced even for the owner: the dump reads through the policies, with the
    # explicit all-schools setting a backup needs (the same one commands use, see tutela/policy/rls.py).
    conninfo, env = _pg_conninfo(options="-c tutela.all_schools=on")
    process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--enable-row-security",
            "--dbname",
            conninfo,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    while chunk := process.stdout.read(CHUNK):
        yield chunk
    _, errors = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {errors.decode(errors='replace').strip()}")


def restore_database(chunks: Iterator[bytes]) -> None:
    if connection.vendor == "sqlite":
        _restore_sqlite(b"".join(chunks))
    else:
        _restore_postgresql(chunks)


def _restore_sqlite(image: bytes) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    staging = target.with_name(target.name + ".restoring")
    staging.unlink(missing_ok=True)
    image = bytearray(image)
    if image[18:20] == b"\x02\x02":
        # The live database runs in WAL mode; an in-memory copy cannot. Bytes 18-19 of the header say
        # which (2 = WAL, 1 = rollback journal); the restored file is put back in WAL mode when opened.
        image[18:20] = b"\x01\x01"
    restored = sqlite3.connect(":memory:")
    restored.deserialize(bytes(image))
    if restored.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        raise RestoreRefused("The archived database fails SQLite's integrity check.")
    out = sqlite3.connect(staging)
    restored.backup(out)
    out.close()
    restored.close()
    os.chmod(staging, 0o600)
    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staging, target)


def _restore_postgresql(chunks: Iterator[bytes]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        if cursor.fetchone()[0]:
            raise RestoreRefused(
                "The target PostgreSQL database is not empty. Restore into a new, empty database "
                "(createdb), then point TUTELA_DATABASE_URL at it."
            )
    connection.close()
    conninfo, env = _pg_conninfo()
    process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            pg_tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            conninfo,
        ],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None
    try:
        for chunk in chunks:
            process.stdin.write(chunk)
    except BaseException:
        process.kill()  # pg_restore dies mid-transaction: nothing is committed
        process.wait()
        raise
    process.stdin.close()
    errors = process.stderr.read() if process.stderr else b""
    if process.wait() != 0:
        raise RestoreRefused(f"pg_restore failed and rolled back: {errors.decode(errors='replace').strip()}")
