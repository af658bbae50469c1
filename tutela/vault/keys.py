"""Creating, unwrapping and rotating the key hierarchy: root → keyring (school) → data key (pupil)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from tutela.core import clock
from tutela.vault import archive, crypto, root, signing
from tutela.vault.models import DataKey, IndexKey, Keyring, SystemKey
from tutela.vault.scope import cached, forget
from tutela.vault.worker_cache import WorkerCache

# Unwrapped school keyrings and blind-index keys, per worker process. They are school-level keys, one level
# below the root key whose primitive a worker keeps for its whole life anyway (so whoever can read a
# worker's memory gains nothing from them); a trust-wide search needs 50 of each, and unwrapping them on
# every search was a third of its time. Keyed by the wrapped bytes: a rotation re-wraps them into a miss.
school_keys = WorkerCache(capacity=1024, ttl_seconds=3600)

# Unwrapped pupil (and guardian, user) data keys, per worker process, only if the instance enables it:
# TUTELA_VAULT_DATA_KEY_CACHE (how many; 0 = off) and TUTELA_VAULT_DATA_KEY_CACHE_SECONDS (how long).
# A security decision, argued in docs/security-model.md ("Keys in memory").
data_keys = WorkerCache(capacity=0, ttl_seconds=0)


def _data_key_cache() -> WorkerCache:
    size = settings.TUTELA_VAULT_DATA_KEY_CACHE
    seconds = settings.TUTELA_VAULT_DATA_KEY_CACHE_SECONDS
    if (size, seconds) != (data_keys.capacity, data_keys.ttl):
        data_keys.configure(capacity=size, ttl_seconds=seconds)
    return data_keys


def _keyring_ad(keyring: Keyring) -> bytes:
    return b"tutela/keyring/" + keyring.public_id.bytes


def _data_key_ad(data_key: DataKey, kind: str) -> bytes:
    return b"tutela/datakey/" + kind.encode() + b"/" + data_key.public_id.bytes


def _index_key_ad(keyring: Keyring, name: str) -> bytes:
    return b"tutela/indexkey/" + keyring.public_id.bytes + b"/" + name.encode()


# --- creation ----------------------------------------------------------------------------------------------


def keyring_create(*, name: str) -> Keyring:
    keyring = Keyring(name=name)
    keyring.wrapped_keyset = crypto.wrap(crypto.new_keyset("aead"), root.root_aead(), _keyring_ad(keyring))
    keyring.save()
    return keyring


def instance_keyring() -> Keyring:
    """The keyring for data that belongs to no school (user accounts)."""
    existing = Keyring.objects.filter(name=Keyring.INSTANCE).first()
    return existing or keyring_create(name=Keyring.INSTANCE)


def _current(keyring: Keyring) -> Keyring:
    """The keyring as stored now, locked until the transaction ends (as rotation locks it).

    A new key must be wrapped under the keyring's current key. The caller's object may predate a rotation
    (a long import holds its school): wrapping under the key that rotation retired would lose the key for
    good, so new keys are wrapped under a fresh read, and a rotation cannot run in between.
    """
    return Keyring.objects.select_for_update().get(pk=keyring.pk)


@transaction.atomic
def data_key_create(*, keyring: Keyring) -> DataKey:
    keyring = _current(keyring)
    data_key = DataKey(keyring=keyring)
    data_key.wrapped_aead = crypto.wrap(
        crypto.new_keyset("aead"), keyring_aead(keyring), _data_key_ad(data_key, "aead")
    )
    data_key.save()
    return data_key


# --- unwrapping (cached per scope) ----------------------------------------------------------------------


def keyring_aead(keyring: Keyring) -> crypto.Aead:
    wrapped = bytes(keyring.wrapped_keyset)
    ad = _keyring_ad(keyring)

    def build() -> crypto.Aead:
        unwrap = lambda: crypto.primitive(crypto.unwrap(wrapped, root.root_aead(), ad), "aead")  # noqa: E731
        return school_keys.get(("keyring", keyring.pk, ad, wrapped), unwrap)

    return cached(("keyring", keyring.pk, wrapped), build)


def keyring_aead_by_id(keyring_id: int) -> crypto.Aead:
    """The keyring's primitive, loading the keyring only on the first use in a scope: a list of 2,000
    pupils of one school needs it 2,000 times and need not load it with every row."""
    return cached(("keyring", keyring_id), lambda: keyring_aead(_keyring_row(keyring_id)))


def _keyring_row(keyring_id: int) -> Keyring:
    return cached(("keyring-row", keyring_id), lambda: Keyring.objects.get(pk=keyring_id))


def use_keyrings(keyrings: Iterable[Keyring]) -> None:
    """Keyring rows this scope has just read (e.g. with their schools): unwrapping keys of those schools'
    pupils uses them instead of reading each keyring again. Only rows read in the current request."""
    for keyring in keyrings:
        cached(("keyring-row", keyring.pk), lambda keyring=keyring: keyring)


def data_keys_by_id(ids: Iterable[int]) -> dict[int, DataKey]:
    """Data key rows by id, with only what unwrapping needs: for attaching to a page of rows after one
    query, rather than joining each row to its key (``select_related`` on a one-to-one also caches the row
    on the key, a reference cycle per row that only the garbage collector can free)."""
    return DataKey.objects.only("public_id", "keyring", "wrapped_aead").in_bulk(set(ids))


def data_key_aead(data_key: DataKey) -> crypto.Aead:
    wrapped = bytes(data_key.wrapped_aead)

    def build() -> crypto.Aead:
        ad = _data_key_ad(data_key, "aead")

        def unwrap() -> crypto.Aead:
            wrapping = keyring_aead_by_id(data_key.keyring_id)
            return crypto.primitive(crypto.unwrap(wrapped, wrapping, ad), "aead")

        # The key names the row, its keyring, its binding and its wrapped bytes: a re-wrapped key (rotation)
        # is a miss, and bytes copied from another row never find that row's entry.
        return _data_key_cache().get(("datakey", data_key.pk, data_key.keyring_id, ad, wrapped), unwrap)

    return cached(("datakey", data_key.pk, wrapped), build)


def data_key_stream(data_key: DataKey, *, for_writing: bool = False) -> crypto.StreamingAead:
    """The subject's streaming key for files, created on first use.

    For writing, the key is always taken from the stored row: an in-memory copy may hold a key created in
    a transaction that was rolled back, and a file written under it would never open again."""
    if data_key.wrapped_stream is None or for_writing:
        _create_stream_key(data_key)
    wrapped = bytes(data_key.wrapped_stream)

    def build() -> crypto.StreamingAead:
        wrapping = keyring_aead(data_key.keyring)
        handle = crypto.unwrap(wrapped, wrapping, _data_key_ad(data_key, "stream"))
        return crypto.primitive(handle, "stream")

    return cached(("datakey-stream", data_key.pk, wrapped), build)


@transaction.atomic
def _create_stream_key(data_key: DataKey) -> None:
    """Creates the streaming key unless another copy of this data key already did; either way ``data_key``
    ends up as stored (so its keys unwrap under the keyring as stored, even after a rotation)."""
    keyring = _current(data_key.keyring)
    stored = DataKey.objects.select_for_update().get(pk=data_key.pk)
    if stored.wrapped_stream is None:
        stored.wrapped_stream = crypto.wrap(
            crypto.new_keyset("stream"), keyring_aead(keyring), _data_key_ad(stored, "stream")
        )
        stored.save(update_fields=["wrapped_stream"])
    data_key.keyring = keyring
    data_key.wrapped_aead, data_key.wrapped_stream = stored.wrapped_aead, stored.wrapped_stream


def _index_prf_of(index_key: IndexKey, keyring: Keyring | None = None) -> crypto.PrfSet:
    """The primitive of an index key row. Unwrapped (if not kept by the worker) under its keyring as read
    with it (``select_related``) or, given ``keyring``, as read in this scope: not a copy from before a
    rotation."""
    keyring = keyring or index_key.keyring
    wrapped = bytes(index_key.wrapped_keyset)
    ad = _index_key_ad(keyring, index_key.name)

    def build() -> crypto.PrfSet:
        return crypto.primitive(crypto.unwrap(wrapped, keyring_aead(keyring), ad), "prf")

    return school_keys.get(("indexkey", index_key.keyring_id, index_key.pk, ad, wrapped), build)


def index_prf(keyring: Keyring, name: str) -> crypto.PrfSet:
    def build() -> crypto.PrfSet:
        index_key = (
            IndexKey.objects.select_related("keyring").filter(keyring_id=keyring.pk, name=name).first()
        )
        if index_key is None:
            with transaction.atomic():
                current = _current(keyring)
                wrapped = crypto.wrap(
                    crypto.new_keyset("prf"), keyring_aead(current), _index_key_ad(current, name)
                )
                IndexKey.objects.get_or_create(
                    keyring=current, name=name, defaults={"wrapped_keyset": wrapped}
                )
            index_key = IndexKey.objects.select_related("keyring").get(keyring_id=keyring.pk, name=name)
        return _index_prf_of(index_key)

    return cached(("indexkey", keyring.pk, name), build)


def index_prfs(keyrings: Iterable[Keyring], name: str) -> dict[int, crypto.PrfSet]:
    """One index's primitive for each keyring (by keyring id), with one query for all of them: a
    trust-wide search needs fifty. Pass keyrings read in this request (a copy from before a rotation
    does not unwrap)."""
    wanted = {keyring.pk: keyring for keyring in keyrings}
    rows = IndexKey.objects.filter(keyring_id__in=wanted, name=name)
    found = {
        row.keyring_id: cached(
            ("indexkey", row.keyring_id, name), lambda row=row: _index_prf_of(row, wanted[row.keyring_id])
        )
        for row in rows
    }
    for pk, keyring in wanted.items():
        if pk not in found:  # a keyring that has never had this index: created on first use, as one by one
            found[pk] = index_prf(keyring, name)
    return found


# --- rotation -----------------------------------------------------------------------------------------------


@transaction.atomic
def keyring_rotate(keyring: Keyring) -> int:
    """Gives the keyring a new key and re-wraps every data and index key under it.

    Encrypted data is not touched: only the wrapping of the keys below changes. Returns how many keys
    were re-wrapped. The old key is removed once nothing depends on it.
    """
    keyring = Keyring.objects.select_for_update().get(pk=keyring.pk)
    old_handle = crypto.unwrap(bytes(keyring.wrapped_keyset), root.root_aead(), _keyring_ad(keyring))
    old = crypto.primitive(old_handle, "aead")
    new_handle = crypto.prune_to_primary(crypto.rotate(old_handle, "aead"))
    new = crypto.primitive(new_handle, "aead")
    count = 0
    for data_key in DataKey.objects.filter(keyring=keyring).iterator():
        data_key.wrapped_aead = _rewrap(data_key.wrapped_aead, old, new, _data_key_ad(data_key, "aead"))
        if data_key.wrapped_stream is not None:
            ad = _data_key_ad(data_key, "stream")
            data_key.wrapped_stream = _rewrap(data_key.wrapped_stream, old, new, ad)
        data_key.save(update_fields=["wrapped_aead", "wrapped_stream"])
        count += 1
    for index_key in IndexKey.objects.filter(keyring=keyring):
        ad = _index_key_ad(keyring, index_key.name)
        index_key.wrapped_keyset = _rewrap(index_key.wrapped_keyset, old, new, ad)
        index_key.save(update_fields=["wrapped_keyset"])
        count += 1
    keyring.wrapped_keyset = crypto.wrap(new_handle, root.root_aead(), _keyring_ad(keyring))
    keyring.rotated_at = clock.now()
    keyring.save(update_fields=["wrapped_keyset", "rotated_at"])
    forget(("keyring", keyring.pk))
    forget(("keyring-row", keyring.pk))
    # Re-wrapped keys miss the worker caches anyway (their bytes changed); drop the old entries now rather
    # than at their expiry. Other workers' entries can no longer be reached and expire.
    data_keys.forget(lambda key: key[2] == keyring.pk)
    school_keys.forget(lambda key: key[1] == keyring.pk)
    return count


def _rewrap(wrapped: bytes, old: crypto.Aead, new: crypto.Aead, ad: bytes) -> bytes:
    return crypto.wrap(crypto.unwrap(bytes(wrapped), old, ad), new, ad)


def root_rotate() -> int:
    """Adds a new root key, re-wraps everything it wraps, then retires the old root key.

    The root key wraps the school keyrings, the instance keys in the database (the audit chain's MAC key)
    and two key files beside it (the audit signing key and the backup key): all are re-wrapped. Crash-safe
    in order: the key file holds old and new keys until everything is re-wrapped. Returns the number of
    keyrings re-wrapped.
    """
    if not root.location().is_file:
        raise root.RootKeyProblem("Root keys held in a KMS are rotated in the KMS, not by Tutela.")
    old = root.root_aead()
    both = crypto.rotate(root.read_file_keyset(), "aead")
    root.write_file_key(both)
    new = root.root_aead()
    with transaction.atomic():
        keyrings = list(Keyring.objects.select_for_update())
        for keyring in keyrings:
            keyring.wrapped_keyset = _rewrap(keyring.wrapped_keyset, old, new, _keyring_ad(keyring))
            keyring.rotated_at = clock.now()
            keyring.save(update_fields=["wrapped_keyset", "rotated_at"])
        for system_key in SystemKey.objects.select_for_update():
            ad = _system_key_ad(system_key.name)
            system_key.wrapped_keyset = _rewrap(system_key.wrapped_keyset, old, new, ad)
            system_key.save(update_fields=["wrapped_keyset"])
    for path, ad in ((signing.key_path(), signing.KEY_AD), (archive.key_path(), archive.KEY_AD)):
        if path.exists():
            root.replace_key_file(path, _rewrap(path.read_bytes(), old, new, ad))
    root.write_file_key(crypto.prune_to_primary(both))
    forget(("keyring-row",))  # rows read before the rotation hold keyrings wrapped by the retired root key
    return len(keyrings)


def data_key_destroy(data_key: DataKey) -> None:
    """Crypto-shredding: the subject's data can never be decrypted again. Search tokens go with it."""
    DataKey.objects.filter(pk=data_key.pk).delete()
    forget(("datakey", data_key.pk))
    forget(("datakey-stream", data_key.pk))
    data_keys.forget(lambda key: key[1] == data_key.pk)


def _system_key_ad(name: str) -> bytes:
    return b"tutela/systemkey/" + name.encode()


def system_mac(name: str) -> crypto.Mac:
    """An instance-wide MAC key, created on first use and wrapped by the root key."""

    def build() -> crypto.Mac:
        row = SystemKey.objects.filter(name=name).first()
        if row is None:
            wrapped = crypto.wrap(crypto.new_keyset("mac"), root.root_aead(), _system_key_ad(name))
            row, _ = SystemKey.objects.get_or_create(
                name=name, defaults={"kind": "mac", "wrapped_keyset": wrapped}
            )
        handle = crypto.unwrap(bytes(row.wrapped_keyset), root.root_aead(), _system_key_ad(name))
        return crypto.primitive(handle, "mac")

    return cached(("systemkey", name), build)
