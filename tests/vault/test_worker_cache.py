"""Keys a worker keeps between requests (tutela/vault/worker_cache.py and its use in keys.py): school keys
always, data keys only when the instance enables it; bounded, expiring, and never found through bytes that
belong to another row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.vault.sample import Sample
from tutela.vault import crypto, keys, search
from tutela.vault.models import DataKey, IndexKey, Keyring
from tutela.vault.scope import vault_scope
from tutela.vault.worker_cache import WorkerCache

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_builder(value: Any) -> tuple[list[int], Any]:
    calls: list[int] = []

    def build() -> Any:
        calls.append(1)
        return value

    return calls, build


# --- the cache itself ---------------------------------------------------------------------------------------


def test_an_entry_is_built_once_and_then_found():
    cache = WorkerCache(capacity=2, ttl_seconds=60)
    calls, build = counting_builder("primitive")
    assert cache.get("a", build) == cache.get("a", build) == "primitive"
    assert len(calls) == 1 and len(cache) == 1


def test_the_least_recently_used_entry_goes_when_the_cache_is_full():
    cache = WorkerCache(capacity=2, ttl_seconds=60)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 1)  # a is now the most recent
    cache.get("c", lambda: 3)
    calls, build = counting_builder(2)
    cache.get("b", build)
    assert calls == [1]  # b was evicted, a was kept
    assert len(cache) == 2


def test_an_entry_expires_after_its_time_to_live():
    clock = Clock()
    cache = WorkerCache(capacity=10, ttl_seconds=30, clock=clock)
    calls, build = counting_builder("key")
    cache.get("a", build)
    clock.now += 29
    cache.get("a", build)
    clock.now += 2
    cache.get("a", build)
    assert len(calls) == 2


def test_a_cache_of_no_entries_builds_every_time():
    cache = WorkerCache(capacity=0, ttl_seconds=60)
    calls, build = counting_builder("key")
    cache.get("a", build)
    cache.get("a", build)
    assert len(calls) == 2 and len(cache) == 0


def test_forget_and_clear_and_configure_drop_entries():
    cache = WorkerCache(capacity=10, ttl_seconds=60)
    for name in ("a1", "a2", "b1"):
        cache.get(name, lambda: 0)
    cache.forget(lambda key: key.startswith("a"))
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0
    cache.get("c", lambda: 0)
    cache.configure(capacity=5, ttl_seconds=10)
    assert (len(cache), cache.capacity, cache.ttl) == (0, 5, 10)


# --- school keys: kept by the worker ------------------------------------------------------------------------


@pytest.fixture
def unwraps(monkeypatch) -> list[bytes]:
    calls: list[bytes] = []
    real = crypto.unwrap

    def counting(wrapped: bytes, wrapping: Any, associated_data: bytes) -> Any:
        calls.append(associated_data)
        return real(wrapped, wrapping, associated_data)

    monkeypatch.setattr(crypto, "unwrap", counting)
    return calls


def test_a_keyring_is_unwrapped_once_per_worker_and_again_after_rotation(keyring, data_key, unwraps):
    keys.school_keys.clear()  # as in a new worker (creating the data key unwrapped the keyring)
    for _ in range(2):
        with vault_scope():
            keys.keyring_aead(Keyring.objects.get(pk=keyring.pk))
    assert len(unwraps) == 1
    keys.keyring_rotate(keyring)
    unwraps.clear()
    with vault_scope():
        keys.keyring_aead(Keyring.objects.get(pk=keyring.pk))
    assert len(unwraps) == 1  # the re-wrapped keyring is a miss


def test_index_keys_of_many_keyrings_come_from_one_query_and_match_one_by_one(db):
    keyrings = [keys.keyring_create(name=f"school {n}") for n in range(3)]
    with vault_scope():
        expected = {k.pk: keys.index_prf(k, "pupil.name").primary().compute(b"x", 8) for k in keyrings[:2]}
    keys.school_keys.clear()
    with vault_scope(), CaptureQueriesContext(connection) as queries:
        prfs = keys.index_prfs(keyrings[:2], "pupil.name")
    assert len(queries) == 1  # the index keys with their keyrings
    assert {pk: prf.primary().compute(b"x", 8) for pk, prf in prfs.items()} == expected
    with vault_scope():
        prfs = keys.index_prfs(keyrings, "pupil.name")  # the third keyring has no index key yet
    assert set(prfs) == {k.pk for k in keyrings}
    assert IndexKey.objects.filter(keyring=keyrings[2], name="pupil.name").count() == 1


def test_an_index_key_is_unwrapped_once_per_worker(keyring, unwraps):
    for _ in range(3):
        with vault_scope():
            keys.index_prfs([keyring], "pupil.name")
    index_unwraps = [ad for ad in unwraps if ad.startswith(b"tutela/indexkey/")]
    assert len(index_unwraps) == 1


def test_a_search_of_many_schools_reads_their_keys_in_one_query(db):
    keyrings = [keys.keyring_create(name=f"school {n}") for n in range(4)]
    with vault_scope():
        keys.index_prfs(keyrings, "pupil.name")  # create them
    with vault_scope(), CaptureQueriesContext(connection) as queries:
        list(search.candidate_data_keys(keyrings, "pupil.name", "Amelia Owusu"))
    assert len(queries) == 2  # the index keys, then the candidates


def test_keyrings_read_with_their_schools_are_not_read_again(sample, data_key):
    keyring = Keyring.objects.get(pk=data_key.keyring_id)
    with vault_scope():
        keys.use_keyrings([keyring])
        with CaptureQueriesContext(connection) as queries:
            row = Sample.objects.get(pk=sample.pk)
            assert row.name == "Amelia Owusu"
    assert all("vault_keyring" not in q["sql"] for q in queries)


def test_data_keys_by_id_load_what_unwrapping_needs(sample, data_key):
    found = keys.data_keys_by_id([data_key.pk, data_key.pk])
    assert list(found) == [data_key.pk]
    with vault_scope():
        assert (
            keys.data_key_aead(found[data_key.pk]).decrypt(
                keys.data_key_aead(data_key).encrypt(b"x", b"ad"), b"ad"
            )
            == b"x"
        )


# --- data keys: only when enabled ---------------------------------------------------------------------------


def data_key_unwraps(unwraps: list[bytes]) -> int:
    return sum(ad.startswith(b"tutela/datakey/") for ad in unwraps)


def read_twice(sample: Sample) -> None:
    for _ in range(2):
        with vault_scope():
            assert Sample.objects.get(pk=sample.pk).name == "Amelia Owusu"


def test_data_keys_are_unwrapped_in_every_request_by_default(sample, unwraps):
    read_twice(sample)
    assert data_key_unwraps(unwraps) == 2
    assert len(keys.data_keys) == 0


def test_an_enabled_data_key_cache_unwraps_once(settings, sample, unwraps):
    settings.TUTELA_VAULT_DATA_KEY_CACHE = 10
    read_twice(sample)
    assert data_key_unwraps(unwraps) == 1


def test_a_destroyed_data_key_leaves_the_worker_cache(settings, sample, data_key):
    settings.TUTELA_VAULT_DATA_KEY_CACHE = 10
    read_twice(sample)
    assert len(keys.data_keys) == 1
    keys.data_key_destroy(data_key)
    assert len(keys.data_keys) == 0


def test_keyring_rotation_empties_the_cache_of_that_keyrings_data_keys(settings, sample, data_key, unwraps):
    settings.TUTELA_VAULT_DATA_KEY_CACHE = 10
    read_twice(sample)
    keys.keyring_rotate(Keyring.objects.get(pk=data_key.keyring_id))
    assert len(keys.data_keys) == 0
    unwraps.clear()
    read_twice(sample)  # re-wrapped under the new keyring: unwrapped again, once, and still opens
    assert data_key_unwraps(unwraps) == 1


def test_cached_keys_are_not_found_through_another_rows_wrapped_bytes(settings, sample, keyring):
    settings.TUTELA_VAULT_DATA_KEY_CACHE = 10
    read_twice(sample)  # Amelia's key is cached
    other = keys.data_key_create(keyring=keyring)
    DataKey.objects.filter(pk=other.pk).update(wrapped_aead=sample.data_key.wrapped_aead)
    moved = Sample.objects.get(pk=sample.pk)
    moved.data_key = DataKey.objects.get(pk=other.pk)  # her ciphertext, read under the other row's key
    with vault_scope(), pytest.raises(crypto.TinkError):  # unwrapped afresh: bound to the other row
        moved.name  # noqa: B018
