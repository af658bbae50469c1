"""Shared by the bench scripts: the environment, timing, machine facts and JSON results.

Benchmarks run against production settings (config.settings.base: Argon2, WAL SQLite or PostgreSQL, real
root key in TUTELA_KEYS), never the test settings. ``bench/run`` sets the environment; run alone, a script
defaults to the full SQLite dataset in bench/.data/sqlite (seed it first, see bench/README.md).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"


def configure() -> None:
    """Production settings on the bench dataset; call before ``django.setup()``."""
    data = Path(os.environ.get("BENCH_DATA", BENCH / ".data" / "sqlite"))
    os.environ.setdefault("TUTELA_HOME", str(data / "home"))
    os.environ.setdefault("TUTELA_KEYS", str(data / "keys"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("TUTELA_LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def setup() -> None:
    """Starts Django the way the production server does: through config.wsgi (its start-up checks and
    process tuning included), so in-process timings match what gunicorn runs."""
    configure()
    import config.wsgi  # noqa: F401


def quick() -> bool:
    return os.environ.get("BENCH_QUICK") == "1" or "--quick" in sys.argv


# --- timing -------------------------------------------------------------------------------------------------


def sample(
    fn: Callable[[], Any], *, n: int, warmup: int = 2, setup: Callable[[], Any] | None = None
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (this thread) per call of ``fn``; ``setup`` runs before each call, untimed.

    CPU time is what the call costs this process on an idle machine: it leaves out waiting for a core
    while other processes run, and waiting for a database server (PostgreSQL works in its own process).
    """
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    wall, cpu = [], []
    for _ in range(n):
        if setup:
            setup()
        c0, t0 = time.thread_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    return wall, cpu


def sample_batched(fn: Callable[[], Any], *, batch: int, rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds per call for very fast ``fn``: each sample is the mean of ``batch`` calls."""
    for _ in range(batch):
        fn()
    wall, cpu = [], []
    for _ in range(rounds):
        c0, t0 = time.thread_time(), time.perf_counter()
        for _ in range(batch):
            fn()
        wall.append((time.perf_counter() - t0) / batch)
        cpu.append((time.thread_time() - c0) / batch)
    return wall, cpu


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p95 of 20 samples is the 19th smallest."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def stats(seconds: list[float] | tuple[list[float], list[float]], unit: str = "ms") -> dict[str, Any]:
    """Median, p95, min, max, mean of wall time; given (wall, cpu) samples, also the CPU median and p95."""
    wall, cpu = seconds if isinstance(seconds, tuple) else (seconds, None)
    scale = {"ms": 1e3, "us": 1e6}[unit]
    out: dict[str, Any] = {
        "unit": unit,
        "n": len(wall),
        "median": round(statistics.median(wall) * scale, 3),
        "p95": round(percentile(wall, 95) * scale, 3),
        "min": round(min(wall) * scale, 3),
        "max": round(max(wall) * scale, 3),
        "mean": round(statistics.fmean(wall) * scale, 3),
    }
    if cpu:
        out["cpu_median"] = round(statistics.median(cpu) * scale, 3)
        out["cpu_p95"] = round(percentile(cpu, 95) * scale, 3)
    return out


def show(label: str, s: dict[str, Any], extra: str = "") -> None:
    u = s["unit"].replace("us", "µs")
    cpu = f"   cpu {s['cpu_median']:>9.3f}" if "cpu_median" in s else ""
    times = f"median {s['median']:>10.3f} {u}   p95 {s['p95']:>10.3f} {u}{cpu}"
    print(f"  {label:<52} {times}   (n={s['n']}){extra}", flush=True)


class QueryCounter:
    """Counts SQL statements (CaptureQueriesContext sees none: each request resets the query log)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(fn: Callable[[], Any]) -> int:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        fn()
    return counter.count


SQL = "database: SQL execution and fetching rows (driver)"
REST = "everything else (Django, policy, view, sort, middleware)"


def _delegate(name: str) -> Callable[..., Any]:
    """A CursorWrapper method for an attribute it normally forwards through __getattr__."""

    def method(self: Any, *args: Any) -> Any:
        with self.db.wrap_database_errors:
            return getattr(self.cursor, name)(*args)

    return method


class Breakdown:
    """Own (exclusive) wall and CPU time per layer inside real calls, by wrapping a few functions.

    Unlike a profiler it costs ~1 µs per wrapped call, so the totals stay close to the unwrapped ones. Each
    layer's time excludes the layers called inside it (a field open that unwraps its key counts the unwrap
    under "unwrap"); "everything else" is the call's total minus the layers.
    """

    def __init__(self) -> None:
        import django.template.backends.django as template_backend
        from django.db.backends.utils import CursorWrapper
        from django.db.models.query import QuerySet

        from tutela.audit import chain
        from tutela.vault import keys, storage
        from tutela.vault.fields import EncryptedField

        self.layers: list[tuple[str, Any, str]] = [
            ("ORM: rows -> model instances", QuerySet, "_fetch_all"),
            ("vault: unwrap data keys", keys, "data_key_aead"),
            ("vault: unwrap school keys (keyring, index, stream)", keys, "keyring_aead"),
            ("vault: unwrap school keys (keyring, index, stream)", keys, "index_prf"),
            ("vault: unwrap school keys (keyring, index, stream)", keys, "data_key_stream"),
            ("vault: open encrypted fields", EncryptedField, "open"),
            ("vault: decrypt files (photo)", storage.EncryptedFieldFile, "read_plaintext"),
            ("templates: render", template_backend.Template, "render"),
            ("audit: append event (chain + MAC)", chain, "append"),
            # SQLite runs a query while its rows are fetched, so fetching counts as database time too.
            (SQL, CursorWrapper, "fetchone"),
            (SQL, CursorWrapper, "fetchmany"),
            (SQL, CursorWrapper, "fetchall"),
        ]
        self.own: dict[str, list[float]] = {}
        self._stack: list[list[float]] = []
        self._saved: list[tuple[Any, str, Any]] = []
        self._cursor_statement: dict[int, str] = {}
        self.statements: dict[str, list] = {}

    def _enter(self) -> list[float]:
        frame = [time.perf_counter(), time.thread_time(), 0.0, 0.0]
        self._stack.append(frame)
        return frame

    def _exit(self, label: str) -> float:
        t, c, child_t, child_c = self._stack.pop()
        wall, cpu = time.perf_counter() - t, time.thread_time() - c
        own = self.own.setdefault(label, [0.0, 0.0])
        own[0] += wall - child_t
        own[1] += cpu - child_c
        if self._stack:
            self._stack[-1][2] += wall
            self._stack[-1][3] += cpu
        return wall - child_t

    def _wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._enter()
            try:
                return fn(*args, **kwargs)
            finally:
                wall = self._exit(label)
                if label == SQL:  # a fetch: the statement that cursor ran last
                    self._statement(self._cursor_statement.get(id(args[0]), "?"), wall, 0)

        return wrapper

    def _sql(self, execute, sql, params, many, context):
        statement = _statement_label(sql)
        self._cursor_statement[id(context["cursor"])] = statement
        self._enter()
        try:
            return execute(sql, params, many, context)
        finally:
            self._statement(statement, self._exit(SQL), 1)

    def _statement(self, statement: str, wall: float, count: int) -> None:
        entry = self.statements.setdefault(statement, [0.0, 0])
        entry[0] += wall
        entry[1] += count

    def measure(self, fn: Callable[[], Any], n: int, warmup: int = 1) -> dict[str, Any]:
        """Runs ``fn`` n times with the layers wrapped; per-call medians of each layer's own time."""
        from django.db import connection

        for label, owner, name in self.layers:
            original = owner.__dict__.get(name)
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original or _delegate(name)))
        calls: list[dict[str, tuple[float, float]]] = []
        statements: list[dict[str, list]] = []
        try:
            with connection.execute_wrapper(self._sql):
                for i in range(warmup + n):
                    self.own, self.statements = {}, {}
                    t0, c0 = time.perf_counter(), time.thread_time()
                    fn()
                    total = (time.perf_counter() - t0, time.thread_time() - c0)
                    if i < warmup:
                        continue
                    call = {label: (wall, cpu) for label, (wall, cpu) in self.own.items()}
                    call[REST] = (
                        total[0] - sum(w for w, _ in call.values()),
                        total[1] - sum(c for _, c in call.values()),
                    )
                    call["total"] = total
                    calls.append(call)
                    statements.append(self.statements)
        finally:
            for owner, name, original in reversed(self._saved):
                if original is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
            self._saved = []
        labels = dict.fromkeys(label for call in calls for label in call)  # a layer absent from a call: 0
        out: dict[str, Any] = {
            label: stats(([c.get(label, (0, 0))[0] for c in calls], [c.get(label, (0, 0))[1] for c in calls]))
            for label in labels
        }
        kinds = dict.fromkeys(k for call in statements for k in call)
        sql = {
            kind: {
                "median_ms": round(statistics.median(c.get(kind, [0.0, 0])[0] for c in statements) * 1e3, 3),
                "per_call": round(statistics.fmean(c.get(kind, [0.0, 0])[1] for c in statements), 1),
            }
            for kind in kinds
        }
        out["sql_statements"] = dict(sorted(sql.items(), key=lambda kv: -kv[1]["median_ms"]))
        return out


def _statement_label(sql: str) -> str:
    """The verb and first table ("SELECT pupils_pupil"), to tell statements apart in a breakdown."""
    import re

    verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table and verb in {"SELECT", "INSERT", "UPDATE", "DELETE"} else verb


def show_breakdown(title: str, layers: dict[str, Any]) -> None:
    print(f"    {title} (own time per layer, wrapped functions; median per call):", flush=True)
    ordered = sorted(
        (k for k in layers if k not in ("total", "sql_statements")), key=lambda k: -layers[k]["cpu_median"]
    )
    for label in [*ordered, "total"]:
        show(f"    {label}", layers[label])
    top = list(layers.get("sql_statements", {}).items())[:5]
    if top:
        print(
            "      slowest statements (median ms per call, statements per call): "
            + "; ".join(f"{k} {v['median_ms']:.1f} ms x{v['per_call']:g}" for k, v in top),
            flush=True,
        )


# --- facts and results ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import sqlite3

    from django.db import connection

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    facts: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": connection.vendor,
        "quick": quick(),
        "dataset": dataset(),
        "run": os.environ.get("BENCH_RUN_ID", f"standalone pid {os.getpid()}"),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            facts["postgresql"] = cursor.fetchone()[0]
    facts["source"] = source_digest()
    try:
        facts["git"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        facts["git"] = ""
    return facts


def source_digest() -> dict[str, Any]:
    """Which code was measured (the checkout changes under the benchmarks; git may have no commit yet)."""
    import hashlib

    files = sorted(
        p
        for pattern in ("tutela/**/*.py", "config/**/*.py", "templates/**/*.html")
        for p in ROOT.glob(pattern)
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    newest = max(files, key=lambda p: p.stat().st_mtime)
    changed = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest.stat().st_mtime))
    return {
        "sha256": digest.hexdigest()[:16],
        "files": len(files),
        "newest": f"{newest.relative_to(ROOT)} {changed}",
    }


def dataset() -> str:
    """The dataset's name (sqlite, sqlite-quick, sqlite-1, pg, ...): results are kept per dataset."""
    return Path(os.environ.get("BENCH_DATA", BENCH / ".data" / "sqlite")).name


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{dataset()}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, default=str) + "\n")
    print(f"  -> {path.relative_to(ROOT)}", flush=True)
    return path


# --- the bench dataset ---------------------------------------------------------------------------------


def all_schools():
    """For setup reads across schools (counts, picking pupils): PostgreSQL's row-level security would hide
    every row otherwise. Never around a timed request: those run scoped, as in production."""
    from tutela.policy import rls

    return rls.system_scope()


def logins() -> dict[str, Any]:
    from django.conf import settings

    path = Path(settings.TUTELA_HOME) / "bench-logins.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: seed first (bench/run, or manage.py seed_bulk).")
    return json.loads(path.read_text())


def signed_in_client(who: str):
    """A Django test client signed in through the real sign-in (Argon2) as the bench trust/school admin."""
    from django.test import Client

    from tutela import audit

    creds = logins()[who]
    # The test client calls itself "testserver"; production settings answer only for TUTELA_URL's host.
    client = Client(SERVER_NAME="127.0.0.1")
    with audit.context(actor=None, reason="bench sign-in"):
        if not client.login(email=creds["email"], password=creds["password"]):
            raise SystemExit(f"Could not sign in as {creds['email']}.")
    return client


def user(who: str):
    from tutela.accounts.backends import user_by_email
    from tutela.vault.scope import vault_scope

    with vault_scope():
        found = user_by_email(logins()[who]["email"])
    if found is None:
        raise SystemExit(f"No bench account {who}.")
    return found
