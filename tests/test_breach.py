"""The promise, end to end: a stolen copy of an instance's data, without its keys, reveals nothing.

A real instance is made in a temporary directory (``instance_init``, production settings, keys in their own
directory), filled through the services with a pupil whose every personal detail is a distinctive string,
served by gunicorn, and used over HTTP the way staff use it: sign in (once with a wrong password), list,
search, open the profile with its photo, edit with a mistake and then correctly, hit a missing page, call
the API, sign out. Then every byte a thief could copy (database, WAL, encrypted file store, logs, static
files; on PostgreSQL also a pg_dump) is searched for each plaintext in every common encoding
(tests/support/breach.py), and the file store is checked for images in the clear.

If a test here fails, a finding names the file, the plaintext and its encoding: something wrote personal
data to disk outside the vault.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pytest
from django_otp.oath import hotp
from PIL import Image

from tests.reports.helpers import pdf_text
from tests.support.breach import (
    Needle,
    Scanner,
    assert_nothing_readable,
    binary_needles,
    files_under,
    needles_for,
    readable_images,
    scan_tree,
)
from tests.support.images import BAND, SQUARE, checkerboard, jpeg_bytes, png_bytes
from tests.support.instance import Browser, Instance, Response, create_instance, form_token, gunicorn
from tutela.pupils.validators import upn_check_letter

SEED_SCRIPT = Path(__file__).parent / "support" / "breach_seed.py"

UPN_BODY = "925990126777"
UPN = upn_check_letter(UPN_BODY) + UPN_BODY
WRONG_UPN = next(letter for letter in "ABCDEFGH" if letter != UPN[0]) + UPN_BODY  # check letter is wrong

PUPIL = {
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "upn": UPN,
    "address": "42 Marrowbone Crescent\nKestrelmoor",
    "date_of_birth": "2014-03-17",
    "enrolled_on": "2019-09-04",
}
PREFERRED_FIRST_NAME = "Thistledown"  # set through the edit form during the visit
GUARDIAN = {
    "first_name": "Ottoline",
    "last_name": "Quillfeather",
    "email": "ottoline.qf@kestrelmoor.example",
    "phone": "07700 900461",
}
BEHAVIOUR = {
    "note": "Catapulted a marrow over the greenhouse roof",  # seeded
    "follow_up": "Apologised to the caretaker Mr Fennimore",  # typed into the follow-up form during the visit
}
# A teacher's comments about the pupil in the markbook: one seeded, one typed during the visit.
ASSESSMENT = {
    "comment": "Persevering admirably with vulgar fractions",
    "visit_comment": "Needs encouragement on long division",
}
# Written through the report comment form during the visit, then printed into the report's PDF.
REPORT_COMMENT = "Origami cranes by Zephyrine astonished the whole corridor"
STAFF = {
    "email": "bramwell.osgood@breach-staff.example",
    "display_name": "Bramwell Osgood",
    "password": "breach-Test-pa55word-Q7",
}

ATTENDANCE = {
    "late_reason": "Missed the Quillmoor ferry again",
    "early_leave_reason": "Collected by Aunt Perpetua",
    "visitor_name": "Hieronymus Fairweather",
    "visitor_organisation": "Wexcombe Surveyors",
}
VISITOR_AT_RECEPTION = "Philippa Marchbanks"  # signed in through the visitor log page during the visit

# Everything personal the instance is given, with the spellings it may be shown or logged in.
PLAINTEXTS = {
    "pupil first name": PUPIL["first_name"],
    "pupil surname": PUPIL["last_name"],
    "pupil preferred name": PREFERRED_FIRST_NAME,
    "pupil UPN": UPN,
    "pupil address": "42 Marrowbone Crescent",
    "pupil address, town": "Kestrelmoor",
    "date of birth (ISO)": "2014-03-17",
    "date of birth (UK)": "17/03/2014",
    "date of birth (compact)": "20140317",
    "date of birth (as displayed)": "17 March 2014",
    "enrolment date (ISO)": "2019-09-04",
    "enrolment date (as displayed)": "4 September 2019",
    "guardian first name": GUARDIAN["first_name"],
    "guardian email": GUARDIAN["email"],
    "guardian phone": GUARDIAN["phone"],
    "guardian phone without spaces": GUARDIAN["phone"].replace(" ", ""),
    "behaviour note": BEHAVIOUR["note"],
    "behaviour follow-up note": BEHAVIOUR["follow_up"],
    "teacher comment (seeded)": ASSESSMENT["comment"],
    "teacher comment (typed in the visit)": ASSESSMENT["visit_comment"],
    "report comment": REPORT_COMMENT,
    "staff email": STAFF["email"],
    "staff name": STAFF["display_name"],
    "staff password": STAFF["password"],
    "late reason (change after close)": ATTENDANCE["late_reason"],
    "early leave reason": ATTENDANCE["early_leave_reason"],
    "visitor name": ATTENDANCE["visitor_name"],
    "visitor organisation": ATTENDANCE["visitor_organisation"],
    "visitor signed in at reception": VISITOR_AT_RECEPTION,
}


def draw_photo() -> tuple[bytes, Image.Image]:
    image = checkerboard()
    return png_bytes(image), image


@dataclass
class Visit:
    """What the server answered during the visit, kept for the checks that the visit really happened."""

    pages: dict[str, Response] = field(default_factory=dict)
    photo_jpeg: bytes = b""
    report_pdf: bytes = b""


@dataclass
class Breach:
    instance: Instance
    ids: dict
    visit: Visit
    scanner: Scanner  # remembers what it has searched, so the checks below can share one pass
    live_copy: Path  # TUTELA_HOME (without static) as copied while the server was running
    dump: bytes | None = None  # pg_dump of the database (PostgreSQL only)
    served_as: object = None  # PostgreSQL: the roles of the server's open connections


# --- the scenario -------------------------------------------------------------------------------------------


def visit(base: str, ids: dict) -> Visit:
    """Staff use the instance over HTTP: every page that shows, searches, edits or refuses personal data."""
    seen = Visit()
    browser = Browser(base)
    pupil_url = f"/pupils/{ids['pupil']}/"

    login_page = browser.get("/accounts/login/")
    seen.pages["login form"] = login_page
    credentials = {"csrfmiddlewaretoken": form_token(login_page), "username": STAFF["email"]}
    seen.pages["wrong password"] = browser.post("/accounts/login/", {**credentials, "password": "not-it-9x"})
    seen.pages["sign in"] = browser.post("/accounts/login/", {**credentials, "password": STAFF["password"]})
    seen.pages["before the second factor"] = browser.get("/pupils/")
    seen.pages["second factor"] = browser.post("/accounts/verify/", {"code": totp_code(ids["totp_key"], 1)})
    seen.pages["home"] = browser.get("/")
    seen.pages["pupil list"] = browser.get("/pupils/")
    seen.pages["search"] = browser.post("/pupils/search/", {"q": "Zeph"})
    seen.pages["live search"] = browser.post(
        "/pupils/search/", {"q": "Quill"}, headers={"HX-Request": "true"}
    )
    seen.pages["profile"] = browser.get(pupil_url)
    seen.pages["edit form"] = browser.get(f"{pupil_url}edit/")
    edit = {
        "upn": WRONG_UPN,
        "legal_first_name": PUPIL["first_name"],
        "legal_last_name": PUPIL["last_name"],
        "preferred_first_name": PREFERRED_FIRST_NAME,
        "preferred_last_name": "",
        "date_of_birth": PUPIL["date_of_birth"],
        "sex": "F",
        "address": PUPIL["address"],
        "year_group": ids["year_group"],
        "form_group": ids["form_group"],
        "enrolled_on": PUPIL["enrolled_on"],
        "left_on": "",
    }
    seen.pages["edit with a wrong UPN"] = browser.post(f"{pupil_url}edit/", edit)
    seen.pages["edit"] = browser.post(f"{pupil_url}edit/", {**edit, "upn": UPN})
    seen.pages["profile after edit"] = browser.get(pupil_url)
    seen.pages["missing pupil"] = browser.get(f"/pupils/{uuid.uuid4()}/")
    seen.pages["api detail"] = browser.get(f"/api/v1/pupils/{ids['pupil']}/")
    seen.pages["register"] = browser.get(f"/attendance/registers/{ids['register']}/")
    seen.pages["attendance summary"] = browser.get(f"/attendance/pupils/{ids['pupil']}/")
    visitors = browser.get("/attendance/visitors/")
    seen.pages["visitor sign-in"] = browser.post(
        "/attendance/visitors/", {"csrfmiddlewaretoken": form_token(visitors), "name": VISITOR_AT_RECEPTION}
    )
    seen.pages["visitor log"] = browser.get("/attendance/visitors/")
    seen.pages["roll-call"] = browser.get("/attendance/roll-call/")
    incident_url = f"/behaviour/incidents/{ids['incident']}/"
    seen.pages["behaviour timeline"] = browser.get(f"/behaviour/pupils/{ids['pupil']}/")
    seen.pages["behaviour record"] = browser.get(incident_url)
    seen.pages["behaviour follow-up"] = browser.post(
        f"{incident_url}outcomes/", {"kind": "restorative", "notes": BEHAVIOUR["follow_up"]}
    )
    seen.pages["behaviour record after follow-up"] = browser.get(incident_url)
    seen.pages["behaviour api"] = browser.get(f"/api/v1/behaviour/incidents/{ids['incident']}/")
    cell_url = f"/assessment/columns/{ids['column']}/pupils/{ids['pupil']}/"
    seen.pages["markbook"] = browser.get(f"/assessment/markbooks/{ids['class']}/")
    seen.pages["markbook cell"] = browser.get(cell_url)
    seen.pages["markbook cell saved"] = browser.post(
        cell_url, {"value": "41", "comment": ASSESSMENT["visit_comment"]}, headers={"HX-Request": "true"}
    )
    seen.pages["markbook cell after save"] = browser.get(cell_url)
    visit_reports(browser, ids, seen)
    seen.pages["sign out"] = browser.post("/accounts/logout/", {})
    seen.pages["after sign out"] = browser.get(pupil_url)

    match = re.search(rb'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', seen.pages["profile"].body)
    seen.photo_jpeg = base64.b64decode(match.group(1)) if match else b""
    return seen


def visit_reports(browser: Browser, ids: dict, seen: Visit) -> None:
    """A report cycle for the pupil's year: a comment written, the PDF generated and downloaded."""
    seen.pages["reports"] = browser.get("/reports/")
    created = browser.post(
        "/reports/cycles/new/",
        {
            "year_group": ids["year_group"],
            "name": "Breach autumn report",
            "covers_from": "2026-09-02",
            "covers_to": "2026-12-18",
        },
    )
    seen.pages["report cycle created"] = created
    cycle_path = created.location
    comment_path = f"{cycle_path}pupils/{ids['pupil']}/comment/"
    seen.pages["comment form"] = browser.get(comment_path)
    seen.pages["comment"] = browser.post(comment_path, {"heading": "Headteacher", "text": REPORT_COMMENT})
    seen.pages["generate reports"] = browser.post(f"{cycle_path}generate/", {})
    seen.pages["report cycle"] = browser.get(cycle_path)
    link = re.search(r'href="(/reports/[0-9a-f-]{36}/pdf/)"', seen.pages["report cycle"].text)
    if link:
        seen.pages["report pdf"] = browser.get(link.group(1))
        seen.report_pdf = seen.pages["report pdf"].body


def totp_code(key_hex: str, steps_ahead: int = 0) -> str:
    """The code the staff member's authenticator app shows (the next step's: enrolment used this one)."""
    return f"{hotp(bytes.fromhex(key_hex), int(time.time()) // 30 + steps_ahead, 6):06d}"


def secret_needles(ids: dict) -> list[Needle]:
    """The two-factor secrets: the TOTP seed in the forms an app or a careless copy would hold, and every
    recovery code. The database holds them only encrypted (seed) or as keyed hashes (codes)."""
    seed = bytes.fromhex(ids["totp_key"])
    needles = binary_needles("TOTP seed (raw)", seed)
    needles += needles_for("TOTP seed (hex)", ids["totp_key"])
    needles += needles_for("TOTP seed (base32)", base64.b32encode(seed).decode().rstrip("="))
    for number, code in enumerate(ids["recovery_codes"]):
        needles += needles_for(f"recovery code {number}", code)
        needles += needles_for(f"recovery code {number} (no dash)", code.replace("-", ""))
    return needles


def build_needles(
    instance: Instance, png: bytes, photo_jpeg: bytes, report_pdf: bytes, ids: dict
) -> list[Needle]:
    needles = [needle for label, text in PLAINTEXTS.items() for needle in needles_for(label, text)]
    needles += secret_needles(ids)
    band_rgb = bytes(BAND) * 64  # a raw (BMP, bitmap cache) copy of the photo holds these pixel runs
    needles += binary_needles("photo pixels (RGB)", band_rgb)
    needles += binary_needles("photo pixels (BGR)", bytes(reversed(BAND)) * 64)
    middle = len(png) // 2
    needles += binary_needles("uploaded PNG", png[middle : middle + 64])
    if photo_jpeg:  # the re-encoded photo as the server decrypted it
        middle = len(photo_jpeg) // 2
        needles += binary_needles("stored photo (JPEG)", photo_jpeg[middle : middle + 64])
    if report_pdf:  # the report as the server decrypted it for download
        middle = len(report_pdf) // 2
        needles += binary_needles("report PDF", report_pdf[middle : middle + 64])
    for key_file in files_under(instance.keys):  # a key beside the data would unlock all of it
        data = key_file.read_bytes()
        needles += binary_needles(f"key file {key_file.name}", data[:64] if len(data) > 64 else data)
    return needles


def run_scenario(
    root: Path,
    *,
    owner_url: str | None = None,
    web_url: str | None = None,
    while_serving: Callable[[], object] = lambda: None,
    **env: str,
) -> Breach:
    """Makes, fills, serves and visits an instance. On PostgreSQL it is set up as docs/deployment.md says:
    migrated and seeded as the owner role (``owner_url``), served as the web role (``web_url``)."""
    instance = create_instance(root, database_url=owner_url, TUTELA_LOG_LEVEL="DEBUG", **env)
    png, _ = draw_photo()
    spec = {
        "pupil": {**PUPIL, "photo_png": base64.b64encode(png).decode()},
        "guardian": GUARDIAN,
        "staff": STAFF,
        "attendance": ATTENDANCE,
        "behaviour": BEHAVIOUR,
        "assessment": ASSESSMENT,
    }
    ids = instance.script(SEED_SCRIPT, spec)
    live_copy = root / "live-copy"
    serving = {"TUTELA_DATABASE_URL": web_url} if web_url else {}
    with holding_the_sqlite_wal(instance), gunicorn(instance, env=serving) as base:
        seen = visit(base, ids)
        # What a thief copying a running server gets: the database with its -wal and -shm files.
        shutil.copytree(instance.home, live_copy, ignore=shutil.ignore_patterns("static"))
        served_as = while_serving()
    # A backup archive lands in TUTELA_HOME/backups, so the scans of TUTELA_HOME cover it as well.
    instance.manage("backup", "create")
    scanner = Scanner(build_needles(instance, png, seen.photo_jpeg, seen.report_pdf, ids))
    return Breach(instance, ids, seen, scanner, live_copy, served_as=served_as)


@contextmanager
def holding_the_sqlite_wal(instance: Instance) -> Iterator[None]:
    """Keeps a read-only connection to the SQLite database open while the server runs.

    SQLite folds the write-ahead log back into the database and deletes it when its last connection
    closes, which the server does after every request; a connection held here keeps the -wal file, with
    the visit's writes in it, on disk for the live copy."""
    database = instance.home / "tutela.sqlite3"
    if "TUTELA_DATABASE_URL" in instance.env:
        yield
        return
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        yield
    finally:
        connection.close()


@pytest.fixture(scope="module")
def sqlite_breach(tmp_path_factory: pytest.TempPathFactory) -> Breach:
    return run_scenario(tmp_path_factory.mktemp("breach-sqlite"))


def _libpq_env(url: str) -> dict[str, str]:
    """PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for the PostgreSQL tools, from a postgresql:// URL."""
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    env = {
        "PGHOST": query.get("host") or parts.hostname or "",
        "PGPORT": query.get("port") or str(parts.port or 5432),
        "PGUSER": unquote(parts.username or ""),
        "PGDATABASE": parts.path.lstrip("/"),
    }
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return {**os.environ, **{name: value for name, value in env.items() if value}}


@pytest.fixture(scope="module")
def postgres_breach(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Breach]:
    test_url = os.environ["TUTELA_TEST_DATABASE_URL"]
    web_role = os.environ.get("TUTELA_TEST_PG_WEB_ROLE", "")
    pg_bin = Path(os.environ.get("TUTELA_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
    libpq = _libpq_env(test_url)
    name = f"tutela_breach_{uuid.uuid4().hex[:12]}"  # a fresh database: nothing from other tests in it
    subprocess.run([pg_bin / "createdb", name], env=libpq, check=True, capture_output=True)
    parts = urlsplit(test_url)
    owner_url = urlunsplit(parts._replace(path=f"/{name}"))
    web_url = _with_user(owner_url, web_role) if web_role else owner_url
    try:
        breach = run_scenario(
            tmp_path_factory.mktemp("breach-postgres"),
            owner_url=owner_url,
            web_url=web_url,
            TUTELA_DB_WEB_ROLE=web_role,
            while_serving=lambda: _connected_roles(pg_bin, libpq, name),
        )
        # As the owner, with every school's rows: forced row-level security would otherwise dump none, as
        # tutela/backups does. A plain-format dump, so nothing is hidden by compression.
        dump = subprocess.run(
            [pg_bin / "pg_dump", "--no-owner", "--no-privileges", "--enable-row-security", name],
            env={**libpq, "PGOPTIONS": "-c tutela.all_schools=on"},
            check=True,
            capture_output=True,
            timeout=120,
        )
        breach.dump = dump.stdout
        yield breach
    finally:
        subprocess.run([pg_bin / "dropdb", "--force", "--if-exists", name], env=libpq, capture_output=True)


def _connected_roles(pg_bin: Path, libpq: dict[str, str], database: str) -> set[str]:
    """The roles with a connection open to ``database`` (the server keeps its own open: CONN_MAX_AGE)."""
    query = (
        "SELECT DISTINCT usename FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    out = subprocess.run(
        [pg_bin / "psql", "--no-psqlrc", "-At", "-c", query, database],
        env=libpq,
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def _with_user(url: str, user: str) -> str:
    """``url`` with its user replaced (and no password: the test cluster trusts local sockets)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


@pytest.fixture(
    params=[
        pytest.param("sqlite_breach", id="sqlite"),
        pytest.param("postgres_breach", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def breach(request: pytest.FixtureRequest) -> Breach:
    return request.getfixturevalue(request.param)


# --- the visit really happened (otherwise the scans below would prove nothing) ------------------------------


def test_the_visit_showed_staff_the_pupils_real_details(breach: Breach) -> None:
    pages = breach.visit.pages
    assert pages["wrong password"].status == 200
    assert "not recognised" in pages["wrong password"].text
    assert pages["sign in"].status == 302, pages["sign in"].text
    # A school admin reaches nothing with the password alone; the authenticator's code lets them in.
    assert pages["before the second factor"].status == 302
    assert pages["before the second factor"].location.startswith("/accounts/verify/")
    assert pages["second factor"].status == 302, pages["second factor"].text
    assert "Welcome, Bramwell Osgood" in pages["home"].text
    assert pages["pupil list"].status == 200
    assert "Quillfeather, Zephyrine" in pages["pupil list"].text
    assert "Quillfeather, Zephyrine" in pages["search"].text
    assert "Quillfeather, Zephyrine" in pages["live search"].text
    assert "<html" not in pages["live search"].text  # the HTMX partial, not the whole page
    profile = pages["profile"].text
    for shown in (
        "Zephyrine Quillfeather",
        UPN,
        "17 March 2014",
        "42 Marrowbone Crescent",
        GUARDIAN["email"],
    ):
        assert shown in profile
    assert json.loads(pages["api detail"].body)["legal_last_name"] == "Quillfeather"


def test_the_visit_showed_the_attendance_record_and_the_visitors(breach: Breach) -> None:
    pages = breach.visit.pages
    assert pages["register"].status == 200
    assert "Thistledown Quillfeather" in pages["register"].text  # the preferred name, set during the visit
    assert "left 11:20" in pages["register"].text
    summary = pages["attendance summary"].text
    assert ATTENDANCE["late_reason"] in summary and ATTENDANCE["early_leave_reason"] in summary
    assert pages["visitor sign-in"].status == 302
    assert ATTENDANCE["visitor_name"] in pages["visitor log"].text
    assert VISITOR_AT_RECEPTION in pages["visitor log"].text
    assert VISITOR_AT_RECEPTION in pages["roll-call"].text


def test_the_visit_read_the_behaviour_note_and_added_a_follow_up(breach: Breach) -> None:
    pages = breach.visit.pages
    assert "Bullying" in pages["behaviour timeline"].text
    assert BEHAVIOUR["note"] in pages["behaviour record"].text
    assert pages["behaviour follow-up"].status == 302
    assert BEHAVIOUR["follow_up"] in pages["behaviour record after follow-up"].text
    assert json.loads(pages["behaviour api"].body)["description"] == BEHAVIOUR["note"]


def test_the_profile_embedded_the_decrypted_photo(breach: Breach) -> None:
    photo = breach.visit.photo_jpeg
    assert photo[:3] == b"\xff\xd8\xff", "the profile has no data: URI photo"
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
        assert image.size == (480, 480)
        # The drawn pattern survived the round trip (JPEG is lossy, so roughly).
        band = image.convert("RGB").getpixel((30, 30))  # (x, y): the solid top row
        square = image.convert("RGB").getpixel((30, 90))  # first column, second row
    assert all(abs(got - want) < 12 for got, want in zip(band, BAND, strict=True))
    assert all(abs(got - want) < 12 for got, want in zip(square, SQUARE, strict=True))


def test_the_visit_edited_the_pupil_after_refusing_a_wrong_upn(breach: Breach) -> None:
    pages = breach.visit.pages
    refused = pages["edit with a wrong UPN"]
    assert refused.status == 200
    # The error is tied to the UPN field (aria-describedby), so it is read out with it.
    field = re.search(r'<input [^>]*id="id_upn"[^>]*>', refused.text)
    assert field and 'aria-invalid="true"' in field.group(0)
    described_by = re.search(r'aria-describedby="([^"]+)"', field.group(0))
    assert described_by
    assert re.search(rf'id="{described_by.group(1)}">This UPN&#x27;s check letter is wrong', refused.text)
    assert pages["edit"].status == 302
    assert pages["edit"].location == f"/pupils/{breach.ids['pupil']}/"
    assert "Thistledown Quillfeather" in pages["profile after edit"].text


def test_the_visit_showed_and_saved_the_teachers_comments_in_the_markbook(breach: Breach) -> None:
    pages = breach.visit.pages
    assert "Quillfeather, Thistledown" in pages["markbook"].text and 'value="37"' in pages["markbook"].text
    assert ASSESSMENT["comment"] in pages["markbook cell"].text
    assert pages["markbook cell saved"].status == 200 and 'value="41"' in pages["markbook cell saved"].text
    assert ASSESSMENT["visit_comment"] in pages["markbook cell after save"].text


def test_the_visit_wrote_a_report_comment_and_downloaded_the_pdf(breach: Breach) -> None:
    pages = breach.visit.pages
    assert pages["report cycle created"].status == 302
    assert pages["comment"].status == 302, pages["comment"].text
    assert pages["generate reports"].status == 302
    assert pages["report pdf"].headers["Content-Type"] == "application/pdf"
    text = pdf_text(breach.visit.report_pdf)
    assert REPORT_COMMENT in " ".join(text.split())
    assert "Thistledown Quillfeather" in text  # the preferred name given earlier in the visit


def test_the_visit_met_a_missing_page_and_ended_signed_out(breach: Breach) -> None:
    pages = breach.visit.pages
    assert pages["missing pupil"].status == 404
    assert pages["sign out"].status == 302
    assert pages["after sign out"].status == 302
    assert pages["after sign out"].location.startswith("/accounts/login/")


def test_the_instance_wrote_its_database_files_and_logs(breach: Breach) -> None:
    home = breach.instance.home
    access_log = (home / "logs" / "access.log").read_text()
    assert f"POST /pupils/{breach.ids['pupil']}/edit/" in access_log
    assert "POST /pupils/search/" in access_log
    assert "Not Found" in (home / "logs" / "error.log").read_text()  # Django's own log of the 404
    stored = {path.relative_to(home / "files").as_posix() for path in files_under(home / "files")}
    assert set(breach.ids["files"]) <= stored
    [report_file] = stored - set(breach.ids["files"])  # the report generated during the visit
    assert re.fullmatch(r"reports_pupilreport/[0-9a-f]{32}\.tink", report_file)
    if breach.dump is None:
        assert (home / "tutela.sqlite3").stat().st_size > 100_000


# --- what a thief gets ------------------------------------------------------------------------------------


def test_a_copy_of_tutela_home_reveals_no_personal_data(breach: Breach) -> None:
    assert len(files_under(breach.instance.home)) > 100  # database, files, logs and static all scanned
    assert_nothing_readable(breach.scanner.scan_tree(breach.instance.home))


def test_a_copy_taken_while_the_server_runs_reveals_no_personal_data(breach: Breach) -> None:
    copied = {path.relative_to(breach.live_copy).as_posix() for path in files_under(breach.live_copy)}
    assert {"logs/access.log", "logs/error.log"} <= copied
    if breach.dump is None:
        assert (breach.live_copy / "tutela.sqlite3-wal").stat().st_size > 0
    assert_nothing_readable(breach.scanner.scan_tree(breach.live_copy))


def test_a_backup_archive_was_made_and_is_among_what_was_scanned(breach: Breach) -> None:
    archives = list((breach.instance.home / "backups").glob("*.backup"))
    assert len(archives) == 1 and archives[0].stat().st_size > 10_000
    assert_nothing_readable(breach.scanner.scan(archives[0].read_bytes(), str(archives[0])))


def test_the_file_store_holds_no_readable_pdf(breach: Breach) -> None:
    for path in files_under(breach.instance.home / "files"):
        assert b"%PDF-" not in path.read_bytes(), path


def test_the_file_store_holds_no_readable_image(breach: Breach) -> None:
    files = breach.instance.home / "files"
    assert len(files_under(files)) == 3  # the photo, its thumbnail and the report PDF
    assert readable_images(files) == []


def test_the_root_key_is_kept_apart_from_the_data(breach: Breach) -> None:
    instance = breach.instance
    root_key = instance.keys / "root-keyset.bin"
    assert root_key.is_file()
    assert not root_key.resolve().is_relative_to(instance.home.resolve())
    assert not [path for path in files_under(instance.home) if path.name == root_key.name]


@pytest.mark.postgres
def test_the_server_used_the_web_role_not_the_owner(postgres_breach: Breach) -> None:
    web_role = os.environ.get("TUTELA_TEST_PG_WEB_ROLE")
    assert web_role, "TUTELA_TEST_PG_WEB_ROLE must name the cluster's web role (scripts/pg-cluster sets it)"
    assert postgres_breach.served_as == {web_role}


@pytest.mark.postgres
def test_a_pg_dump_of_the_database_reveals_no_personal_data(postgres_breach: Breach) -> None:
    dump = postgres_breach.dump
    assert dump is not None
    assert b"CREATE TABLE public.pupils_pupil" in dump
    # The rows themselves are in it (a dump that row-level security emptied would prove nothing).
    assert dump.count(postgres_breach.ids["pupil"].encode()) >= 2  # the pupil row and its audit events
    assert re.search(rb"COPY public\.pupils_guardian .*\n[^\\]", dump)
    assert_nothing_readable(postgres_breach.scanner.scan(dump, "pg_dump"))


@pytest.mark.postgres
def test_the_postgresql_server_log_reveals_no_personal_data(postgres_breach: Breach) -> None:
    # Only the throwaway cluster of scripts/pg-cluster has a log we can read; errors there quote statements.
    cluster = os.environ.get("TUTELA_TEST_PG_DIR")
    log = Path(cluster, "server.log") if cluster else None
    if log is None or not os.access(log, os.R_OK):
        pytest.skip("no readable server log: TUTELA_TEST_PG_DIR is not a scripts/pg-cluster cluster")
    assert_nothing_readable(postgres_breach.scanner.scan(log.read_bytes(), str(log)))


# --- the scanner itself can fail --------------------------------------------------------------------------


def test_the_scanner_finds_a_plaintext_planted_in_tutela_home(sqlite_breach: Breach) -> None:
    planted = sqlite_breach.instance.home / "logs" / "planted.log"
    planted.write_text("2026-01-05 INFO something logged Quillfeather by mistake\n")
    try:
        findings = sqlite_breach.scanner.scan_tree(sqlite_breach.instance.home)
    finally:
        planted.unlink()
    assert [(f.where, f.label) for f in findings] == [("logs/planted.log", "pupil surname")]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"Zephyrine", id="utf-8"),
        pytest.param(b"ZEPHYRINE", id="upper case"),
        pytest.param("zephyrine".encode("utf-16-le"), id="utf-16"),
        pytest.param(b"\\x" + b"Zephyrine".hex().encode(), id="postgres bytea hex"),
        pytest.param(json.dumps({"n": base64.b64encode(b"xZephyrine!").decode()}).encode(), id="base64"),
        pytest.param(b"q=Zephyrine+Quillfeather&x=1", id="form-encoded"),
    ],
)
def test_the_scanner_sees_through_common_encodings(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "plain.bin").write_bytes(content)
    (tmp_path / "packed.gz").write_bytes(gzip.compress(b"header " + content + b" trailer"))
    findings = scan_tree(tmp_path, needles_for("pupil first name", "Zephyrine"))
    assert {f.where.split(" ")[0] for f in findings} == {"plain.bin", "packed.gz!gunzip"}


def test_the_scanner_finds_images_in_the_clear(tmp_path: Path) -> None:
    png, image = draw_photo()
    (tmp_path / "photo.tink").write_bytes(png)
    (tmp_path / "thumb.tink").write_bytes(jpeg_bytes(image))
    (tmp_path / "ciphertext.tink").write_bytes(os.urandom(4096))
    found = readable_images(tmp_path)
    assert {line.split(":")[0] for line in found} == {"photo.tink", "thumb.tink"}


def test_the_scanner_is_quiet_on_random_bytes(tmp_path: Path) -> None:
    (tmp_path / "ciphertext.tink").write_bytes(os.urandom(1 << 20))
    needles = [n for label, text in PLAINTEXTS.items() for n in needles_for(label, text)]
    assert scan_tree(tmp_path, needles) == []
    assert readable_images(tmp_path) == []


def test_dates_in_the_plaintexts_are_the_ones_the_pupil_was_given() -> None:
    born = datetime.date.fromisoformat(PUPIL["date_of_birth"])
    assert PLAINTEXTS["date of birth (UK)"] == born.strftime("%d/%m/%Y")
    assert PLAINTEXTS["date of birth (compact)"] == born.strftime("%Y%m%d")
