"""The only module that talks to Tink. Everything else in Tutela asks the vault, never Tink itself.

Keysets are stored in Tink's binary format (parsing is ~3x faster than JSON, which matters when a page
unwraps one key per pupil); every wrapped keyset is bound by associated data to the row that owns it.
"""

from __future__ import annotations

import importlib
import io
from typing import BinaryIO

import tink
from tink import aead, mac, prf, secret_key_access, signature, streaming_aead
from tink.proto import tink_pb2

aead.register()
mac.register()
prf.register()
signature.register()
streaming_aead.register()

TinkError = tink.TinkError
Aead = aead.Aead
Mac = mac.Mac
PrfSet = prf.PrfSet
StreamingAead = streaming_aead.StreamingAead
PublicKeySign = signature.PublicKeySign
PublicKeyVerify = signature.PublicKeyVerify

_TEMPLATES = {
    "aead": aead.aead_key_templates.AES256_GCM,
    "stream": streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_4KB,
    "prf": prf.prf_key_templates.HMAC_SHA256,
    "mac": mac.mac_key_templates.HMAC_SHA256_256BITTAG,
    "sign": signature.signature_key_templates.ECDSA_P256,
}
_PRIMITIVES = {
    "aead": aead.Aead,
    "stream": streaming_aead.StreamingAead,
    "prf": prf.PrfSet,
    "mac": mac.Mac,
    "sign": signature.PublicKeySign,
}


def new_keyset(kind: str) -> tink.KeysetHandle:
    return tink.new_keyset_handle(_TEMPLATES[kind])


def primitive(handle: tink.KeysetHandle, kind: str):
    return handle.primitive(_PRIMITIVES[kind])


def wrap(handle: tink.KeysetHandle, wrapping: aead.Aead, associated_data: bytes) -> bytes:
    return tink.proto_keyset_format.serialize_encrypted(handle, wrapping, associated_data)


def unwrap(wrapped: bytes, wrapping: aead.Aead, associated_data: bytes) -> tink.KeysetHandle:
    return tink.proto_keyset_format.parse_encrypted(bytes(wrapped), wrapping, associated_data)


def rotate(handle: tink.KeysetHandle, kind: str) -> tink.KeysetHandle:
    """The same keyset with a fresh primary key: old ciphertexts still open, new ones use the new key."""
    manager = tink.new_keyset_handle(_TEMPLATES[kind])  # template for the new key
    keyset = tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
    fresh = tink.proto_keyset_format.serialize(manager, secret_key_access.TOKEN)
    merged = tink_pb2.Keyset.FromString(keyset)
    added = tink_pb2.Keyset.FromString(fresh)
    merged.key.extend(added.key)
    merged.primary_key_id = added.primary_key_id
    return tink.proto_keyset_format.parse(merged.SerializeToString(), secret_key_access.TOKEN)


def prune_to_primary(handle: tink.KeysetHandle) -> tink.KeysetHandle:
    """The same keyset with only its primary key: retires the keys a rotation replaced."""
    keyset = tink_pb2.Keyset.FromString(tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN))
    keep = [key for key in keyset.key if key.key_id == keyset.primary_key_id]
    del keyset.key[:]
    keyset.key.extend(keep)
    return tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)


def serialize_cleartext(handle: tink.KeysetHandle) -> bytes:
    """For the root key file only: the one key that is not wrapped (it lives outside the data)."""
    return tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


def parse_cleartext(data: bytes) -> tink.KeysetHandle:
    return tink.proto_keyset_format.parse(data, secret_key_access.TOKEN)


def public_keyset_json(handle: tink.KeysetHandle) -> str:
    return tink.json_proto_keyset_format.serialize_without_secret(handle.public_keyset_handle())


def verifier_from_json(public_json: str) -> signature.PublicKeyVerify:
    handle = tink.json_proto_keyset_format.parse_without_secret(public_json)
    return handle.primitive(signature.PublicKeyVerify)


# Tink's KMS integrations, by URI scheme: (module, the package its cloud SDK comes in, client class). Their
# SDKs are optional dependencies (docs/deployment.md): importing the module fails without them.
KMS_SCHEMES = {
    "gcp-kms://": ("tink.integration.gcpkms", "google-cloud-kms", "GcpKmsClient"),
    "aws-kms://": ("tink.integration.awskms", "boto3", "AwsKmsClient"),
}


def kms_scheme(uri: str) -> str | None:
    return next((scheme for scheme in KMS_SCHEMES if uri.startswith(scheme)), None)


def kms_missing_package(scheme: str) -> str | None:
    """The package to install for ``scheme``'s KMS client, or None when it imports."""
    module, package, _ = KMS_SCHEMES[scheme]
    try:
        importlib.import_module(module)
    except ImportError:
        return package
    return None


def kms_aead(uri: str, credentials_path: str | None = None) -> aead.Aead:
    """A root AEAD held by a cloud KMS: every encrypt and decrypt is a call to the KMS."""
    module, _, client_class = KMS_SCHEMES[kms_scheme(uri) or ""]
    client = getattr(importlib.import_module(module), client_class)(uri, credentials_path or None)
    return client.get_aead(uri)


class _Sink(io.BytesIO):
    """Tink's encrypting stream closes its destination; keep the bytes when it does."""

    result = b""

    def close(self) -> None:
        self.result = self.getvalue()
        super().close()


def stream_encrypt(stream: StreamingAead, source: BinaryIO, associated_data: bytes) -> bytes:
    sink = _Sink()
    with stream.new_encrypting_stream(sink, associated_data) as encrypting:
        while chunk := source.read(64 * 1024):
            encrypting.write(chunk)
    return sink.result


def stream_decrypt(stream: StreamingAead, ciphertext: BinaryIO, associated_data: bytes) -> bytes:
    with stream.new_decrypting_stream(ciphertext, associated_data) as decrypting:
        return decrypting.read()


def encrypting_writer(stream: StreamingAead, destination: BinaryIO, associated_data: bytes) -> BinaryIO:
    """A writable stream that encrypts onto ``destination`` (closed with it)."""
    return stream.new_encrypting_stream(destination, associated_data)


def decrypting_reader(stream: StreamingAead, source: BinaryIO, associated_data: bytes) -> BinaryIO:
    """A readable stream of plaintext; raises TinkError on the first tampered or missing segment."""
    return stream.new_decrypting_stream(source, associated_data)
