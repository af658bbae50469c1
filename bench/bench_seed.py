"""Seeds (or tops up) the bench dataset with ``manage.py seed_bulk`` and records how long it took.

    .venv/bin/python bench/bench_seed.py --schools 50 --pupils-per-school 2000

Records wall time, pupils created, throughput, and the size of what was written (database, encrypted
files, search tokens, audit events). A rerun on a complete dataset creates nothing and takes seconds.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

import _common

_common.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tutela.audit.models import AuditEvent  # noqa: E402
from tutela.pupils.models import Pupil  # noqa: E402
from tutela.vault.models import DataKey, SearchToken  # noqa: E402


def database_bytes() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    name = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))


class Tee(io.StringIO):
    """Shows seed_bulk's progress as it goes, and keeps it for the JSON."""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        sys.stdout.flush()
        return super().write(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, required=True)
    parser.add_argument("--pupils-per-school", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with _common.all_schools():
        before = Pupil.system.count()
    out = Tee()
    resources = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    # seed_bulk opens its own all-schools scope; the timing covers exactly the command.
    call_command("seed_bulk", schools=args.schools, pupils_per_school=args.pupils_per_school, stdout=out)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - resources.ru_utime) + (after.ru_stime - resources.ru_stime)
    with _common.all_schools():
        record(args, before, elapsed, cpu, out.getvalue())


def record(args: argparse.Namespace, before: int, elapsed: float, cpu: float, log: str) -> None:
    created = Pupil.system.count() - before
    files = Path(settings.MEDIA_ROOT)
    result = {
        "command": f"seed_bulk --schools {args.schools} --pupils-per-school {args.pupils_per_school}",
        "created": created,
        "seconds": round(elapsed, 1),
        "cpu_seconds_python": round(cpu, 1),
        "pupils_per_second": round(created / elapsed, 1) if created else None,
        "ms_per_pupil": round(elapsed * 1000 / created, 2) if created else None,
        "log": log.splitlines(),
        "totals": {
            "pupils": Pupil.system.count(),
            "data_keys": DataKey.objects.count(),
            "search_tokens": SearchToken.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "database_bytes": database_bytes(),
            "file_bytes": sum(p.stat().st_size for p in files.rglob("*") if p.is_file())
            if files.exists()
            else 0,
        },
    }
    if created:
        print(
            f"  seeded {created:,} pupils in {elapsed:.1f} s ({created / elapsed:,.0f} pupils/s)", flush=True
        )
        _common.write_result("seed", result)
    else:
        print("  dataset already complete: nothing seeded (the seed timing of the run that made it stands)")
        _common.write_result("seed-noop", result)


if __name__ == "__main__":
    main()
