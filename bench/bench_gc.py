"""The garbage collector on the pupil list: settings compared, each in a fresh process.

    .venv/bin/python bench/bench_gc.py [--quick]        # or: bench/run gc

Modes (GET /pupils/ as the 2,000-pupil school's admin, many requests in a row, so rare pauses show):
- default:            CPython's thresholds (700, 10, 10), nothing frozen
- freeze:             gc.freeze() after start-up, default thresholds
- production:         what config.wsgi does (tutela.core.runtime.tune_garbage_collector)
- raised:             production with the thresholds raised to (50,000, 20, 20), which were reverted when
                      each listed pupil was left in reference cycles; the list leaves none now
                      (tests/pupils/test_views.py), so this shows what raising them again would give
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _common

MODES = ("default", "freeze", "production", "raised")


def child(mode: str, n: int) -> None:
    import gc

    _common.setup()  # production start-up: config.wsgi tunes the collector

    if mode in ("default", "freeze"):
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        if mode == "freeze":
            gc.collect()
            gc.freeze()
    if mode == "raised":
        gc.set_threshold(50_000, 20, 20)
    client = _common.signed_in_client("school_admin")
    for _ in range(3):
        client.get("/pupils/")
    wall: list[float] = []
    c0 = time.thread_time()
    for _ in range(n):
        t0 = time.perf_counter()
        assert client.get("/pupils/").status_code == 200
        wall.append(time.perf_counter() - t0)
    cpu = (time.thread_time() - c0) / n
    rss_mb = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    print(
        json.dumps(
            {
                "mode": mode,
                **_common.stats(wall),
                "cpu_mean": round(cpu * 1000, 1),
                "rss_mb": round(rss_mb),
                "thresholds": gc.get_threshold(),
            }
        )
    )


def main() -> None:
    n = 25 if _common.quick() else 66  # production's collector pauses about every 22 pages
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], n)
        return
    _common.configure()
    print(f"gc: GET /pupils/ x {n} per mode, each mode in a fresh process", flush=True)
    results = {}
    for mode in MODES:
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        results[mode] = result
        _common.show(
            f"{mode} {tuple(result['thresholds'])}",
            result,
            f"  mean {result['mean']:.0f} ms, max {result['max']:.0f} ms, CPU mean {result['cpu_mean']} ms, "
            f"RSS {result['rss_mb']} MB",
        )
    _common.setup()
    _common.write_result("gc", {"requests_per_mode": n, "modes": results})


if __name__ == "__main__":
    main()
