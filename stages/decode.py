"""Bytes -> text for ingest: which encoding a file is in, and gzip undone within a size bound.

Pure: bytes in, text (or bytes) out, no IO. The order a file is read in:

1. a byte-order mark names the encoding: UTF-32 (LE/BE), UTF-8, UTF-16 (LE/BE) — what
   Windows tools export — and the mark is not part of the text;
2. a NUL byte in the first 8 KiB without a mark: binary, not text;
3. valid UTF-8 is UTF-8 (nearly all news text);
4. anything else is handed to charset-normalizer (maintained, already a dependency of the
   HTTP stack). Windows-1252 — the web's default for undeclared Western text (WHATWG) — is
   taken when charset-normalizer finds it readable (mess ratio within its own default
   0.2), else its best guess (Cyrillic, CJK, ...). On 668 non-ASCII texts — news articles
   of the benchmark corpus encoded as Windows-1252 or Latin-1, plus Cyrillic and German
   cases — this decodes all 668 exactly; charset-normalizer's plain best guess decodes 652
   (the rest came back as cp775, cp1250 or Big5). Reproduce: ``benchmarks/encodings.py``.
5. bytes no detector can read are refused (``Undecodable``).

The encoding a text was read with is reported as a Python codec name (``utf-8``,
``utf-8-sig``, ``utf-16-le``, ``cp1252``, ...), which re-encodes the text to the file's bytes.
"""

from __future__ import annotations

import gzip
import io
import zlib

# Byte-order marks, longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# How far into a file a NUL byte marks it as binary.
BINARY_PROBE_BYTES = 8192
# The fallback for undeclared Western text, tried first among the guesses (see module doc).
WESTERN_DEFAULT = "cp1252"
# charset-normalizer's own default: a decoding messier than this is not a reading.
MAX_MESS = 0.2
GZIP_SUFFIX = ".gz"
GZIP_MAGIC = b"\x1f\x8b"


class Undecodable(ValueError):
    """Bytes that are not text in any encoding a detector can name; the message says why."""


class Binary(ValueError):
    """Bytes with NULs and no byte-order mark: a binary file, not text."""


class TooLarge(ValueError):
    """Decompressed bytes over the limit (a gzip bomb, or just too big)."""


class BadGzip(ValueError):
    """A ``.gz`` file that is not gzip, or is truncated or corrupt."""


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, length of the mark) when ``data`` starts with a byte-order mark."""
    for mark, codec in BOMS:
        if data.startswith(mark):
            return codec, len(mark)
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """``(text, codec)`` of ``data`` (see the module doc for the order); raises ``Binary`` or
    ``Undecodable``. A byte-order mark is not part of the text."""
    marked = bom_encoding(data)
    if marked is not None:
        codec, length = marked
        try:
            return data[length:].decode(codec.removesuffix("-sig")), codec
        except UnicodeDecodeError as err:
            raise Undecodable(
                f"starts with a {codec} byte-order mark but is not valid {codec}: "
                f"{err.reason} at offset {err.start + length}"
            ) from None
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        raise Binary("file holds NUL bytes and no byte-order mark: binary, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        first_bad = err.start
    guess = _detect(data)
    if guess is None:
        raise Undecodable(
            f"not valid UTF-8 (byte 0x{data[first_bad]:02x} at offset {first_bad}) "
            "and no encoding detector could read it"
        )
    return guess


def _detect(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    western = from_bytes(data, cp_isolation=[WESTERN_DEFAULT], threshold=MAX_MESS).best()
    if western is not None:
        return str(western), WESTERN_DEFAULT
    best = from_bytes(data, threshold=MAX_MESS).best()
    if best is None or best.encoding in ("ascii", "utf_8"):  # not ASCII/UTF-8: the strict decode failed
        return None
    return str(best), best.encoding.replace("_", "-")


def is_gzip_name(name: str) -> bool:
    """True for a file whose name ends in ``.gz`` (``feed.jsonl.gz``)."""
    return name.lower().endswith(GZIP_SUFFIX)


def gunzip(data: bytes, limit: int) -> bytes:
    """The decompressed bytes of a gzip file (every member), read at most ``limit`` bytes far:
    a file that would decompress to more raises ``TooLarge`` without ever holding more than
    ``limit + 1`` bytes (a gzip bomb is a reject, not an out-of-memory)."""
    if not data.startswith(GZIP_MAGIC):
        raise BadGzip("named .gz but not gzip data (no gzip magic number)")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise BadGzip(f"corrupt or truncated gzip data: {err}") from None
    if len(out) > limit:
        raise TooLarge(f"decompresses to over the {limit:,}-byte limit")
    return out


def gzip_expanded_size(data: bytes) -> int:
    """The decompressed size a gzip file declares (its last member's ISIZE, modulo 2**32), for
    sizing chunks before it is read; ``len(data)`` when it is not gzip."""
    if len(data) < 18 or not data.startswith(GZIP_MAGIC):
        return len(data)
    return max(len(data), int.from_bytes(data[-4:], "little"))
