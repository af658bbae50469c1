"""The policy matrix: every route in the URLconf, requested by every member of the cast.

Walks config.urls recursively (pages, the API under /api/v1/, the schema and docs), as
django/djangoproject.com walks its URLs, and holds each answer to an expectation written by hand below.
A route with no row in EXPECTATIONS (here, or in its app's tests/matrix/<app>.py) fails, so a new page
or endpoint cannot ship without someone deciding who may reach it.

The expectations follow the principles, not the rules' code (tutela/pupils/rules.py, tutela/schools/rules.py):
a teacher sees the pupils they teach, a form tutor their form, a head of year their year, a school admin (and
SENCO, DSL, DPO) their school, a trust admin the trust, a parent their own children with portal access, a
pupil themself; an IT admin sees no pupil data. Out of scope is 404, never 403 (which would say the pupil
exists); 403 only for "may see, may not change". Anonymous visitors are sent to sign in (pages) or refused
(the API).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import matrix as matrix_package
from tests.cast import PASSWORD, Cast, build_cast
from tests.matrix import (
    DENY,
    ENROL,
    HIDE,
    HOME,
    LOGIN,
    OK,
    PUPIL_NAME,
    ROLES,
    SAVED,
    SEE,
    Call,
    Expect,
    row,
)
from tests.pupils.helpers import png_bytes, upload
from tests.support.two_factor import verify_client
from tutela import audit
from tutela.accounts.models import User

pytestmark = pytest.mark.django_db

# Every route in config.urls, and what each member of the cast gets for the cast's pupil (pupil_record,
# "Amelia Owusu", 7A, in maths_7a) or class (maths_7a). Written by hand: do not generate it from the rules.
# fmt: off
EXPECTATIONS: dict[str, dict[str, Expect]] = {
    "home": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "healthz": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=OK,
    ),
    "security-txt": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=OK,
    ),
    "security-policy": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=OK,
    ),
    # Signed-in users are sent on from the sign-in page.
    "accounts:login": row(
        trust_admin=HOME, school_admin=HOME, head_of_year=HOME, form_tutor=HOME, class_teacher=HOME,
        other_teacher=HOME, senco=HOME, dsl=HOME, dpo=HOME, it_admin=HOME,
        parent=HOME, other_parent=HOME, pupil=HOME, other_school_admin=HOME, no_role=HOME, anonymous=OK,
    ),
    # A valid one-time link (here: no_role's) moves its token out of the URL, for anyone who holds it.
    "accounts:enrol": row(
        trust_admin=ENROL, school_admin=ENROL, head_of_year=ENROL, form_tutor=ENROL, class_teacher=ENROL,
        other_teacher=ENROL, senco=ENROL, dsl=ENROL, dpo=ENROL, it_admin=ENROL,
        parent=ENROL, other_parent=ENROL, pupil=ENROL, other_school_admin=ENROL, no_role=ENROL,
        anonymous=ENROL,
    ),
    "accounts:logout": row(
        trust_admin=LOGIN, school_admin=LOGIN, head_of_year=LOGIN, form_tutor=LOGIN, class_teacher=LOGIN,
        other_teacher=LOGIN, senco=LOGIN, dsl=LOGIN, dpo=LOGIN, it_admin=LOGIN,
        parent=LOGIN, other_parent=LOGIN, pupil=LOGIN, other_school_admin=LOGIN, no_role=LOGIN,
        anonymous=LOGIN,
    ),
    # Lists and searches answer everyone signed in, with only the pupils in their scope.
    "pupils:list": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=SEE, it_admin=OK,
        parent=SEE, other_parent=OK, pupil=SEE, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "pupils:search": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=SEE, it_admin=OK,
        parent=SEE, other_parent=OK, pupil=SEE, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    "pupils:profile": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=SEE, other_parent=HIDE, pupil=SEE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # Only the data managers (school and trust admins) change a record; whoever may only see it gets 403.
    "pupils:edit": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=DENY, form_tutor=DENY, class_teacher=DENY,
        other_teacher=HIDE, senco=DENY, dsl=DENY, dpo=DENY, it_admin=HIDE,
        parent=DENY, other_parent=HIDE, pupil=DENY, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "pupils:photo_upload": row(
        trust_admin=SAVED, school_admin=SAVED, head_of_year=DENY, form_tutor=DENY, class_teacher=DENY,
        other_teacher=HIDE, senco=DENY, dsl=DENY, dpo=DENY, it_admin=HIDE,
        parent=DENY, other_parent=HIDE, pupil=DENY, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "pupils:classes": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    # A class roster is for those who teach it or lead its year or school: not the form tutor (who does not
    # teach maths), and never families (a roster names other people's children).
    "pupils:class_detail": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "pupils-api:list": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=SEE, it_admin=OK,
        parent=SEE, other_parent=OK, pupil=SEE, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "pupils-api:search": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=OK, senco=SEE, dsl=SEE, dpo=SEE, it_admin=OK,
        parent=SEE, other_parent=OK, pupil=SEE, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "pupils-api:detail": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=SEE, other_parent=HIDE, pupil=SEE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    "pupils-api:classes": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "pupils-api:class_detail": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=HIDE, class_teacher=SEE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=SEE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    # The deployment's self-assessment: instance-wide facts, so IT and the trust only (doctor/rules.py).
    "doctor:report": row(
        trust_admin=OK, school_admin=HIDE, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=OK,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # The API's description holds no personal data, but it is part of the API: signed-in users only.
    "api-schema": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    "api-docs": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
}
# fmt: on

# Cells known to differ from the principle above, each with the bug it shows. The matrix test is an expected
# failure (xfail) while only these cells differ, and fails once one of them matches: then delete its entry.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# Routes not listed are requested with GET and no URL arguments.
CALLS: dict[str, Call] = {
    "accounts:logout": Call(method="post"),
    "pupils:search": Call(method="post", body="search"),
    "pupils:profile": Call(target="pupil"),
    "pupils:edit": Call(target="pupil"),
    "pupils:photo_upload": Call(method="post", target="pupil", body="photo"),
    "pupils:class_detail": Call(target="class"),
    "pupils-api:search": Call(method="post", body="json_search"),
    "pupils-api:detail": Call(target="pupil"),
    "pupils-api:class_detail": Call(target="class"),
    "accounts:enrol": Call(target="enrolment"),
}

# Further targets and bodies from tests/matrix/<app>.py: a target gives a route's URL kwargs for the cast
# (it may create what it names, inside the test's savepoint); a body gives (data, extra client kwargs).
TARGETS: dict[str, Callable[[Cast], dict[str, Any]]] = {}
BODIES: dict[str, Callable[[Cast], tuple[Any, dict[str, Any]]]] = {}
# Named redirect targets: an Expect(302, redirect_to=name) matches a redirect to the path the function gives.
REDIRECTS: dict[str, Callable[[Cast], str]] = {}


def _load_app_matrices() -> None:
    """Each domain app's routes live in tests/matrix/<app>.py (EXPECTATIONS, and CALLS, TARGETS, BODIES)."""
    for module_info in pkgutil.iter_modules(matrix_package.__path__):
        module = importlib.import_module(f"{matrix_package.__name__}.{module_info.name}")
        for table, extra in (
            (EXPECTATIONS, getattr(module, "EXPECTATIONS", {})),
            (CALLS, getattr(module, "CALLS", {})),
            (TARGETS, getattr(module, "TARGETS", {})),
            (BODIES, getattr(module, "BODIES", {})),
            (REDIRECTS, getattr(module, "REDIRECTS", {})),
        ):
            clash = set(table) & set(extra)
            assert not clash, f"tests/matrix/{module_info.name}.py redefines {sorted(clash)}"
            table.update(extra)


_load_app_matrices()


def walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str | None, URLPattern, str]]:
    """(name with namespaces, pattern, route text) for every pattern, descending into includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        else:
            yield (f"{namespace}{entry.name}" if entry.name else None), entry, str(entry.pattern)


def _urlconf_routes() -> list[tuple[str | None, URLPattern, str]]:
    return list(walk(get_resolver().url_patterns))


ROUTE_NAMES = sorted({name or f"<unnamed {route}>" for name, _, route in _urlconf_routes()})


@dataclass(frozen=True)
class SignedIn:
    """A session per role, signed in once for the module: each test gets fresh clients carrying them."""

    sessions: dict[str, str]

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


@pytest.fixture(scope="module")
def _module_cast(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Cast, SignedIn]]:
    """The cast and its sessions, built once for this module (as setUpTestData would) and rolled back after.

    Each test still runs in its own savepoint (the ``db`` fixture), so what one request writes (a photo, a
    sign-out, audit events) is gone before the next test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        cast = build_cast()
        sessions = {}
        for role in ROLES:
            if role != "anonymous":
                client = Client()
                with audit.context(actor=None, reason="test sign-in"):
                    assert client.login(username=getattr(cast, role).email, password=PASSWORD)
                verify_client(client, getattr(cast, role))  # the second factor, for roles that need it
                sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield cast, SignedIn(sessions)
        transaction.set_rollback(True)


@pytest.fixture
def cast(_module_cast: tuple[Cast, SignedIn], db: None) -> Cast:
    return _module_cast[0]


@pytest.fixture
def clients(_module_cast: tuple[Cast, SignedIn], db: None) -> SignedIn:
    return _module_cast[1]


def url_kwargs(cast: Cast, target: str) -> dict[str, Any]:
    if target == "pupil":
        return {"public_id": cast.pupil_record.public_id}
    if target == "class":
        return {"public_id": cast.maths_7a.public_id}
    if target == "enrolment":
        # From the stored row: the token covers the last sign-in, which signing in as no_role changes.
        user = User.objects.get(pk=cast.no_role.pk)
        return {
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    if target in TARGETS:
        return TARGETS[target](cast)
    return {}


def request_route(client: Client, cast: Cast, name: str) -> Any:
    call = CALLS.get(name, Call())
    url = reverse(name, kwargs=url_kwargs(cast, call.target))
    if call.body == "search":  # a prefix, so the echoed query is not mistaken for a result
        return client.post(url, {"q": "amel"})
    if call.body == "json_search":
        return client.post(url, {"q": "Amelia"}, content_type="application/json")
    if call.body == "photo":
        return client.post(url, {"photo": upload(png_bytes())})
    if call.body in BODIES:
        data, extra = BODIES[call.body](cast)
        return getattr(client, call.method)(url, data, **extra)
    return getattr(client, call.method)(url)


def describe(response: Any, cast: Cast) -> Expect:
    """The answer, in the terms of the table (so a mismatch reads as the cell it should have been)."""
    status = response.status_code
    if status in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        profile = reverse("pupils:profile", args=[cast.pupil_record.public_id])
        enrolment_form = reverse(
            "accounts:enrol", kwargs={**url_kwargs(cast, "enrolment"), "token": "set-password"}
        )
        names = {
            reverse("accounts:login"): "accounts:login",
            reverse("home"): "home",
            profile: "profile",
            enrolment_form: "enrolment form",
            **{path_of(cast): label for label, path_of in REDIRECTS.items()},
        }
        return Expect(status, redirect_to=names.get(path, path))
    body = b"".join(response) if response.streaming else response.content
    return Expect(status, shows_pupil=PUPIL_NAME in body)


def run_matrix(cast: Cast, clients: SignedIn, name: str) -> None:
    expected_row = EXPECTATIONS[name]
    wrong, fixed, known = [], [], []
    for role in ROLES:
        got = describe(request_route(clients.client(role), cast, name), cast)
        expected = expected_row[role]
        bug = KNOWN_BUGS.get((name, role))
        if got == expected:
            if bug:
                fixed.append(f"  {role}: now {got} as expected: delete its KNOWN_BUGS entry")
        elif bug:
            known.append(f"{role}: {bug}")
        else:
            wrong.append(f"  {role}: expected {expected}, got {got}")
    assert not wrong and not fixed, f"{name}:\n" + "\n".join(wrong + fixed)
    if known:
        pytest.xfail(f"{name}: " + "; ".join(known))


def test_every_route_in_the_urlconf_has_a_name():
    unnamed = [route for name, _, route in _urlconf_routes() if name is None]
    assert unnamed == [], f"give these URL patterns a name so the policy matrix can cover them: {unnamed}"


def test_the_matrix_has_no_stale_routes():
    in_urlconf = {name for name, _, _ in _urlconf_routes()}
    stale = sorted(set(EXPECTATIONS) - in_urlconf)
    assert stale == [], f"EXPECTATIONS names routes that no longer exist; remove them: {stale}"
    assert {name for name, _ in KNOWN_BUGS} <= set(EXPECTATIONS)


def test_every_route_with_url_arguments_says_which_cast_object_it_takes():
    missing = [
        name
        for name, pattern, _ in _urlconf_routes()
        if name and pattern.pattern.converters and not CALLS.get(name, Call()).target
    ]
    assert missing == [], f"add these routes to CALLS with a target (see Call.target): {missing}"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_route_answers_every_role_as_the_policy_says(cast, clients, name):
    if name not in EXPECTATIONS:
        pytest.fail(
            f"The route {name!r} is in the URLconf but not in tests/test_policy_matrix.py EXPECTATIONS. "
            "Add a row saying what each role gets (SEE/OK/HIDE/DENY/LOGIN...), and a CALLS entry if it "
            "takes a pupil or class id or is POST-only."
        )
    run_matrix(cast, clients, name)


@pytest.fixture
def row_level_security_enforced() -> Iterator[None]:
    """Switches off the suite's cross-school setting (tests/conftest.py): requests see only their schools."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tutela.all_schools', '', false)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tutela.all_schools', 'on', false)")


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_route_answers_the_same_with_row_level_security_enforced(
    cast, clients, row_level_security_enforced, name
):
    run_matrix(cast, clients, name)


CONTACT_ROLES = ("trust_admin", "school_admin", "head_of_year", "form_tutor", "senco", "dsl")
NO_CONTACT_ROLES = ("class_teacher", "dpo", "parent", "pupil")
GUARDIAN_PHONE = b"07700 900123"
PUPIL_ADDRESS = b"1 Test Lane"


@pytest.mark.parametrize("role", CONTACT_ROLES)
def test_the_profile_shows_contacts_to_the_pastoral_and_admin_roles(cast, clients, role):
    response = clients.client(role).get(reverse("pupils:profile", args=[cast.pupil_record.public_id]))
    assert response.status_code == 200
    assert GUARDIAN_PHONE in response.content
    assert PUPIL_ADDRESS in response.content
    assert b"Grace Owusu" in response.content


@pytest.mark.parametrize("role", NO_CONTACT_ROLES)
def test_the_profile_hides_contacts_from_those_who_only_see_identity(cast, clients, role):
    response = clients.client(role).get(reverse("pupils:profile", args=[cast.pupil_record.public_id]))
    assert response.status_code == 200
    assert PUPIL_NAME in response.content
    assert GUARDIAN_PHONE not in response.content
    assert PUPIL_ADDRESS not in response.content
    assert b"Grace" not in response.content


def test_the_contact_roles_are_exactly_the_profile_viewers_minus_the_identity_only_ones():
    viewers = {role for role, cell in EXPECTATIONS["pupils:profile"].items() if cell == SEE}
    assert viewers == set(CONTACT_ROLES) | set(NO_CONTACT_ROLES)
