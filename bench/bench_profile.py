"""Where the time goes: cProfile of one target, grouped by layer.

    .venv/bin/python bench/bench_profile.py list      # GET /pupils/ as the 2,000-pupil school's admin
    .venv/bin/python bench/bench_profile.py search    # pupil_search as the trust admin, mixed queries
    .venv/bin/python bench/bench_profile.py profile   # GET /pupils/<id>/ with a photo
    .venv/bin/python bench/bench_profile.py seed      # 200 x pupils.services.pupil_create (rolled back)

Prints own time per layer (Tink, vault, policy/audit, ORM, templates, database driver, ...) and the top
functions; writes bench/results/profile-<target>-<db>.json and a .prof file for snakeviz/pstats.
cProfile adds overhead to every Python call, so totals are larger than the unprofiled timings; the
shares are what matters.
"""

from __future__ import annotations

import cProfile
import datetime
import pstats
import random
import sys

import _common

_common.setup()

from django.db import connection, transaction  # noqa: E402

from tutela import audit  # noqa: E402
from tutela.pupils import selectors, services  # noqa: E402
from tutela.pupils.models import Pupil  # noqa: E402
from tutela.pupils.validators import upn_check_letter  # noqa: E402
from tutela.schools.models import FormGroup, School  # noqa: E402
from tutela.vault.scope import vault_scope  # noqa: E402

LAYERS = [
    (
        "Tink (Python wrapper, protobuf, C++ calls)",
        ("site-packages/tink/", "google/protobuf", "tink_bindings", "tink.cc"),
    ),
    ("tutela.vault", ("tutela/vault/",)),
    ("tutela.policy + tutela.audit", ("tutela/policy/", "tutela/audit/")),
    ("other tutela code", ("tutela/",)),
    (
        "database driver (SQL execution)",
        ("sqlite3.", "psycopg", "CursorWrapper.execute", "'execute'", "'fetchmany'", "'fetchall'"),
    ),
    ("Django ORM", ("django/db/",)),
    ("Django templates", ("django/template/", "django/utils/html", "django/utils/safestring")),
    ("Django other (request, middleware, urls, ...)", ("django/",)),
    ("Pillow / base64 (photo)", ("PIL/", "base64", "binascii")),
]


def layer(key: tuple) -> str:
    filename, _, name = key
    where = f"{filename} {name}"
    for label, needles in LAYERS:
        if any(n in where for n in needles):
            return label
    return "other (stdlib, builtins)"


def report(profile: cProfile.Profile, target: str, calls: int) -> None:
    stats = pstats.Stats(profile)
    total = stats.total_tt
    by_layer: dict[str, float] = {}
    for key, (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_layer[layer(key)] = by_layer.get(layer(key), 0.0) + tottime
    print(f"profile {target} ({connection.vendor}): {total * 1000 / calls:.1f} ms per call under cProfile")
    rows = sorted(by_layer.items(), key=lambda kv: -kv[1])
    for label, seconds in rows:
        print(f"  {label:<46} {seconds * 1000 / calls:8.1f} ms  {100 * seconds / total:5.1f} %")
    top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:25]  # type: ignore[attr-defined]
    print("  top functions by own time (ms per call, calls per call):")
    functions = []
    for (filename, line, name), (_, ncalls, tottime, _cum, _) in top:
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        where = f"{short}:{line}({name})" if line else name
        functions.append({"function": where, "own_ms": tottime * 1000 / calls, "calls": ncalls / calls})
        print(f"    {tottime * 1000 / calls:8.2f} ms  {ncalls / calls:9.0f}x  {where[:100]}")
    _common.RESULTS.mkdir(exist_ok=True)
    profile.dump_stats(_common.RESULTS / f"profile-{target}-{_common.dataset()}.prof")
    _common.write_result(
        f"profile-{target}",
        {
            "ms_per_call_profiled": total * 1000 / calls,
            "layers_ms": {k: round(v * 1000 / calls, 2) for k, v in rows},
            "top": functions,
        },
    )


def profile_requests(client, path: str, n: int) -> cProfile.Profile:
    for _ in range(2):
        assert client.get(path).status_code == 200
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        client.get(path)
    profile.disable()
    return profile


def main() -> None:
    target = next((a for a in sys.argv[1:] if not a.startswith("-")), "list")
    n = 3 if _common.quick() else 10
    with _common.all_schools():
        school = School.objects.get(public_id=_common.logins()["school_admin"]["school"])
    if target == "list":
        report(profile_requests(_common.signed_in_client("school_admin"), "/pupils/", n), target, n)
    elif target == "profile":
        with _common.all_schools():
            pupil = Pupil.system.filter(school=school).exclude(photo="").first()
        path = f"/pupils/{pupil.public_id}/"
        report(profile_requests(_common.signed_in_client("school_admin"), path, n * 5), target, n * 5)
    elif target == "search":
        from bench_pages import as_request, query_mix

        actor = _common.user("trust_admin")
        with _common.all_schools():
            schools = list(School.objects.values_list("pk", flat=True))
        queries = [q for qs in query_mix(schools, 5, random.Random(7)).values() for q in qs]
        for q in queries:
            as_request(actor, lambda q=q: selectors.pupil_search(actor=actor, query=q))
        profile = cProfile.Profile()
        profile.enable()
        for q in queries:
            as_request(actor, lambda q=q: selectors.pupil_search(actor=actor, query=q))
        profile.disable()
        report(profile, target, len(queries))
    elif target == "seed":
        count = 50 if _common.quick() else 200
        profile = cProfile.Profile()
        reason = "bench profile (rolled back)"
        with (
            vault_scope(),
            audit.context(actor=None, reason=reason),
            _common.all_schools(),
            transaction.atomic(),
        ):
            form = FormGroup.objects.filter(school=school).select_related("year_group").first()
            profile.enable()
            for i in range(count):
                body = f"99999{i:07d}"
                services.pupil_create(
                    school=school,
                    upn=upn_check_letter(body) + body,
                    legal_first_name="Amelia",
                    legal_last_name="Owusu",
                    date_of_birth=datetime.date(2013, 5, 1),
                    sex="F",
                    year_group=form.year_group,
                    form_group=form,
                    enrolled_on=datetime.date(2024, 9, 3),
                    address="1 High Street\nBenchtown\nBT1 1AA",
                )
            profile.disable()
            transaction.set_rollback(True)
        report(profile, target, count)
    else:
        raise SystemExit(f"unknown target {target!r}: list, profile, search or seed")


if __name__ == "__main__":
    main()
