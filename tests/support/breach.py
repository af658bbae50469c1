"""The breach scanner: what a thief who copied the data (not the keys) could read.

``scan`` reads every file under a directory, or any bytes handed to it (a ``pg_dump``, a backup, a PDF),
and reports each known plaintext found in any common encoding: UTF-8 in its original, lower and upper case,
UTF-16 (both byte orders), hex (as PostgreSQL prints bytea) and base64 at every alignment (as JSON, e-mail
and data: URIs carry binary). gzip and zip containers are opened and scanned too, since a compressed copy
hides plaintext from a byte search. Tests then assert that the list of findings is empty, so a failure
names the file, the plaintext and the encoding it was found in.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, quote_plus

from PIL import Image, UnidentifiedImageError

# Signatures that mean "an image in the clear": PNG's full signature, JPEG's start of image, and the JFIF
# and Exif headers Pillow and cameras write (long enough not to occur by chance in ciphertext).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8\xff"
IMAGE_MARKERS = {"PNG signature": PNG_SIGNATURE, "JFIF header": b"JFIF\x00", "Exif header": b"Exif\x00\x00"}

# Needles shorter than this would match by chance somewhere in 30 MB of vendored static files.
MIN_NEEDLE = 6


@dataclass(frozen=True)
class Finding:
    where: str  # file path (with "!member" for a file inside an archive) or the label of scanned bytes
    label: str  # which plaintext, e.g. "pupil surname"
    encoding: str  # how it was written, e.g. "utf-16-le, lower case"
    offset: int

    def __str__(self) -> str:
        return f"{self.where} @ {self.offset}: {self.label} ({self.encoding})"


def _base64_cores(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The base64 characters that encode ``data`` whatever its offset in the encoded stream.

    At offset k (0, 1, 2) the first group of four characters mixes in the preceding bytes and the last
    partial group the following ones, so only the full groups in between are fixed.
    """
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + data)
        core = encoded[4 if k else 0 : 4 * ((k + len(data)) // 3)]
        if len(core) >= 8:
            yield f"base64 at offset {k}", core
            urlsafe = core.translate(bytes.maketrans(b"+/", b"-_"))
            if urlsafe != core:
                yield f"urlsafe base64 at offset {k}", urlsafe


@dataclass(frozen=True)
class Needle:
    label: str
    encoding: str
    pattern: bytes
    any_case: bool = False  # matched against the case-folded data (ASCII letters only)


def needles_for(label: str, text: str, *, min_length: int = MIN_NEEDLE) -> list[Needle]:
    """Every encoding of ``text`` the scanner looks for, deduplicated. Lower ``min_length`` only for small
    haystacks (a log of a few requests), where a short surname cannot match by chance."""
    if len(text) < min_length:
        raise ValueError(f"{label}: {text!r} is too short to scan for without false alarms")
    found: dict[tuple[bytes, bool], Needle] = {}

    def add(encoding: str, pattern: bytes, any_case: bool) -> None:
        found.setdefault((pattern, any_case), Needle(label, encoding, pattern, any_case))

    # Case-folding the data once lets one needle stand for every mix of upper and lower case.
    folded = text.lower()
    add("utf-8, any case", folded.encode(), True)
    add("utf-16-le, any case", folded.encode("utf-16-le"), True)
    add("utf-16-be, any case", folded.encode("utf-16-be"), True)
    add("url-encoded, any case", quote(folded).encode().lower(), True)
    add("form-encoded, any case", quote_plus(folded).encode().lower(), True)
    # hex and base64 encode each letter's case differently, so each spelling gets its own needles.
    for case_name, variant in (
        ("as written", text),
        ("lower case", text.lower()),
        ("upper case", text.upper()),
    ):
        add(f"hex, {case_name}", variant.encode().hex().encode(), True)  # any case of the hex digits
        for encoding, core in _base64_cores(variant.encode()):
            add(f"{encoding}, {case_name}", core, False)
    return list(found.values())


def binary_needles(label: str, data: bytes) -> list[Needle]:
    """Raw bytes (a slice of a photo) as themselves, in hex and in base64."""
    if len(data) < 16:
        raise ValueError(f"{label}: {len(data)} bytes is too short to scan for without false alarms")
    needles = [Needle(label, "raw bytes", data), Needle(label, "hex, any case", data.hex().encode(), True)]
    needles += [Needle(label, encoding, core) for encoding, core in _base64_cores(data)]
    return needles


def scan_bytes(data: bytes, needles: Iterable[Needle], where: str) -> list[Finding]:
    """Findings in ``data`` and in whatever gzip/zip content it holds."""
    return Scanner(needles).scan(data, where)


def scan_tree(root: Path, needles: Iterable[Needle]) -> list[Finding]:
    return Scanner(needles).scan_tree(root)


class Scanner:
    """Searches for a fixed set of needles. Identical contents (collectstatic keeps a hashed copy and a gzip
    of each file; a second scan of the same tree) are searched once and reported wherever they occur."""

    def __init__(self, needles: Iterable[Needle]) -> None:
        self.needles = list(needles)
        self.seen: dict[bytes, list[Finding]] = {}

    def scan_tree(self, root: Path) -> list[Finding]:
        findings = []
        for path in files_under(root):
            findings += self.scan(path.read_bytes(), str(path.relative_to(root)))
        return findings

    def scan(self, data: bytes, where: str) -> list[Finding]:
        digest = hashlib.sha256(data).digest()
        if digest in self.seen:
            return [
                f if f.where == where else replace(f, where=f"{where} (same bytes as {f.where})")
                for f in self.seen[digest]
            ]
        folded = data.lower()
        findings = []
        for needle in self.needles:
            offset = (folded if needle.any_case else data).find(needle.pattern)
            if offset >= 0:
                findings.append(Finding(where, needle.label, needle.encoding, offset))
        for member, content in _unpacked(data, where):
            findings += self.scan(content, member)
        self.seen[digest] = findings
        return findings


def _unpacked(data: bytes, where: str) -> Iterator[tuple[str, bytes]]:
    """The contents of a gzip or zip container (nested containers are opened by the caller's recursion)."""
    if data[:2] == b"\x1f\x8b":
        try:
            yield f"{where}!gunzip", gzip.decompress(data)
        except (OSError, EOFError):
            return
    elif data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    yield f"{where}!{info.filename}", archive.read(info)
        except (zipfile.BadZipFile, OSError):
            return


def files_under(root: Path) -> list[Path]:
    """Every regular file under ``root``, hidden ones included, symlinks not followed."""
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def readable_images(root: Path) -> list[str]:
    """Files under ``root`` that are an image in the clear: Pillow opens them, or they start with a
    PNG/JPEG signature, or they carry a PNG/JFIF/Exif header anywhere."""
    problems = []
    for path in files_under(root):
        data = path.read_bytes()
        name = str(path.relative_to(root))
        if data.startswith(PNG_SIGNATURE) or data.startswith(JPEG_SOI):
            problems.append(f"{name}: starts with an image signature")
        for marker, pattern in IMAGE_MARKERS.items():
            if pattern in data:
                problems.append(f"{name}: contains a {marker} at {data.find(pattern)}")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
            problems.append(f"{name}: Pillow decodes it as a {image.format} image {image.size}")
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            pass
    return problems


def assert_nothing_readable(findings: list[Finding]) -> None:
    assert not findings, "plaintext found in the data a thief would copy:\n" + "\n".join(map(str, findings))
