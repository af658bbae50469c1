"""Markdown tables from bench/results/*.json (what docs/performance.md quotes).

    .venv/bin/python bench/report.py [DATASET]     # sqlite (default), sqlite-1, sqlite-quick, pg, ...

Reads only the JSON files; needs no database. Wall-clock medians and p95s, with the CPU median of the
measuring thread beside them where the benchmark recorded it (in-process runs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
LIST_TARGET_MS, SEARCH_P95_TARGET_MS = 300.0, 30.0


def load(name: str, dataset: str) -> dict:
    path = RESULTS / f"{name}-{dataset}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def ms(s: dict, key: str = "median") -> str:
    return f"{s[key]:,.1f}" if s and key in s else "-"


def verdict(value: float, target: float) -> str:
    return "**met**" if value <= target else "**not met**"


def machine_line(m: dict) -> str:
    load = m.get("load_average_1_5_15", [])
    pg = f", PostgreSQL {m['postgresql']}" if m.get("postgresql") else ""
    src = m.get("source", {})
    return (
        f"{m.get('date')}; {m.get('nproc')} CPUs ({m.get('cpu')}); Python {m.get('python')}; "
        f"SQLite {m.get('sqlite')}{pg}; load average {load}; code sha256 {src.get('sha256')} "
        f"(newest file {src.get('newest')})"
    )


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    pages, http, vault, seed = (load(n, db) for n in ("pages", "http", "vault", "seed"))
    if not pages:
        raise SystemExit(f"No {RESULTS}/pages-{db}.json: run bench/run first.")
    runs = {r["machine"].get("run") for r in (pages, http, vault) if r}
    if len(runs) > 1:
        print(f"WARNING: these results come from different runs: {sorted(map(str, runs))}\n")
    print(f"Measured: {machine_line(pages['machine'])}; run {pages['machine'].get('run')}\n")

    rows = []
    lst = pages["list"]
    rows.append(
        (
            f"Pupil list, {lst['pupils']:,} pupils, `GET /pupils/` (test client)",
            "≤ 300 ms warm",
            f"{ms(lst['page'])} ms (p95 {ms(lst['page'], 'p95')}; CPU {ms(lst['page'], 'cpu_median')})",
            verdict(lst["page"]["median"], LIST_TARGET_MS),
        )
    )
    if http.get("list"):
        cpu = http["list"].get("server_cpu_ms_per_request", "-")
        rows.append(
            (
                "Pupil list, same, real gunicorn over HTTP",
                "≤ 300 ms warm",
                f"{ms(http['list'])} ms (p95 {ms(http['list'], 'p95')}; server CPU {cpu})",
                verdict(http["list"]["median"], LIST_TARGET_MS),
            )
        )
    prof = pages.get("profile", {}).get("with photo + 2 guardians")
    if prof:
        rows.append(
            (
                "Profile `GET /pupils/<id>/`, photo + 2 guardians",
                "p50 (no target)",
                f"{ms(prof)} ms (p95 {ms(prof, 'p95')}; CPU {ms(prof, 'cpu_median')})",
                "-",
            )
        )
    for who, label in (("school_admin", "school admin"), ("trust_admin", "trust admin")):
        found = pages.get("search", {}).get(who)
        if not found:
            continue
        for part, name in (("selector", "`pupil_search`"), ("page", "`POST /pupils/search/`")):
            s = found["all"][part]
            rows.append(
                (
                    f"Name search, {found['pupils']:,} pupils ({label}), {name}",
                    "p95 ≤ 30 ms",
                    f"p95 {ms(s, 'p95')} ms (median {ms(s)}; CPU p95 {ms(s, 'cpu_p95')})",
                    verdict(s["p95"], SEARCH_P95_TARGET_MS),
                )
            )
    print("| target | goal | measured | |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")

    for who in ("school_admin", "trust_admin"):
        found = pages.get("search", {}).get(who)
        if not found:
            continue
        print(f"\nSearch as {who} ({found['pupils']:,} pupils), per kind of query (ms):\n")
        print("| query kind | selector median | selector p95 | page median | page p95 | results shown |")
        print("|---|---|---|---|---|---|")
        for kind, entry in found["kinds"].items():
            sel, page = entry["selector"], entry["page"]
            print(
                f"| {kind} | {ms(sel)} | {ms(sel, 'p95')} | {ms(page)} | {ms(page, 'p95')} | "
                f"{entry['mean_results']} |"
            )
        print(f"\nCandidates the blind index returned (first query of each kind): {found.get('candidates')}")

    def breakdown(title: str, layers: dict) -> None:
        if not layers:
            return
        total = layers["total"]["cpu_median"] or 1
        print(f"\n{title} (own time per layer, median per request):\n")
        print("| layer | wall ms | CPU ms | share of CPU |\n|---|---|---|---|")
        rows = {k: v for k, v in layers.items() if k != "sql_statements"}
        for label, s in sorted(rows.items(), key=lambda kv: (kv[0] == "total", -kv[1]["cpu_median"])):
            share = f"{100 * s['cpu_median'] / total:.0f} %" if label != "total" else ""
            print(f"| {label} | {ms(s)} | {ms(s, 'cpu_median')} | {share} |")
        statements = list(layers.get("sql_statements", {}).items())[:6]
        if statements:
            print(
                "\nSlowest SQL statements (execute + fetch, median ms per request, statements per request): "
                + "; ".join(f"`{k}` {v['median_ms']:.1f} ms x{v['per_call']:g}" for k, v in statements)
            )

    breakdown(f"`GET /pupils/` ({lst['pupils']:,} pupils) taken apart", lst.get("phases", {}))
    if "gc" in lst:
        gc = lst["gc"]
        print(
            f"\nGarbage collector: {gc['gc_ms']} ms CPU per `pupil_list` call inside the collector; "
            f"selector CPU median {ms(gc['gc_on'], 'cpu_median')} ms with it, "
            f"{ms(gc['gc_off'], 'cpu_median')} ms with `gc.disable()`."
        )
    breakdown("`GET /pupils/<id>/` with photo taken apart", (prof or {}).get("phases", {}))
    for who in ("school_admin", "trust_admin"):
        found = pages.get("search", {}).get(who, {})
        breakdown(
            f"`POST /pupils/search/` as {who} ({found.get('pupils', 0):,} pupils) taken apart",
            found.get("phases", {}),
        )

    if vault:
        print("\nVault vs raw Tink (µs per operation):\n")
        print("| operation | wall median | CPU median | CPU p95 |\n|---|---|---|---|")
        for entry in vault["results"].values():
            wall, cpu, p95 = entry["median"], entry["cpu_median"], entry["cpu_p95"]
            print(f"| {entry['label']} | {wall:.2f} | {cpu:.2f} | {p95:.2f} |")
        print("\n| ratio (CPU medians) | value |\n|---|---|")
        for key, value in vault["ratios"].items():
            print(f"| {key} | {value:.2f} |")

    if http:
        print("\nReal gunicorn (2 workers x 4 threads), wall ms:\n")
        print("| request | median | p95 | server CPU per request | n |\n|---|---|---|---|---|")
        for key, s in http.items():
            if isinstance(s, dict) and "median" in s:
                extra = f" ({s['pages_per_second']} pages/s)" if "pages_per_second" in s else ""
                cpu = s.get("server_cpu_ms_per_request", "-")
                print(f"| {key}{extra} | {ms(s)} | {ms(s, 'p95')} | {cpu} | {s['n']} |")

    if seed:
        print(
            f"\nSeeding: `{seed['command']}` created {seed['created']:,} pupils in {seed['seconds']:,} s "
            f"({seed['pupils_per_second']} pupils/s, {seed['ms_per_pupil']} ms each; "
            f"{seed.get('cpu_seconds_python', '-')} s CPU in Python); totals {seed['totals']}"
        )


if __name__ == "__main__":
    main()
