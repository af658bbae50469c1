"""The vault's cost per field and per pupil, against Tink's raw speed on this machine.

    .venv/bin/python bench/bench_vault.py [--quick]

Everything runs on real keys from the bench dataset (TUTELA_KEYS), in one process, single-threaded.
"raw" rows call Tink directly through tutela.vault.crypto; the others go through the vault's public paths.
"""

from __future__ import annotations

import _common

_common.setup()

from tutela import audit  # noqa: E402
from tutela.pupils.models import Pupil  # noqa: E402
from tutela.vault import crypto, keys, search  # noqa: E402
from tutela.vault.fields import FORMAT_VERSION, EncryptedField, Sealed, blind_index, pad  # noqa: E402
from tutela.vault.scope import forget, vault_scope  # noqa: E402

NAME = "Amelia"
AD = b"tutela/v1/pupils_pupil/legal_first_name/00000000-0000-0000-0000-000000000000"


def main() -> None:
    q = _common.quick()
    batch, rounds = (200, 10) if q else (2000, 25)
    results: dict[str, dict] = {}

    def record(key: str, label: str, seconds: list[float]) -> None:
        results[key] = {"label": label, **_common.stats(seconds, "us")}
        _common.show(label, results[key])

    print("vault: raw Tink vs the vault's paths (µs per operation)", flush=True)

    # --- raw Tink -----------------------------------------------------------------------------------------
    raw = crypto.primitive(crypto.new_keyset("aead"), "aead")
    plaintext = FORMAT_VERSION + pad(NAME.encode())
    ciphertext = raw.encrypt(plaintext, AD)
    record(
        "raw_encrypt",
        "raw AEAD encrypt, short name (AES256-GCM)",
        _common.sample_batched(lambda: raw.encrypt(plaintext, AD), batch=batch, rounds=rounds),
    )
    record(
        "raw_decrypt",
        "raw AEAD decrypt, short name",
        _common.sample_batched(lambda: raw.decrypt(ciphertext, AD), batch=batch, rounds=rounds),
    )
    prf = crypto.primitive(crypto.new_keyset("prf"), "prf").primary()
    record(
        "raw_prf",
        "raw PRF (HMAC-SHA256) of a short value",
        _common.sample_batched(lambda: prf.compute(b"prefix:amel", 4), batch=batch, rounds=rounds),
    )

    # --- keys -----------------------------------------------------------------------------------------------
    pupil = (
        Pupil.system.select_related("data_key__keyring", "school__keyring")
        .exclude(photo="")
        .order_by("pk")
        .first()
        or Pupil.system.select_related("data_key__keyring", "school__keyring").order_by("pk").first()
    )
    if pupil is None:
        raise SystemExit("No pupils: seed the bench dataset first.")
    data_key, keyring = pupil.data_key, pupil.data_key.keyring
    wrapping = keys.keyring_aead(keyring)
    wrapped = bytes(data_key.wrapped_aead)
    ad = keys._data_key_ad(data_key, "aead")  # the vault's own binding, read (not changed) for the raw row
    record(
        "raw_unwrap",
        "data key unwrap (Tink parse_encrypted + primitive)",
        _common.sample_batched(
            lambda: crypto.primitive(crypto.unwrap(wrapped, wrapping, ad), "aead"),
            batch=batch // 4,
            rounds=rounds,
        ),
    )

    with vault_scope():
        keys.keyring_aead(keyring)  # the school key is unwrapped once per request, and stays cached here

        def unwrap_through_vault() -> None:
            forget(("datakey", data_key.pk))
            keys.data_key_aead(data_key)

        record(
            "vault_unwrap",
            "data key unwrap via keys.data_key_aead (keyring cached)",
            _common.sample_batched(unwrap_through_vault, batch=batch // 4, rounds=rounds),
        )
    record(
        "keyring_unwrap",
        "school keyring unwrap (root key -> keyring)",
        _common.sample_batched(
            lambda: crypto.primitive(
                crypto.unwrap(
                    bytes(keyring.wrapped_keyset), keys.root.root_aead(), keys._keyring_ad(keyring)
                ),
                "aead",
            ),
            batch=batch // 4,
            rounds=rounds,
        ),
    )

    # --- fields through the descriptor ---------------------------------------------------------------------
    encrypted = [f for f in Pupil._meta.concrete_fields if isinstance(f, EncryptedField)]
    sealed = {f.attname: pupil.__dict__[f.attname] for f in encrypted}
    assert all(isinstance(v, Sealed) or v is None for v in sealed.values())

    def reseal() -> None:
        pupil.__dict__.update(sealed)
        pupil.__dict__.pop("_vault_opened", None)

    with vault_scope():
        keys.data_key_aead(data_key)  # key already unwrapped: the cost of opening one field

        def open_one() -> None:
            pupil.__dict__["legal_first_name"] = sealed["legal_first_name"]
            pupil.legal_first_name  # noqa: B018

        record(
            "field_open",
            "one EncryptedCharField open via descriptor (key cached)",
            _common.sample_batched(open_one, batch=batch, rounds=rounds),
        )

        def seal_one() -> None:
            Pupil._meta.get_field("legal_first_name").seal(pupil, NAME)

        record(
            "field_seal",
            "one EncryptedCharField seal (encrypt, key cached)",
            _common.sample_batched(seal_one, batch=batch, rounds=rounds),
        )

        def open_all() -> None:
            reseal()
            for f in encrypted:
                getattr(pupil, f.attname)

        record(
            "pupil_open_warm",
            f"all {len(encrypted)} encrypted fields of a pupil (key cached)",
            _common.sample_batched(open_all, batch=batch // 4, rounds=rounds),
        )

        def list_row() -> None:
            reseal()
            pupil.sort_key  # noqa: B018  what the list page decrypts: four name fields

        record(
            "pupil_names_warm",
            "a list row: sort_key (4 name fields, key cached)",
            _common.sample_batched(list_row, batch=batch // 2, rounds=rounds),
        )

    with vault_scope():
        keys.keyring_aead(keyring)  # cached for the request, as on a page of one school's pupils

        def open_all_cold() -> None:
            forget(("datakey", data_key.pk))
            reseal()
            for f in encrypted:
                getattr(pupil, f.attname)

        record(
            "pupil_open_cold",
            f"a pupil, data key not yet unwrapped: unwrap + {len(encrypted)} fields",
            _common.sample_batched(open_all_cold, batch=batch // 4, rounds=rounds),
        )

        def list_row_cold() -> None:
            forget(("datakey", data_key.pk))
            reseal()
            pupil.sort_key  # noqa: B018

        record(
            "pupil_names_cold",
            "a list row as the list page pays it: unwrap + 4 names",
            _common.sample_batched(list_row_cold, batch=batch // 2, rounds=rounds),
        )

    # --- indexes -------------------------------------------------------------------------------------------
    with vault_scope(), audit.context(actor=None, reason="bench"):
        keys.index_prf(keyring, "pupil.upn")
        keys.index_prf(keyring, "pupil.name")
        record(
            "blind_index",
            "blind index of a UPN (pupil.upn, PRF cached)",
            _common.sample_batched(
                lambda: blind_index(keyring, "pupil.upn", "A925000125001"), batch=batch, rounds=rounds
            ),
        )
        record(
            "search_token",
            "search token of one query word (as a search computes it)",
            _common.sample_batched(
                lambda: search.tokens_for_text(keyring, "pupil.name", ["am"]), batch=batch, rounds=rounds
            ),
        )
        names = ["Amelia", "Owusu", "", ""]
        count = len(search.tokens_for_text(keyring, "pupil.name", names))
        record(
            "search_tokens_pupil",
            f"all search tokens of a pupil's names ({count} tokens)",
            _common.sample_batched(
                lambda: search.tokens_for_text(keyring, "pupil.name", names), batch=batch // 4, rounds=rounds
            ),
        )

    # Ratios of CPU medians: on a shared machine they move less than wall-clock medians.
    m = {k: v["cpu_median"] for k, v in results.items()}
    ratios = {
        "field_open / raw_decrypt": m["field_open"] / m["raw_decrypt"],
        "field_seal / raw_encrypt": m["field_seal"] / m["raw_encrypt"],
        "raw_unwrap / raw_decrypt": m["raw_unwrap"] / m["raw_decrypt"],
        "pupil_open_cold / raw_decrypt": m["pupil_open_cold"] / m["raw_decrypt"],
        "pupil_names_cold / raw_decrypt": m["pupil_names_cold"] / m["raw_decrypt"],
        "pupil_names_cold x 2000 (ms)": m["pupil_names_cold"] * 2000 / 1000,
        "blind_index / raw_prf": m["blind_index"] / m["raw_prf"],
        "search_token / raw_prf": m["search_token"] / m["raw_prf"],
    }
    print("  ratios (CPU medians):", flush=True)
    for key, value in ratios.items():
        print(f"    {key:<40} {value:8.2f}", flush=True)
    _common.write_result("vault", {"results": results, "ratios": {k: round(v, 3) for k, v in ratios.items()}})


if __name__ == "__main__":
    with _common.all_schools():  # like a command: no request, no school scope
        main()
