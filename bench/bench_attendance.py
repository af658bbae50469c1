"""The 8:45 peak: every form's morning register taken at once, over real HTTP from a real gunicorn.

    .venv/bin/python bench/bench_attendance.py [--quick] [--clients N]

On the bench dataset (bench/run seed first; `bench/run --pg attendance` for PostgreSQL), picks the first
school, gives it AM/PM registration periods if it has none, and a weekday whose morning registers nobody
has taken yet. Then N concurrent clients (default 4 and 8), each signed in through the login form as the
school's administrator (the only bench account with a password: the same code path as a tutor, who
takes a register under the same rule), share the school's forms. Each client GETs a register page
(photos, preferred names), and POSTs it as HTMX with about 6 % absent and 2 % late, as a phone would.
Finally every register is submitted again, unchanged (the idempotent path). Reports latency of the GET
and POST, registers per minute and marks per second, and the server's CPU per register.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import signal
import sys
import threading
import time

import _common
from bench_http import SERVER, Browser, free_port, server_cpu_seconds, start_server

from tutela import audit
from tutela.attendance import services
from tutela.schools import services as schools
from tutela.schools.models import Period, School
from tutela.vault.scope import vault_scope

KEY = re.compile(rb'name="v-([0-9a-f]{32})" value="(\d+)"')


def prepare(school_id: str) -> tuple[list[str], int]:
    """The public ids of one untaken weekday's AM form registers, and the number of pupils on them."""
    with _common.all_schools(), vault_scope(), audit.context(actor=None, reason="bench attendance"):
        school = School.objects.get(public_id=school_id)
        if not Period.objects.filter(school=school, kind=Period.Kind.REGISTRATION).exists():
            schools.registration_day_create(school=school)
        date = datetime.date.today()
        for _ in range(400):
            if date.weekday() < 5:
                registers = [
                    r
                    for r in services.registers_for_day(school=school, date=date)
                    if r.form_group_id and r.period.session == "AM"
                ]
                if registers and not any(r.taken_at for r in registers):
                    pupils = sum(len(services.register_roster_ids(r)) for r in registers)
                    return [str(r.public_id) for r in registers], pupils
            date -= datetime.timedelta(days=1)
    raise SystemExit("no untaken weekday in the last 400 days: reseed the dataset")


def take(
    browser: Browser, register: str, rng: random.Random, *, payload: dict | None = None
) -> tuple[dict, float, float]:
    t0 = time.perf_counter()
    status, page = browser.request("GET", f"/attendance/registers/{register}/")
    got = time.perf_counter() - t0
    assert status == 200, f"GET register {register}: {status}"
    if payload is None:
        payload = {}
        for key, version in KEY.findall(page):
            key = key.decode()
            payload[f"v-{key}"] = version.decode()
            draw = rng.random()
            payload[f"m-{key}"] = "N" if draw < 0.06 else "L" if draw < 0.08 else "/"
            if payload[f"m-{key}"] == "L":
                payload[f"late-{key}"] = str(rng.randint(2, 25))
    t1 = time.perf_counter()
    status, body = browser.request(
        "POST", f"/attendance/registers/{register}/", payload, {"HX-Request": "true"}
    )
    posted = time.perf_counter() - t1
    assert status == 200 and b"Saved:" in body, f"POST register {register}: {status}"
    return payload, got, posted


def peak(port: int, creds: dict, registers: list[str], clients: int, *, again: dict | None = None) -> dict:
    queue = list(registers)
    lock = threading.Lock()
    gets: list[float] = []
    posts: list[float] = []
    payloads: dict[str, dict] = {}
    browsers = [Browser(port) for _ in range(clients)]
    for b in browsers:
        b.sign_in(creds["email"], creds["password"])

    def run(b: Browser, seed: int) -> None:
        rng = random.Random(seed)
        while True:
            with lock:
                if not queue:
                    return
                register = queue.pop()
            payload, got, posted = take(b, register, rng, payload=(again or {}).get(register))
            with lock:
                gets.append(got)
                posts.append(posted)
                payloads[register] = payload

    threads = [threading.Thread(target=run, args=(b, i)) for i, b in enumerate(browsers)]
    cpu0 = server_cpu_seconds(SERVER[0])
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = server_cpu_seconds(SERVER[0]) - cpu0
    return {
        "clients": clients,
        "registers": len(posts),
        "wall_s": round(wall, 2),
        "registers_per_minute": round(len(posts) * 60 / wall, 1),
        "server_cpu_ms_per_register": round(cpu * 1000 / len(posts), 1),
        "get": _common.stats(gets),
        "post": _common.stats(posts),
        "_payloads": payloads,
    }


def main() -> None:
    q = _common.quick()
    counts = [int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--clients=")] or (
        [2] if q else [4, 8]
    )
    logins = _common.logins()
    creds = logins["school_admin"]
    port = free_port()
    server = start_server(port)
    SERVER[0] = server.pid
    out: dict = {"server": "gunicorn --workers 2 --threads 4", "runs": []}
    try:
        for clients in counts:
            registers, pupils = prepare(creds["school"])
            print(
                f"attendance: {len(registers)} AM registers, {pupils} pupils, {clients} clients", flush=True
            )
            first = peak(port, creds, registers, clients)
            again = peak(port, creds, registers, clients, again=first.pop("_payloads"))
            again.pop("_payloads")
            first["marks_per_second"] = round(pupils / first["wall_s"], 1)
            out["runs"].append({"pupils": pupils, "first_submission": first, "resubmission": again})
            _common.show(f"POST register ({clients} clients, first time)", first["post"])
            _common.show(f"GET register ({clients} clients)", first["get"])
            print(
                f"  {first['registers']} registers in {first['wall_s']} s:"
                f" {first['registers_per_minute']}/min, {first['marks_per_second']} marks/s,"
                f" server CPU {first['server_cpu_ms_per_register']} ms/register"
            )
            _common.show(f"POST register again, unchanged ({clients} clients)", again["post"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _common.write_result("attendance", out)


if __name__ == "__main__":
    main()
