"""Name search without a plaintext copy on disk: truncated keyed hashes of name prefixes.

For each word of each searchable name the vault stores, per data key, the keyed hash (a PRF key per
school and per index) of every prefix of 2 to 6 letters, truncated to 12 bits. A search hashes the
typed prefixes the same way, finds candidate rows in SQL (within the user's scope), then decrypts the
candidates and keeps the true matches. Truncation makes unrelated prefixes share buckets, so the table
reveals much less than "these two pupils' names start alike"; docs/security-model.md says what remains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import models
from django.db.models.signals import post_save

from tutela.vault import crypto, keys
from tutela.vault.fields import resolve_data_key
from tutela.vault.models import Keyring, SearchToken

TOKEN_BITS = 12
MIN_PREFIX = 2
MAX_PREFIX = 6
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _WORD.findall(plain)


def prefixes(word: str) -> set[str]:
    if len(word) < MIN_PREFIX:
        return {word}
    return {word[:n] for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)}


def _token(keyring: Keyring, index: str, prefix: str) -> int:
    return _token_of(keys.index_prf(keyring, index), prefix)


def _token_of(prf: crypto.PrfSet, prefix: str) -> int:
    digest = prf.primary().compute(b"prefix:" + prefix.encode(), 4)
    return int.from_bytes(digest, "big") >> (32 - TOKEN_BITS)


def tokens_for_text(keyring: Keyring, index: str, texts: Iterable[str]) -> set[int]:
    found: set[int] = set()
    for text in texts:
        for word in words(text):
            found |= {_token(keyring, index, p) for p in prefixes(word)}
    return found


def query_terms(query: str) -> list[str]:
    """The words of a query, each cut to the longest indexed prefix; words of one letter are dropped."""
    return [w[:MAX_PREFIX] for w in words(query) if len(w) >= MIN_PREFIX]


def candidate_data_keys(keyrings: Iterable[Keyring], index: str, query: str) -> models.QuerySet | None:
    """Ids of data keys whose names may match every term; ``None`` if the query is too short."""
    terms = query_terms(query)
    if not terms:
        return None
    prfs = keys.index_prfs(keyrings, index)  # one query for every school's index key
    # Each school has its own token for a term. "keyring IN (...) AND token IN (...)" finds them through
    # the (keyring, index, token) index; the bucket (keyring, token) in one number drops the pairs of one
    # school's keyring with another school's token. Four conditions, not two per school: building and
    # compiling an OR of 100 conditions cost more than running the query.
    bucket = models.F("keyring_id") * (1 << TOKEN_BITS) + models.F("token")
    ids = None
    for term in sorted(terms, key=len, reverse=True):  # the longest prefix has the fewest candidates
        tokens = {keyring_id: _token_of(prf, term) for keyring_id, prf in prfs.items()}
        buckets = [(k << TOKEN_BITS) + t for k, t in tokens.items()]
        matching = SearchToken.objects.alias(bucket=bucket).filter(index=index, bucket__in=buckets)
        if ids is None:
            matching = matching.filter(keyring_id__in=list(tokens), token__in=set(tokens.values()))
        else:
            # Further terms only narrow the candidates so far: look those up by data key. (Given the
            # keyrings and tokens too, SQLite probed the lookup index for every combination of keyring,
            # token and candidate: 50x slower for a full name across 50 schools.)
            matching = matching.filter(data_key__in=ids.values("data_key"))
        ids = matching  # a data key has one token per bucket: each term's rows name each data key once
    return ids.values("data_key")  # type: ignore[union-attr]


def matches(query: str, texts: Iterable[str]) -> bool:
    """True if every query word is the start of some word of the texts (after decryption)."""
    available = [w for text in texts for w in words(text)]
    return all(any(w.startswith(term) for w in available) for term in words(query))


def _search_config(model: type[models.Model]) -> dict[str, tuple[str, ...]]:
    privacy = getattr(model, "Privacy", None)
    return getattr(privacy, "search", {}) if privacy else {}


def reindex(instance: models.Model, index: str, field_names: Iterable[str]) -> None:
    data_key = resolve_data_key(instance)
    texts = [getattr(instance, name) or "" for name in field_names]
    SearchToken.objects.filter(data_key=data_key, index=index).delete()
    SearchToken.objects.bulk_create(
        SearchToken(data_key=data_key, keyring_id=data_key.keyring_id, index=index, token=token)
        for token in sorted(tokens_for_text(data_key.keyring, index, texts))
    )


def _keep_tokens_current(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    changed = set(instance.__dict__.get("_vault_changed", ()))
    for index, field_names in _search_config(sender).items():
        if kwargs.get("created") or changed.intersection(field_names):
            reindex(instance, index, field_names)


post_save.connect(_keep_tokens_current, dispatch_uid="tutela.vault.search")
