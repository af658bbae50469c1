"""Name search through truncated keyed prefix tokens (tutela/vault/search.py).

Tokens are 12 bits, so an unrelated prefix may share a bucket: the SQL step gives candidates, and
``search.matches`` on the decrypted names keeps the true matches. These tests assert what is certain: a
true match is always a candidate, and ``matches`` decides exactly.
"""

from __future__ import annotations

import pytest

from tests.vault.sample import Sample
from tutela.pupils.models import Pupil
from tutela.vault import keys, search
from tutela.vault.models import SearchToken

pytestmark = pytest.mark.django_db


def candidates(keyring, query: str, index: str = "sample.name") -> set[int]:
    found = search.candidate_data_keys([keyring], index, query)
    assert found is not None
    return {row["data_key"] for row in found}


def token_ids(data_key) -> set[int]:
    return set(SearchToken.objects.filter(data_key=data_key).values_list("pk", flat=True))


def test_a_name_is_a_candidate_for_the_start_of_any_of_its_words(sample, keyring, data_key):
    for query in ("am", "Ame", "AMELIA", "ow", "owusu", "Amelia Owusu", "owu ame"):
        assert data_key.pk in candidates(keyring, query), query


def test_only_prefixes_of_words_match(sample):
    texts = ["Amelia Owusu"]
    assert search.matches("ame", texts)
    assert search.matches("ow am", texts)
    assert not search.matches("melia", texts)
    assert not search.matches("usu", texts)


def test_every_word_of_a_query_must_match(sample, keyring, data_key):
    assert data_key.pk in candidates(keyring, "ame owu")
    assert search.matches("ame owu", ["Amelia", "Owusu"])
    assert not search.matches("ame smith", ["Amelia", "Owusu"])


def test_prefixes_longer_than_six_letters_are_cut_to_six(sample, keyring, data_key):
    assert search.query_terms("Ameliaxyz o") == ["amelia"]
    assert data_key.pk in candidates(keyring, "Ameliaxyz")
    assert not search.matches("Ameliaxyz", ["Amelia Owusu"])  # decrypted names are compared in full


def test_accents_and_case_are_folded(sample_table, keyring, data_key, audited):
    Sample(data_key=data_key, name="Zoë Ångström-Nguyễn").save()
    assert search.words("Zoë Ångström-Nguyễn") == ["zoe", "angstrom", "nguyen"]
    assert data_key.pk in candidates(keyring, "zoe ANG nguy")
    assert search.matches("ZOE angs", ["Zoë Ångström-Nguyễn"])


def test_a_query_without_a_word_of_two_letters_is_too_short(sample, keyring):
    assert search.candidate_data_keys([keyring], "sample.name", "a") is None
    assert search.candidate_data_keys([keyring], "sample.name", " - ") is None
    assert search.query_terms("a bc") == ["bc"]


def test_a_single_letter_word_is_indexed_as_itself():
    assert search.prefixes("j") == {"j"}
    assert search.prefixes("amelia") == {"am", "ame", "amel", "ameli", "amelia"}


def test_tokens_are_12_bit_numbers_and_hold_no_letters(sample, data_key):
    tokens = list(SearchToken.objects.filter(data_key=data_key))
    # "amelia" and "owusu" give 5 + 4 prefixes; buckets may coincide, never exceed.
    assert 1 <= len(tokens) <= 9
    assert all(0 <= t.token < 4096 for t in tokens)
    assert {t.index for t in tokens} == {"sample.name"}
    assert {t.keyring_id for t in tokens} == {data_key.keyring_id}


def test_the_same_name_gives_different_tokens_in_another_school(sample, keyring):
    other = keys.keyring_create(name="another school")
    here = search.tokens_for_text(keyring, "sample.name", ["Amelia Owusu"])
    there = search.tokens_for_text(other, "sample.name", ["Amelia Owusu"])
    assert here != there


def test_tokens_are_rebuilt_only_when_a_searched_name_changes(sample, keyring, data_key, audited):
    before = token_ids(data_key)
    row = Sample.objects.get(pk=sample.pk)
    row.notes = "Not a searched field"
    row.code = "Z9"
    row.save()
    assert token_ids(data_key) == before
    row.name = "Bilal Owusu"
    row.save()
    after = token_ids(data_key)
    assert after and after.isdisjoint(before)
    assert data_key.pk in candidates(keyring, "bil")


def test_a_pupils_names_are_indexed_together(amelia, audited):
    keyring = amelia.school.keyring
    assert amelia.data_key_id in candidates(keyring, "amelia owusu", index="pupil.name")
    pupil = Pupil.system.get(pk=amelia.pk)
    pupil.preferred_first_name = "Millie"
    pupil.save()
    assert amelia.data_key_id in candidates(keyring, "millie owusu", index="pupil.name")
    assert amelia.data_key_id in candidates(keyring, "amelia", index="pupil.name")


def test_tokens_are_deleted_with_the_data_key(sample, data_key):
    assert SearchToken.objects.filter(data_key=data_key).exists()
    keys.data_key_destroy(data_key)
    assert not SearchToken.objects.filter(data_key_id=data_key.pk).exists()
