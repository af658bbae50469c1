"""The same pages over real HTTP, from a real gunicorn (as scripts/demo runs it: 2 workers x 4 threads).

    .venv/bin/python bench/bench_http.py [--quick]

Signs in through the login form (CSRF, Argon2), then times GET /pupils/, GET /pupils/<id>/ and
POST /pupils/search/ one at a time on a keep-alive connection, and the list page under 2 and 4
concurrent clients (throughput on this machine's cores).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import _common

_common.setup()

from tutela.pupils.models import Pupil  # noqa: E402
from tutela.schools.models import School  # noqa: E402
from tutela.vault.scope import vault_scope  # noqa: E402

QUERIES = ["Sm", "Jo", "Wil", "Ali", "Zq", "Qwz"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One keep-alive connection with a cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        head.update(headers or {})
        data = None
        if body is not None:
            data = urlencode(body)
            head["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                head["X-CSRFToken"] = self.cookies["csrftoken"]
        try:
            self.conn.request(method, path, body=data, headers=head)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes keep-alive connections idle for 2 s; a browser reconnects, so do we.
            self.conn.close()
            self.conn.request(method, path, body=data, headers=head)
            response = self.conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, content

    def sign_in(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token, f"login page: {status}"
        form = {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        status, _ = self.request("POST", "/accounts/login/", form)
        assert status == 302 and "sessionid" in self.cookies, f"sign-in failed: {status}"


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, TUTELA_PORT=str(port), TUTELA_URL=f"http://127.0.0.1:{port}")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
            "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
        ],
        cwd=_common.ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def server_cpu_seconds(master: int) -> float:
    """User + system CPU of gunicorn's worker processes so far (from /proc: no extra dependency)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def timed(fn, n: int, warmup: int = 2) -> dict:
    """Wall time per request as the client sees it, and the server's CPU per request (all workers).

    The server CPU does not count time spent waiting for a core, so it moves less when other processes
    share the machine."""
    for _ in range(warmup):
        fn()
    before = server_cpu_seconds(SERVER[0])
    wall = _common.sample(fn, n=n, warmup=0)[0]  # the client's own CPU time says nothing here
    cpu = server_cpu_seconds(SERVER[0]) - before
    return {**_common.stats(wall), "server_cpu_ms_per_request": round(cpu * 1000 / n, 1)}


SERVER: list[int] = [0]


def cpu_note(s: dict) -> str:
    return f"  server CPU {s['server_cpu_ms_per_request']} ms/request"


def concurrent(port: int, creds: dict, clients: int, per_client: int) -> dict:
    browsers = [Browser(port) for _ in range(clients)]
    for b in browsers:
        b.sign_in(creds["email"], creds["password"])
        b.request("GET", "/pupils/")
    latencies: list[float] = []
    lock = threading.Lock()

    def run(b: Browser) -> None:
        for _ in range(per_client):
            t0 = time.perf_counter()
            status, _ = b.request("GET", "/pupils/")
            assert status == 200
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(b,)) for b in browsers]
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
        "pages_per_second": round(len(latencies) / wall, 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 1),
        **_common.stats(latencies),
    }


def main() -> None:
    q = _common.quick()
    n = 5 if q else 20
    logins = _common.logins()
    with _common.all_schools():
        school = School.objects.get(public_id=logins["school_admin"]["school"])
        count = Pupil.system.filter(school=school).count()
        with_photo = list(
            Pupil.system.filter(school=school).exclude(photo="").values_list("public_id", flat=True)
        )
    with _common.all_schools(), vault_scope():
        someone = Pupil.system.filter(school=school).select_related("data_key__keyring").order_by("pk").last()
        queries = [*QUERIES, f"{someone.first_name} {someone.last_name}"]
    out_queries = ["2-letter", "2-letter", "3-letter", "3-letter", "no match", "no match", "full name"]
    port = free_port()
    server = start_server(port)
    SERVER[0] = server.pid
    out: dict = {"server": "gunicorn --workers 2 --threads 4", "pupils": count, "search_mix": out_queries}
    try:
        print(f"http: gunicorn on 127.0.0.1:{port}, school of {count} pupils", flush=True)
        b = Browser(port)
        b.sign_in(logins["school_admin"]["email"], logins["school_admin"]["password"])

        def get_list() -> None:
            status, body = b.request("GET", "/pupils/")
            assert status == 200 and f"{count} pupils".encode() in body, status

        out["list"] = timed(get_list, n)
        _common.show(f"GET /pupils/ ({count} pupils), one client", out["list"], cpu_note(out["list"]))
        if with_photo:
            cycle = iter(with_photo * (n * 3))

            def get_profile() -> None:
                status, _ = b.request("GET", f"/pupils/{next(cycle)}/")
                assert status == 200, status

            out["profile"] = timed(get_profile, n * 2)
            _common.show("GET /pupils/<id>/ (photo + 2 guardians)", out["profile"], cpu_note(out["profile"]))
        for who in ("school_admin", "trust_admin"):
            sb = Browser(port)
            sb.sign_in(logins[who]["email"], logins[who]["password"])
            cycle_q = iter(queries * (n * 3))

            def search(sb: Browser = sb, cycle_q=cycle_q) -> None:
                status, _ = sb.request(
                    "POST", "/pupils/search/", {"q": next(cycle_q)}, {"HX-Request": "true"}
                )
                assert status == 200, status

            # The login page set the CSRF cookie the search POST needs.
            out[f"search_{who}"] = timed(search, n * 3, warmup=len(queries))
            found = out[f"search_{who}"]
            _common.show(f"POST /pupils/search/ as {who} (mixed queries)", found, cpu_note(found))
        creds = logins["school_admin"]
        for clients in (2, 4):
            result = concurrent(port, creds, clients, per_client=3 if q else 8)
            out[f"list_concurrency_{clients}"] = result
            _common.show(
                f"GET /pupils/ with {clients} concurrent clients",
                result,
                f"  {result['pages_per_second']} pages/s;{cpu_note(result)}",
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _common.write_result("http", out)


if __name__ == "__main__":
    main()
