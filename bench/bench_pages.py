"""Pages and selectors in-process, through the Django test client with production settings.

    .venv/bin/python bench/bench_pages.py [--quick]

- list:    GET /pupils/ as the admin of a 2,000-pupil school (the full page, every name decrypted).
- profile: GET /pupils/<id>/ of pupils with a photo and two guardians.
- search:  tutela.pupils.selectors.pupil_search and POST /pupils/search/ (HTMX partial, as the search box
           sends it), as the school admin (2,000 pupils) and the trust admin (every school of the trust),
           with a mix of 2-letter, 3-letter, full-name and no-match queries.
Each request is a new request (new vault scope: keys are unwrapped again; one audit read event written).
"""

from __future__ import annotations

import random
import time

import _common

_common.setup()

from django.db import connection, transaction  # noqa: E402

from tutela import audit  # noqa: E402
from tutela.policy import rls  # noqa: E402
from tutela.pupils import selectors  # noqa: E402
from tutela.pupils.models import Pupil  # noqa: E402
from tutela.schools.models import School  # noqa: E402
from tutela.vault import search  # noqa: E402
from tutela.vault.scope import vault_scope  # noqa: E402

KINDS = ("2-letter", "3-letter", "full name", "no match")
NO_MATCH = ["Zq", "Xv", "Qwz", "Zyx", "Jqx Vwz", "Xylo Qwert", "Zzzz", "Qqq Jjj"]


def names_sample(school_ids: list[int], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(first, last) of ``count`` random pupils of these schools, decrypted here (setup, not timed)."""
    with _common.all_schools():
        ids = list(Pupil.system.filter(school_id__in=school_ids).values_list("pk", flat=True))
    chosen = rng.sample(ids, min(count, len(ids)))
    with _common.all_schools(), vault_scope():
        rows = Pupil.system.filter(pk__in=chosen).select_related("data_key__keyring")
        return [(p.first_name, p.last_name) for p in rows]


def query_mix(school_ids: list[int], per_kind: int, rng: random.Random) -> dict[str, list[str]]:
    people = names_sample(school_ids, per_kind * 3, rng)
    return {
        "2-letter": [last[:2] for _, last in people[:per_kind]],
        "3-letter": [first[:3] for first, _ in people[per_kind : 2 * per_kind]],
        "full name": [f"{first} {last}" for first, last in people[2 * per_kind :]],
        "no match": (NO_MATCH * per_kind)[:per_kind],
    }


def as_request(user, fn):
    """What a request around a selector does: new vault scope, audit context (one read event), and on
    PostgreSQL the row-level-security scope of the user's schools in one transaction."""
    user.__dict__.pop("_tutela_roles", None)  # roles are read once per request
    with vault_scope(), audit.context(actor=user, reason="", action="bench"):
        if connection.vendor != "postgresql":
            return fn()
        with transaction.atomic():  # as tutela.policy.middleware.SchoolScopeMiddleware does
            rls.set_user(user.pk)
            rls.set_request_scope(user_id=user.pk, school_ids=rls.schools_of(user))
            return fn()


def bench_list(out: dict, n: int) -> None:
    client = _common.signed_in_client("school_admin")
    admin = _common.user("school_admin")
    with _common.all_schools():
        count = Pupil.system.filter(school__public_id=_common.logins()["school_admin"]["school"]).count()
    expected = f"{count} pupils".encode()

    def get() -> None:
        response = client.get("/pupils/")
        assert response.status_code == 200, response.status_code
        assert expected in response.content, "the page does not list every pupil"

    queries = _common.count_queries(get)
    size = len(client.get("/pupils/").content)
    page = _common.stats(_common.sample(get, n=n, warmup=2))
    _common.show(f"GET /pupils/ ({count} pupils, school admin)", page, f"  {queries} queries, {size:,} B")
    selector = _common.stats(
        _common.sample(lambda: as_request(admin, lambda: selectors.pupil_list(actor=admin)), n=n, warmup=1)
    )
    _common.show("  of which selector pupil_list (fetch + decrypt + sort)", selector)
    gc_info = gc_share(admin, n=max(3, n // 2))
    _common.show(
        "  selector pupil_list with the garbage collector off",
        gc_info["gc_off"],
        f"  (GC on: {gc_info['gc_ms']} ms CPU in the collector)",
    )
    phases = _common.Breakdown().measure(get, n=max(3, n // 2))
    _common.show_breakdown("GET /pupils/ taken apart", phases)
    out["list"] = {
        "phases": phases,
        "gc": gc_info,
        "pupils": count,
        "queries": queries,
        "bytes": size,
        "page": page,
        "selector": selector,
    }


def gc_share(admin, n: int) -> dict:
    """How much of the list selector is Python's cyclic garbage collector (10,000 model objects a page)."""
    import gc

    spent: list[float] = []
    started = [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.thread_time()
        else:
            spent[-1] += time.thread_time() - started[0]

    def run() -> None:
        spent.append(0.0)
        as_request(admin, lambda: selectors.pupil_list(actor=admin))

    gc.callbacks.append(callback)
    try:
        on = _common.sample(run, n=n, warmup=1)
        collector = spent[-n:]
        gc.disable()
        try:
            off = _common.sample(run, n=n, warmup=1)
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(callback)
    return {
        "gc_on": _common.stats(on),
        "gc_off": _common.stats(off),
        "gc_ms": _common.stats(collector)["median"],
        "thresholds": gc.get_threshold(),
    }


def bench_profile(out: dict, n: int) -> None:
    client = _common.signed_in_client("school_admin")
    with _common.all_schools():
        school = School.objects.get(public_id=_common.logins()["school_admin"]["school"])
        with_photo = list(
            Pupil.system.filter(school=school).exclude(photo="").values_list("public_id", flat=True)
        )
        without = list(Pupil.system.filter(school=school, photo="").values_list("public_id", flat=True)[:20])
    for label, ids in (("with photo + 2 guardians", with_photo), ("no photo, no guardians", without)):
        if not ids:
            continue
        cycle = iter(ids * (n + 10))

        def get(cycle=cycle) -> None:
            response = client.get(f"/pupils/{next(cycle)}/")
            assert response.status_code == 200, response.status_code

        queries = _common.count_queries(get)
        s = _common.stats(_common.sample(get, n=n, warmup=2))
        _common.show(f"GET /pupils/<id>/ ({label})", s, f"  {queries} queries")
        out.setdefault("profile", {})[label] = {"queries": queries, **s}
        if ids is with_photo:
            steps = _common.Breakdown().measure(get, n=min(n, 20))
            _common.show_breakdown("GET /pupils/<id>/ with photo taken apart", steps)
            out["profile"][label]["phases"] = steps


def bench_search(out: dict, who: str, per_kind: int, repeat: int) -> None:
    actor = _common.user(who)
    client = _common.signed_in_client(who)
    schools = list(as_request(actor, lambda: list(rls.schools_of(actor))))
    with _common.all_schools():
        visible = Pupil.system.filter(school_id__in=schools, on_roll=True).count()
    queries = query_mix(schools, per_kind, random.Random(7))
    print(f"  search as {who}: {len(schools)} school(s), {visible:,} pupils", flush=True)
    result: dict = {"schools": len(schools), "pupils": visible, "kinds": {}}
    everything: dict[str, tuple[list[float], list[float]]] = {"selector": ([], []), "page": ([], [])}
    for kind in KINDS:
        timings: dict[str, tuple[list[float], list[float]]] = {"selector": ([], []), "page": ([], [])}
        shown: list[int] = []
        for q in queries[kind]:
            as_request(actor, lambda q=q: selectors.pupil_search(actor=actor, query=q))  # warm-up
            for _ in range(repeat):
                c0, t0 = time.thread_time(), time.perf_counter()
                found = as_request(actor, lambda q=q: selectors.pupil_search(actor=actor, query=q))
                timings["selector"][0].append(time.perf_counter() - t0)
                timings["selector"][1].append(time.thread_time() - c0)
                c0, t0 = time.thread_time(), time.perf_counter()
                response = client.post("/pupils/search/", {"q": q}, headers={"HX-Request": "true"})
                timings["page"][0].append(time.perf_counter() - t0)
                timings["page"][1].append(time.thread_time() - c0)
                assert response.status_code == 200, response.status_code
            shown.append(len(found.pupils))
            if kind == "full name":
                assert found.pupils, f"a full-name search found nobody ({len(q)} chars)"
            if kind == "no match":
                assert not found.pupils, "a no-match query matched"
        entry = {k: _common.stats(v) for k, v in timings.items()}
        entry["mean_results"] = round(sum(shown) / len(shown), 1)
        result["kinds"][kind] = entry
        for k, (wall, cpu) in timings.items():
            everything[k][0].extend(wall)
            everything[k][1].extend(cpu)
        _common.show(f"  pupil_search {kind:<9} (mean {entry['mean_results']} shown)", entry["selector"])
        _common.show(f"  POST /pupils/search/ {kind}", entry["page"])
    result["all"] = {k: _common.stats(v) for k, v in everything.items()}
    _common.show(
        f"  pupil_search, all {sum(len(v) for v in queries.values())} queries", result["all"]["selector"]
    )
    _common.show("  POST /pupils/search/, all queries", result["all"]["page"])
    # How many candidates the blind index hands to the decrypt step, per kind (not timed).
    sample = {kind: queries[kind][0] for kind in KINDS}
    result["candidates"] = {}
    for kind, q in sample.items():

        def count(q: str = q) -> int:
            return len(
                Pupil.objects.for_actor(actor, "pupils.view")
                .filter(
                    data_key__in=search.candidate_data_keys(
                        [s.keyring for s in School.objects.filter(pk__in=schools).select_related("keyring")],
                        "pupil.name",
                        q,
                    )
                )
                .without_read_audit()
                .values_list("pk", flat=True)[:100000]
            )

        result["candidates"][kind] = as_request(actor, count)
    print(f"  candidates before decryption (first query of each kind): {result['candidates']}", flush=True)
    mix = iter([q for qs in queries.values() for q in qs] * 2)

    def post() -> None:
        assert (
            client.post("/pupils/search/", {"q": next(mix)}, headers={"HX-Request": "true"}).status_code
            == 200
        )

    steps = _common.Breakdown().measure(post, n=sum(len(v) for v in queries.values()))
    _common.show_breakdown("POST /pupils/search/ taken apart (all queries)", steps)
    result["phases"] = steps
    out.setdefault("search", {})[who] = result


def main() -> None:
    q = _common.quick()
    out: dict = {}
    with _common.all_schools():
        schools, pupils = School.objects.count(), Pupil.system.count()
    print(f"pages ({connection.vendor}): {schools} school(s), {pupils:,} pupils in the database", flush=True)
    bench_list(out, n=5 if q else 20)
    bench_profile(out, n=10 if q else 50)
    bench_search(out, "school_admin", per_kind=4 if q else 10, repeat=2 if q else 3)
    bench_search(out, "trust_admin", per_kind=4 if q else 10, repeat=2 if q else 3)
    _common.write_result("pages", out)


if __name__ == "__main__":
    main()
