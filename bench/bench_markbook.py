"""The markbook and the year dashboard, in-process through the Django test client.

    .venv/bin/python bench/bench_markbook.py [--quick] [--profile]

- markbook render: GET /assessment/markbooks/<class>/ for 32 pupils x 40 columns, every cell filled
  (target: p50 80 ms).
- cell save: POST one cell as HTMX (validation, save, audit event, partial render) (target: p95 50 ms).
- year dashboard: GET /assessment/dashboard/ for 300 pupils x 12 subjects x 6 points of working-at grades,
  with targets and group flags (target: under 1 s).

Self-contained: a throwaway SQLite database with the test settings (real vault, keys created in a scratch
directory; fast password hashing, which no step here uses). Pupils, classes, columns and targets are made
through the services; the 1,280 marks and 21,600 results are bulk-inserted (their saves are what the "cell
save" step measures). Not part of the test suite; prints medians and p95s.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_scratch = Path(tempfile.mkdtemp(prefix="tutela-bench-markbook-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["TUTELA_HOME"] = str(_scratch / "home")
os.environ["TUTELA_KEYS"] = str(_scratch / "keys")
os.environ.pop("TUTELA_TEST_DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

QUICK = "--quick" in sys.argv
PROFILE = "--profile" in sys.argv  # also print where one call of each step spends its time


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * q // 100)) - 1]


def timed(label: str, fn, n: int, target: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        fn()
    if PROFILE:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(fn)
        print(f"--- {label}", flush=True)
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(30)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  {label:<44} p50 {statistics.median(samples):8.1f} ms   p95 {percentile(samples, 95):8.1f} ms"
        f"   (n={n}; target {target})",
        flush=True,
    )


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    connection.creation.create_test_db(verbosity=0)

    from django.test import Client

    from tests.cast import PASSWORD, build_cast, make_pupil
    from tutela import audit
    from tutela.assessment import services
    from tutela.assessment.models import GradeScale, Mark, Result, ResultKind
    from tutela.pupils import services as pupils
    from tutela.schools import services as schools
    from tutela.vault.scope import vault_scope

    rng = random.Random(7)
    t0 = time.perf_counter()
    with vault_scope(), audit.context(actor=None, reason="bench seed"):
        cast = build_cast()
        school = cast.school
        services.reference_scales_install(school=school)
        scales = {s.code: s for s in GradeScale.objects.filter(school=school)}
        fine = scales["gcse-fine"]
        labels = [g.points for g in fine.grade_list()]
        year = cast.year7
        points = services.standard_points_create(year_group=year)
        services.standard_points_create(year_group=cast.year8)
        path = services.flight_path_create(
            school=school,
            name="KS2 to GCSE",
            baseline_scale=scales["ks2-scaled"],
            target_scale=fine,
            baseline_measure="ks2-maths",
            first_year=7,
            last_year=8,
            bands=[
                (Decimal(80), Decimal(1), Decimal(3)),
                (Decimal(100), Decimal(2), Decimal(5)),
                (Decimal(110), Decimal(3), Decimal(7)),
            ],
        )
        subjects = [cast.maths_7a.subject] + [
            schools.subject_create(school=school, name=f"Subject {i:02d}", code=f"S{i:02d}")
            for i in range(1, 12)
        ]
        for subject in subjects:
            services.plan_set(year_group=year, subject=subject, scale=fine, flight_path=path)
        pupils_300 = [cast.pupil_record] + [
            make_pupil(school, year, cast.form_7a, f"First{i}", f"Last{i:03d}", sex=rng.choice("FM"))
            for i in range(299)
        ]
        for p in pupils_300:
            services.baseline_set(
                pupil=p, measure="ks2-maths", scale=scales["ks2-scaled"], value=str(rng.randint(85, 118))
            )
            pupils.pupil_groups_set(pupil=p, disadvantaged=rng.random() < 0.3, eal=rng.random() < 0.15)
            pupils.pupil_send_set(pupil=p, status=rng.choice("NNNNNNK"))
            for subject in subjects:
                services.target_generate(pupil=p, subject=subject)
        pupils.class_add_pupils(teaching_group=cast.maths_7a, pupils=pupils_300[1:32])
        columns = []
        for i in range(40):
            if i % 2:
                columns.append(
                    services.column_create(
                        actor=cast.class_teacher,
                        teaching_group=cast.maths_7a,
                        title=f"Grade {i}",
                        scale=fine,
                        point=points[i % 6],
                    )
                )
            else:
                columns.append(
                    services.column_create(
                        actor=cast.class_teacher,
                        teaching_group=cast.maths_7a,
                        title=f"Test {i}",
                        max_mark=Decimal(50),
                    )
                )
        Mark.system.bulk_create(
            [
                Mark(
                    school=school,
                    column=c,
                    pupil=p,
                    points=rng.choice(labels) if c.scale_id else Decimal(rng.randint(0, 50)),
                )
                for c in columns
                for p in pupils_300[:32]
            ]
        )
        Result.system.bulk_create(
            [
                Result(
                    school=school,
                    pupil=p,
                    subject=s,
                    point=pt,
                    kind=ResultKind.WORKING_AT,
                    scale=fine,
                    points=rng.choice(labels),
                )
                for p in pupils_300
                for s in subjects
                for pt in points
            ]
        )
    print(
        f"seeded in {time.perf_counter() - t0:.0f} s: 300 pupils, 12 subjects, 6 points, 32 x 40 markbook",
        flush=True,
    )

    client = Client()
    with audit.context(actor=None, reason="bench sign-in"):
        assert client.login(username=cast.class_teacher.email, password=PASSWORD)
    book = f"/assessment/markbooks/{cast.maths_7a.public_id}/"

    def render_book() -> None:
        response = client.get(book)
        assert response.status_code == 200 and response.content.count(b'class="cell') == 1280

    cell = f"/assessment/columns/{columns[0].public_id}/pupils/{cast.pupil_record.public_id}/"
    values = iter(str(v % 50) for v in range(10**6))

    def save_cell() -> None:
        response = client.post(cell, {"value": next(values)}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and b"has-error" not in response.content

    admin = Client()
    with audit.context(actor=None, reason="bench sign-in"):
        assert admin.login(username=cast.senco.email, password=PASSWORD)
    query = {"year": str(year.public_id), "point": str(points[5].public_id)}

    def dashboard() -> None:
        response = admin.get("/assessment/dashboard/", query)
        assert response.status_code == 200 and b"SEND (support or EHC plan)" in response.content

    n = 5 if QUICK else 30
    print(f"database: {connection.vendor}; {'quick' if QUICK else 'full'} run", flush=True)
    timed("markbook render 32 x 40", render_book, n, "p50 80 ms")
    timed("cell save (HTMX)", save_cell, n * 2, "p95 50 ms")
    timed("year dashboard 300 x 12 x 6 (SENCO)", dashboard, max(3, n // 3), "< 1 s")


if __name__ == "__main__":
    main()
