"""The pupil pages (tutela/pupils/views.py): lists, search, profile, photo, edit and classes.

Who may reach each page at all is the policy matrix's job (tests/test_policy_matrix.py); these tests check
what each page shows and does for the people who reach it.
"""

from __future__ import annotations

import base64
import gc
import io
import re
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from tests.cast import make_upn
from tests.pupils.helpers import edit_form_data, field_errors, from_db, main_content, png_bytes, upload
from tutela.audit.models import AuditEvent
from tutela.pupils.models import Pupil
from tutela.pupils.validators import UPN_LETTERS
from tutela.vault.models import DataKey

pytestmark = pytest.mark.django_db


def profile_url(pupil) -> str:
    return reverse("pupils:profile", args=[pupil.public_id])


def edit_url(pupil) -> str:
    return reverse("pupils:edit", args=[pupil.public_id])


def names_in_order(page: bytes) -> list[str]:
    """The "Surname, First" names of the list's rows, top to bottom."""
    return re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', page.decode())


def events_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def pupil_updates_after(seq: int) -> list[AuditEvent]:
    return [e for e in events_after(seq) if e.action == "pupils.pupil.update"]


def last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


# --- the list ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_school_admin_their_schools_pupils_sorted_by_surname(cast, login):
    response = login(cast.school_admin).get(reverse("pupils:list"))
    assert response.status_code == 200
    # Created Amelia, Bilal, Dami: sorted by surname then first name, and Cerys (another school) absent.
    assert names_in_order(response.content) == ["Adeyemi, Dami", "Owusu, Amelia", "Owusu, Bilal"]


def test_the_list_shows_the_head_of_year_only_their_year(cast, login):
    response = login(cast.head_of_year).get(reverse("pupils:list"))
    assert names_in_order(response.content) == ["Owusu, Amelia"]


def test_the_list_shows_the_class_teacher_only_the_pupils_they_teach(cast, login):
    response = login(cast.class_teacher).get(reverse("pupils:list"))
    assert names_in_order(response.content) == ["Owusu, Amelia"]


def test_the_list_shows_a_parent_only_their_own_child(cast, login):
    response = login(cast.parent).get(reverse("pupils:list"))
    assert names_in_order(response.content) == ["Owusu, Amelia"]


def test_the_list_shows_the_it_admin_no_pupils(cast, login):
    response = login(cast.it_admin).get(reverse("pupils:list"))
    assert names_in_order(response.content) == []
    assert b"No pupils to show." in response.content


def test_the_year_filter_shows_only_that_years_pupils(cast, login):
    response = login(cast.school_admin).get(reverse("pupils:list"), {"year": str(cast.year8.public_id)})
    assert names_in_order(response.content) == ["Adeyemi, Dami", "Owusu, Bilal"]
    assert b'aria-current="page">Year 8</a>' in response.content


def test_a_malformed_year_filter_is_ignored(cast, login):
    response = login(cast.school_admin).get(reverse("pupils:list"), {"year": "not-a-uuid"})
    assert response.status_code == 200
    assert names_in_order(response.content) == ["Adeyemi, Dami", "Owusu, Amelia", "Owusu, Bilal"]


def test_another_schools_year_is_ignored_as_a_filter_like_a_malformed_one(cast, login):
    other_year = cast.other_school_pupil.year_group
    response = login(cast.school_admin).get(reverse("pupils:list"), {"year": str(other_year.public_id)})
    assert names_in_order(response.content) == ["Adeyemi, Dami", "Owusu, Amelia", "Owusu, Bilal"]
    assert str(other_year.public_id).encode() not in response.content
    assert b'aria-current="page">All</a>' in response.content


def test_the_list_sorts_by_preferred_surname_when_there_is_one(cast, login, audited):
    from tutela.pupils import services

    services.pupil_update(
        actor=cast.school_admin, pupil=cast.sibling_record, changes={"preferred_last_name": "Aardvark"}
    )
    response = login(cast.school_admin).get(reverse("pupils:list"))
    assert names_in_order(response.content) == ["Aardvark, Bilal", "Adeyemi, Dami", "Owusu, Amelia"]


def test_the_list_escapes_names(cast, login, audited):
    from tutela.pupils import services

    services.pupil_update(
        actor=cast.school_admin,
        pupil=cast.sibling_record,
        changes={"preferred_last_name": '<b>"O\'Hare"</b>'},
    )
    page = login(cast.school_admin).get(reverse("pupils:list")).content
    assert b"&lt;b&gt;&quot;O&#x27;Hare&quot;&lt;/b&gt;, Bilal" in page
    assert b"<b>" not in page


def garbage_after(fn) -> list[object]:
    """What ``fn`` leaves that only the cycle collector can free (collector off while it runs)."""
    gc.collect()
    gc.disable()
    try:
        fn()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_the_list_leaves_no_pupil_to_the_garbage_collector(cast, login):
    # A 2,000-pupil list left ~40,000 objects in reference cycles (pupil <-> data key, and the template
    # context's own cycle), freed only by collector passes that took 1 s (docs/performance.md).
    client = login(cast.school_admin)

    def get_list() -> None:
        response = client.get(reverse("pupils:list"))
        assert len(names_in_order(response.content)) == 3

    get_list()  # warm: first-request caches are not garbage
    left = garbage_after(get_list)
    pupil_keys = set(Pupil.system.values_list("data_key_id", flat=True))
    assert [o for o in left if type(o) is Pupil] == []
    assert [o for o in left if type(o) is DataKey and o.pk in pupil_keys] == []


def test_the_trust_admin_finds_pupils_of_every_school_of_the_trust(cast, login):
    client = login(cast.trust_admin)
    response = client.post(reverse("pupils:search"), {"q": "ow"}, HTTP_HX_REQUEST="true")
    assert b"Owusu, Amelia" in response.content and b"Owusu, Bilal" in response.content
    other = cast.other_school_pupil
    response = client.post(reverse("pupils:search"), {"q": other.legal_first_name}, HTTP_HX_REQUEST="true")
    assert f"{other.last_name}, {other.first_name}".encode() in response.content


# --- search -------------------------------------------------------------------------------------------------


def test_search_from_htmx_returns_only_the_results_fragment(cast, login):
    response = login(cast.school_admin).post(reverse("pupils:search"), {"q": "ame"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.templates[0].name == "pupils/_search_results.html"
    assert response.content.lstrip().startswith(b'<div id="search-results"')
    assert b"<html" not in response.content
    assert b"Owusu, Amelia" in response.content


def test_search_without_htmx_returns_the_whole_page(cast, login):
    response = login(cast.school_admin).post(reverse("pupils:search"), {"q": "ame"})
    assert response.status_code == 200
    assert response.templates[0].name == "pupils/search.html"
    assert b"<html" in response.content
    assert b"<h1>Find a pupil</h1>" in response.content
    assert b"Owusu, Amelia" in response.content


def test_search_asks_for_two_letters_when_given_one(cast, login):
    response = login(cast.school_admin).post(reverse("pupils:search"), {"q": "a"}, HTTP_HX_REQUEST="true")
    assert b"Type at least two letters." in response.content
    assert b"Owusu" not in response.content


def test_an_empty_search_shows_no_message_and_no_pupils(cast, login):
    response = login(cast.school_admin).post(reverse("pupils:search"), {"q": "  "}, HTTP_HX_REQUEST="true")
    assert b"Type at least two letters." not in response.content
    assert b"Owusu" not in response.content


def test_search_matches_every_word_as_a_name_prefix(cast, login):
    client = login(cast.school_admin)
    both = client.post(reverse("pupils:search"), {"q": "ow"}, HTTP_HX_REQUEST="true")
    assert b"Owusu, Amelia" in both.content and b"Owusu, Bilal" in both.content
    one = client.post(reverse("pupils:search"), {"q": "bil ow"}, HTTP_HX_REQUEST="true")
    assert b"Owusu, Bilal" in one.content
    assert b"Amelia" not in one.content


def test_search_needs_every_word_to_match(cast, login):
    response = login(cast.school_admin).post(
        reverse("pupils:search"), {"q": "amelia adeyemi"}, HTTP_HX_REQUEST="true"
    )
    assert b"No pupil you can see matches." in response.content
    assert b"Owusu, Amelia" not in response.content


def test_search_is_limited_to_the_users_scope(cast, login):
    response = login(cast.head_of_year).post(reverse("pupils:search"), {"q": "ow"}, HTTP_HX_REQUEST="true")
    assert b"Owusu, Amelia" in response.content
    assert b"Bilal" not in response.content


def test_search_never_finds_another_schools_pupil(cast, login):
    response = login(cast.school_admin).post(reverse("pupils:search"), {"q": "cerys"}, HTTP_HX_REQUEST="true")
    assert b"No pupil you can see matches." in response.content
    assert b"Jones" not in response.content


def test_search_finds_a_pupil_by_upn(cast, login):
    response = login(cast.school_admin).post(
        reverse("pupils:search"), {"q": cast.pupil_record.upn.lower()}, HTTP_HX_REQUEST="true"
    )
    assert b"Owusu, Amelia" in response.content
    assert b"Bilal" not in response.content


def test_search_records_one_read_of_exactly_the_pupils_shown(cast, login):
    client = login(cast.head_of_year)
    before = last_seq()
    client.post(reverse("pupils:search"), {"q": "ow"}, HTTP_HX_REQUEST="true")
    events = events_after(before)
    assert [(e.kind, e.action) for e in events] == [("read", "pupils:search")]
    assert events[0].subjects == [str(cast.pupil_record.public_id)]


def test_search_cannot_be_sent_as_a_get_so_names_stay_out_of_urls(cast, login):
    response = login(cast.school_admin).get(reverse("pupils:search"), {"q": "amelia"})
    assert response.status_code == 405


def test_the_results_fragment_replaces_the_placeholder_it_targets(cast, login):
    client = login(cast.school_admin)
    page = client.get(reverse("pupils:list")).content.decode()
    form = re.search(r"<form\b[^>]*hx-post[^>]*>", page).group(0)
    assert 'hx-target="#search-results"' in form and 'hx-swap="outerHTML"' in form
    assert page.count('id="search-results"') == 1
    fragment = client.post(reverse("pupils:search"), {"q": "ow"}, HTTP_HX_REQUEST="true").content.decode()
    # Swapped in whole, the fragment must bring the target back for the next search.
    assert fragment.count('id="search-results"') == 1


# --- profile and photo --------------------------------------------------------------------------------------


def test_the_profile_shows_the_pupils_identity(cast, login):
    response = login(cast.form_tutor).get(profile_url(cast.pupil_record))
    assert b"<h1>Amelia Owusu</h1>" in response.content
    assert cast.pupil_record.upn.encode() in response.content
    assert b"1 October 2014" in response.content
    assert b"Form 7A" in response.content


def test_the_profile_offers_the_edit_link_only_to_editors(cast, login):
    link = edit_url(cast.pupil_record).encode()
    assert link in login(cast.school_admin).get(profile_url(cast.pupil_record)).content
    assert link not in login(cast.form_tutor).get(profile_url(cast.pupil_record)).content


def test_an_uploaded_photo_is_shown_on_the_profile_as_a_data_uri(cast, login):
    client = login(cast.school_admin)
    response = client.post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id]), {"photo": upload(png_bytes())}
    )
    assert response.status_code == 302
    assert response["Location"] == profile_url(cast.pupil_record)

    page = client.get(profile_url(cast.pupil_record)).content.decode()
    found = re.search(r'<img class="photo" src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert found, "the profile has no photo"
    with Image.open(io.BytesIO(base64.b64decode(found.group(1)))) as image:
        # Re-encoded as JPEG, at the upload's own size (it is only ever shrunk).
        assert (image.format, image.size) == ("JPEG", (32, 24))
    assert 'alt="Photo of Amelia Owusu"' in page


def test_an_uploaded_photo_is_shown_in_the_class_roster_as_a_thumbnail(cast, login):
    client = login(cast.school_admin)
    client.post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id]), {"photo": upload(png_bytes())}
    )
    page = client.get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id])).content.decode()
    found = re.search(r'<img src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert found, "the roster has no thumbnail"
    with Image.open(io.BytesIO(base64.b64decode(found.group(1)))) as image:
        assert image.size == (96, 96)


def test_a_file_that_is_not_an_image_is_refused_with_an_error_on_the_photo_field(cast, login):
    client = login(cast.school_admin)
    response = client.post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id]),
        {"photo": upload(b"%PDF-1.4 not a picture", name="face.png")},
    )
    assert response.status_code == 400
    assert field_errors(response.content, "photo") == ["The file is not a JPEG, PNG or WebP image."]
    assert b'aria-describedby="id_photo_error"' in response.content  # read out with the field
    assert not from_db(cast.pupil_record).photo


def test_an_image_in_a_format_other_than_jpeg_png_or_webp_is_refused(cast, login):
    gif = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(gif, "GIF")
    response = login(cast.school_admin).post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id]),
        {"photo": upload(gif.getvalue(), name="face.gif")},
    )
    assert response.status_code == 400
    assert not from_db(cast.pupil_record).photo


def test_a_photo_upload_with_no_file_names_the_photo_field(cast, login):
    response = login(cast.school_admin).post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id])
    )
    assert response.status_code == 400
    assert field_errors(response.content, "photo") == ["This field is required."]


def test_a_teacher_may_not_upload_a_photo(cast, login):
    response = login(cast.form_tutor).post(
        reverse("pupils:photo_upload", args=[cast.pupil_record.public_id]), {"photo": upload(png_bytes())}
    )
    assert response.status_code == 403
    assert not from_db(cast.pupil_record).photo


# --- edit ---------------------------------------------------------------------------------------------------


def wrong_check_letter(upn: str) -> str:
    return UPN_LETTERS[(UPN_LETTERS.index(upn[0]) + 1) % len(UPN_LETTERS)] + upn[1:]


def test_the_edit_form_starts_with_the_current_record(cast, login):
    response = login(cast.school_admin).get(edit_url(cast.pupil_record))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{cast.pupil_record.upn}"' in page
    assert 'value="2014-10-01"' in page
    assert f'<option value="{cast.form_7a.public_id}" selected>7A</option>' in page


def test_a_upn_with_a_wrong_check_letter_is_refused_on_the_upn_field_and_nothing_changes(cast, login):
    before = last_seq()
    original = cast.pupil_record.upn
    data = edit_form_data(cast.pupil_record, upn=wrong_check_letter(original), preferred_first_name="Millie")
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert response.status_code == 200
    assert field_errors(response.content, "upn") == [
        "This UPN's check letter is wrong: check it was copied correctly."
    ]
    assert b'aria-describedby="id_upn_error"' in response.content
    stored = from_db(cast.pupil_record)
    assert (stored.upn, stored.preferred_first_name) == (original, "")
    assert pupil_updates_after(before) == []
    # The page is about the record as stored, not the refused changes (which stay in the form's fields).
    assert b"<h1>Edit Amelia Owusu</h1>" in response.content
    assert b'value="Millie"' in response.content


def test_a_upn_of_the_wrong_shape_is_refused_on_the_upn_field(cast, login):
    data = edit_form_data(cast.pupil_record, upn="X12345")
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert field_errors(response.content, "upn")[0].startswith("A UPN is 13 characters")
    assert from_db(cast.pupil_record).upn == cast.pupil_record.upn


def test_another_pupils_upn_is_refused_on_the_upn_field(cast, login):
    data = edit_form_data(cast.pupil_record, upn=cast.sibling_record.upn)
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert field_errors(response.content, "upn") == ["Another pupil at this school has this UPN."]
    assert from_db(cast.pupil_record).upn == cast.pupil_record.upn


def test_a_leaving_date_before_enrolment_is_refused_on_the_leaving_date(cast, login):
    data = edit_form_data(cast.pupil_record, left_on="2026-09-01")
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert field_errors(response.content, "left_on") == ["The leaving date is before the enrolment date."]
    stored = from_db(cast.pupil_record)
    assert (stored.left_on, stored.on_roll) == (None, True)


def test_a_form_of_another_year_is_refused_on_the_form_field(cast, login):
    data = edit_form_data(cast.pupil_record, form_group=cast.form_8a.public_id)
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert field_errors(response.content, "form_group") == ["This form is in a different year group."]
    assert from_db(cast.pupil_record).form_group_id == cast.form_7a.pk


def test_a_form_of_another_school_is_not_even_a_choice(cast, login):
    other_form = cast.other_school_pupil.form_group
    data = edit_form_data(cast.pupil_record, form_group=other_form.public_id)
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert field_errors(response.content, "form_group") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    # The other school's form is never offered (checked as an option: "7S" alone can occur in a CSRF token).
    assert f'value="{other_form.public_id}"'.encode() not in response.content
    assert b">7S</option>" not in response.content
    assert from_db(cast.pupil_record).form_group_id == cast.form_7a.pk


def test_a_successful_edit_saves_and_writes_one_update_event_naming_only_the_changed_fields(cast, login):
    before = last_seq()
    data = edit_form_data(cast.pupil_record, preferred_first_name="Millie", address="2 New Road")
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), data)
    assert response.status_code == 302
    assert response["Location"] == profile_url(cast.pupil_record)

    stored = from_db(cast.pupil_record)
    assert (stored.preferred_first_name, stored.address) == ("Millie", "2 New Road")
    updates = pupil_updates_after(before)
    assert len(updates) == 1
    assert updates[0].action == "pupils.pupil.update"
    assert updates[0].actor_id == cast.school_admin.public_id
    assert updates[0].subjects == [str(cast.pupil_record.public_id)]
    assert sorted(updates[0].fields) == ["address", "preferred_first_name"]
    assert sorted(updates[0].categories) == ["contact", "identity"]
    # Names of fields, never their values.
    assert b"Millie" not in updates[0].canonical() and b"New Road" not in updates[0].canonical()


def test_saving_the_form_unchanged_writes_no_update_event(cast, login):
    before = last_seq()
    response = login(cast.school_admin).post(edit_url(cast.pupil_record), edit_form_data(cast.pupil_record))
    assert response.status_code == 302
    assert pupil_updates_after(before) == []


def test_the_trust_admin_may_edit_a_pupil_of_any_school_in_the_trust(cast, login):
    pupil = cast.other_school_pupil
    response = login(cast.trust_admin).post(
        edit_url(pupil), edit_form_data(pupil, preferred_first_name="Cee")
    )
    assert response.status_code == 302
    assert from_db(pupil).preferred_first_name == "Cee"


def test_a_form_tutor_who_sees_the_pupil_may_not_post_changes(cast, login):
    data = edit_form_data(cast.pupil_record, preferred_first_name="Millie")
    response = login(cast.form_tutor).post(edit_url(cast.pupil_record), data)
    assert response.status_code == 403
    assert b"Millie" not in response.content
    assert from_db(cast.pupil_record).preferred_first_name == ""


def test_another_schools_admin_cannot_post_changes_either(cast, login):
    data = edit_form_data(cast.pupil_record, preferred_first_name="Millie")
    response = login(cast.other_school_admin).post(edit_url(cast.pupil_record), data)
    assert response.status_code == 404
    assert from_db(cast.pupil_record).preferred_first_name == ""


def test_a_pupil_given_a_past_leaving_date_goes_off_roll_and_out_of_teachers_sight(cast, login):
    data = edit_form_data(cast.pupil_record, left_on="2026-10-01")
    client = login(cast.school_admin)
    with_new_date = client.post(edit_url(cast.pupil_record), data)
    assert with_new_date.status_code == 302
    assert from_db(cast.pupil_record).on_roll is False
    assert login(cast.form_tutor).get(profile_url(cast.pupil_record)).status_code == 404
    assert b"Amelia" not in login(cast.school_admin).get(reverse("pupils:list")).content


@pytest.mark.parametrize("who", ["school_admin", "dpo", "trust_admin"])
def test_administrators_and_the_dpo_still_reach_a_leavers_record(cast, login, who):
    login(cast.school_admin).post(
        edit_url(cast.pupil_record), edit_form_data(cast.pupil_record, left_on="2026-10-01")
    )
    response = login(getattr(cast, who)).get(profile_url(cast.pupil_record))
    assert response.status_code == 200 and b"Amelia" in response.content


# --- classes ------------------------------------------------------------------------------------------------


def test_the_class_list_shows_a_teacher_only_their_classes(cast, login):
    mine = login(cast.class_teacher).get(reverse("pupils:classes")).content
    assert b"7A/Ma" in mine and b"8A/Hi" not in mine and b"7S/Ma" not in mine
    theirs = login(cast.other_teacher).get(reverse("pupils:classes")).content
    assert b"8A/Hi" in theirs and b"7A/Ma" not in theirs


def test_the_class_list_shows_the_head_of_year_their_years_classes(cast, login):
    page = login(cast.head_of_year).get(reverse("pupils:classes")).content
    assert b"7A/Ma" in page and b"8A/Hi" not in page


def test_the_class_list_shows_the_school_admin_every_class_of_their_school_only(cast, login):
    page = login(cast.school_admin).get(reverse("pupils:classes")).content
    assert b"7A/Ma" in page and b"8A/Hi" in page and b"7S/Ma" not in page


def test_the_class_roster_lists_the_classs_pupils(cast, login):
    response = login(cast.class_teacher).get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id]))
    assert b"<h1>7A/Ma</h1>" in response.content
    assert b"Amelia Owusu" in response.content
    assert b"1 pupil</p>" in response.content
    assert b"Bilal" not in response.content


def test_another_teachers_class_is_not_found(cast, login):
    response = login(cast.other_teacher).get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id]))
    assert response.status_code == 404
    assert b"7A/Ma" not in response.content


# --- personal data never in a URL, and error pages that say nothing ---------------------------------------


URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|hx-post|hx-get)="([^"]*)"')


def urls_in(page: bytes) -> list[str]:
    return [url for url in URL_ATTRIBUTES.findall(page.decode()) if not url.startswith("data:")]


@pytest.mark.parametrize(
    "page",
    ["pupils:list", "pupils:classes", "home", "profile", "edit", "class_detail", "search"],
)
def test_no_link_on_a_page_carries_a_name_upn_or_birth_date(cast, login, page):
    client = login(cast.school_admin)
    pupil = cast.pupil_record
    if page == "profile":
        response = client.get(profile_url(pupil))
    elif page == "edit":
        response = client.get(edit_url(pupil))
    elif page == "class_detail":
        response = client.get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id]))
    elif page == "search":
        response = client.post(reverse("pupils:search"), {"q": "amelia"})
    else:
        response = client.get(reverse(page))
    assert response.status_code == 200
    urls = urls_in(response.content)
    assert urls, "the page has no links at all"
    personal = ("amelia", "owusu", "bilal", "adeyemi", pupil.upn.lower(), "2014-10-01", "grace")
    leaked = [url for url in urls if any(value in url.lower() for value in personal)]
    assert leaked == []


def test_every_form_that_carries_a_name_is_posted(cast, login):
    page = login(cast.school_admin).get(reverse("pupils:list")).content.decode()
    forms = re.findall(r"<form\b[^>]*>", page)
    assert forms, "the list page has no forms"
    assert all('method="post"' in form for form in forms), forms


def test_a_forbidden_pupil_and_a_missing_one_get_the_same_404_page(cast, login):
    client = login(cast.other_teacher)
    forbidden = client.get(profile_url(cast.pupil_record))
    missing = client.get(reverse("pupils:profile", args=[uuid.uuid4()]))
    assert forbidden.status_code == missing.status_code == 404
    assert main_content(forbidden.content) == main_content(missing.content)
    for value in (b"Amelia", b"Owusu", str(cast.pupil_record.public_id).encode()):
        assert value not in forbidden.content


def test_the_403_page_names_the_action_but_not_the_pupil(cast, login):
    response = login(cast.form_tutor).get(edit_url(cast.pupil_record))
    assert response.status_code == 403
    assert b"You may not change this pupil&#x27;s record." in response.content
    assert b"Amelia" not in response.content
    assert str(cast.pupil_record.public_id).encode() not in response.content


def test_a_404_for_a_class_says_nothing_about_it(cast, login):
    response = login(cast.form_tutor).get(reverse("pupils:class_detail", args=[cast.maths_7a.public_id]))
    assert response.status_code == 404
    assert b"7A/Ma" not in response.content and b"Mathematics" not in response.content


# --- audit of reads ----------------------------------------------------------------------------------------


def test_viewing_a_profile_adds_one_read_event(cast, login):
    client = login(cast.form_tutor)
    before = last_seq()
    client.get(profile_url(cast.pupil_record))
    events = events_after(before)
    assert [(e.kind, e.action) for e in events] == [("read", "pupils:profile")]
    assert events[0].subjects == [str(cast.pupil_record.public_id)]
    assert events[0].actor_id == cast.form_tutor.public_id


def test_a_404_for_a_forbidden_pupil_records_no_read(cast, login):
    client = login(cast.other_teacher)
    before = last_seq()
    client.get(profile_url(cast.pupil_record))
    assert [e for e in events_after(before) if e.kind == "read"] == []


def test_the_list_records_one_read_of_every_pupil_shown(cast, login):
    client = login(cast.school_admin)
    before = last_seq()
    client.get(reverse("pupils:list"))
    events = events_after(before)
    assert [(e.kind, e.action) for e in events] == [("read", "pupils:list")]
    expected = {cast.pupil_record.public_id, cast.sibling_record.public_id}
    assert expected <= {uuid.UUID(s) for s in events[0].subjects}
    assert len(events[0].subjects) == 3


def test_a_new_pupil_appears_in_the_list_once_created(cast, login, audited):
    from tutela.pupils import services

    services.pupil_create(
        school=cast.school,
        upn=make_upn(),
        legal_first_name="Zainab",
        legal_last_name="Abbott",
        date_of_birth=cast.pupil_record.date_of_birth,
        sex="F",
        year_group=cast.year7,
        form_group=cast.form_7a,
        enrolled_on=cast.pupil_record.enrolled_on,
    )
    response = login(cast.form_tutor).get(reverse("pupils:list"))
    assert names_in_order(response.content) == ["Abbott, Zainab", "Owusu, Amelia"]
