"""A real Tutela instance in a temporary directory, driven like production: subprocesses, gunicorn, HTTP.

Nothing here uses the test settings or the in-memory test database: the instance runs on
``config.settings.base`` with its own TUTELA_HOME and TUTELA_KEYS, exactly as an installation would, so
what lands on its disk is what a real installation would leave there.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instance:
    home: Path
    keys: Path
    env: dict[str, str]

    def manage(self, *args: str, timeout: float = 300) -> str:
        return run([sys.executable, "manage.py", *args], env=self.env, timeout=timeout)

    def script(self, path: Path, payload: Mapping[str, Any], timeout: float = 300) -> Any:
        """Runs a Python script with the instance's environment, ``payload`` as JSON on stdin; returns the
        JSON the script prints as its last line."""
        out = run([sys.executable, str(path)], env=self.env, timeout=timeout, stdin=json.dumps(payload))
        return json.loads(out.strip().splitlines()[-1])


def run(command: list[str], *, env: Mapping[str, str], timeout: float, stdin: str | None = None) -> str:
    result = subprocess.run(
        command, cwd=PROJECT, env=dict(env), input=stdin, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_env(
    home: Path, keys: Path, *, port: int, database_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a production-like instance; the test run's own Django and Tutela settings (the
    in-memory database, the scratch TUTELA_HOME) are left out so they cannot leak in."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TUTELA_", "DJANGO_")) and name != "PYTHONSTARTUP"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        TUTELA_HOME=str(home),
        TUTELA_KEYS=str(keys),
        TUTELA_PORT=str(port),
        TUTELA_URL=f"http://127.0.0.1:{port}",
        PYTHONPATH=str(PROJECT),
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    if database_url:
        env["TUTELA_DATABASE_URL"] = database_url
    return env


def create_instance(root: Path, *, database_url: str | None = None, **extra: str) -> Instance:
    """``manage.py instance_init`` in a fresh TUTELA_HOME with its keys in a separate TUTELA_KEYS."""
    home, keys = root / "home", root / "keys"
    env = instance_env(home, keys, port=free_port(), database_url=database_url, **extra)
    instance = Instance(home=home, keys=keys, env=env)
    instance.manage("instance_init")
    return instance


@contextmanager
def gunicorn(
    instance: Instance, *, startup_timeout: float = 30, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """The instance served by gunicorn (one worker) with its access and error logs in TUTELA_HOME/logs,
    where an installation keeps them; ``env`` overrides the instance's environment (e.g. the database URL
    of the web role). Yields the base URL; stops the server on exit."""
    port = instance.env["TUTELA_PORT"]
    logs = instance.home / "logs"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        str(logs / "access.log"),
        "--error-logfile",
        str(logs / "error.log"),
        "--capture-output",  # Django's console logging goes to the error log too
        # gunicorn 27 opens a control socket in ~/.gunicorn by default, shared by every server of the
        # same user: two test runs (or a demo) at once would fight over it.
        "--no-control-socket",
    ]
    server = subprocess.Popen(
        command,
        cwd=PROJECT,
        env={**instance.env, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base, logs / "error.log", startup_timeout)
        yield base
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn stops its workers gracefully
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen, base: str, error_log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = error_log.read_text(errors="replace") if error_log.exists() else "(no error log)"
            raise AssertionError(f"gunicorn exited with {server.returncode} while starting:\n{log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (our http URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer {base}/healthz within {timeout} s")


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the caller sees the 302 itself


class Browser:
    """A cookie-keeping HTTP client that posts Django forms with their CSRF token, and never follows
    redirects (tests assert where they point)."""

    def __init__(self, base: str) -> None:
        assert base.startswith("http://127.0.0.1:"), base  # only ever the local test server
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        url = self.base + path
        return self._send(urllib.request.Request(url, headers=dict(headers or {})))  # noqa: S310 (see init)

    def post(self, path: str, data: Mapping[str, str], headers: Mapping[str, str] | None = None) -> Response:
        token = self.cookie("csrftoken")
        assert token, f"no csrftoken cookie before POST {path}: GET a page with a form first"
        fields = {"csrfmiddlewaretoken": token, **data}
        request = urllib.request.Request(  # noqa: S310 (the base is checked to be http://127.0.0.1)
            self.base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base + path, **dict(headers or {})},
            method="POST",
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            with error:
                return Response(error.code, error.headers, error.read())


def form_token(page: Response) -> str:
    """The csrfmiddlewaretoken a page's form carries."""
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert match, "the page has no CSRF token in a form"
    return match.group(1).decode()
