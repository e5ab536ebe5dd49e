"""Near-duplicate articles: the same story republished with another headline, byline or boilerplate.

An article's text (``raw_text``) is lower-cased and cut into words (punctuation and
whitespace are separators), and each run of ``SHINGLE_WORDS`` consecutive words is one
shingle. Two articles are near-duplicates when the Jaccard similarity of their shingle
sets is at least ``THRESHOLD``; it is estimated with a datasketch MinHash of
``NUM_PERM`` permutations (fixed ``SEED``, so every process computes the same signature).
On the news corpus (27k articles) edited copies score 0.86-1.0 and different
stories on one template or event 0.3-0.8 (see the README, "Near-duplicate articles").

Candidates are found with LSH (``BANDS`` bands of ``ROWS`` signature values: a pair
sharing one band is a candidate) and each is confirmed on its signature. The earliest
article wins: an article of an earlier night is earlier than tonight's, and within a night
the ingest order counts. A copy is marked with ``duplicate_of``, the article id of the
original; a copy of a copy points at the original. An article with fewer than
``MIN_SHINGLES`` shingles has no signature: it is never a copy nor an original.

Pure: frames in, frames out; ``SignatureIndex`` is the caller's, which adds each chunk's
entries to it (``add``) once the chunk is marked.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from datasketch import MinHash
from datasketch.minhash import _fmix

from stages.schemas import frame

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
THRESHOLD = 0.85
# LSH banding, chosen for recall (every candidate is then checked on its signature):
# 14 bands of 9 values make a pair at Jaccard 0.85 a candidate with probability 0.975, at 0.9
# 0.999, at 0.6 0.13 and at 0.3 0.0003. (datasketch's MinHashLSH picks 8 bands of 16 for 0.85,
# which finds a pair at 0.9 only 80% of the time.)
BANDS, ROWS = 14, 9
# Fewer shingles than this (a text of under 24 words): too little text to tell a
# copy from a look-alike (two companies' dividend notices share their whole body text).
MIN_SHINGLES = 20
SCHEME = "affine32"  # datasketch 2's default: 32-bit values, unbiased on large sets

# Separators besides whitespace: ASCII punctuation (translated in bytes, fast) and the
# typographic quotes and dashes that editors swap when they republish.
_ASCII_PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_TO_SPACE = bytes.maketrans(_ASCII_PUNCT, b" " * len(_ASCII_PUNCT))
_UNICODE_PUNCT = ("\u201c", "\u201d", "\u2018", "\u2019", "\u2014", "\u2013", "\u2026", "\u00ab", "\u00bb")
# Odd 64-bit multipliers: a shingle's hash is sum(word_hash[i] * _MIX[i]) mod 2^64, top 32 bits.
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_BAND_MIX = np.random.RandomState(SEED).randint(1, 1 << 62, ROWS, dtype=np.int64).astype(np.uint64) * 2 + 1


def words(text: str) -> list[bytes]:
    """The text's words, lower-cased, as UTF-8 bytes: whitespace and punctuation separate them."""
    lowered = text.lower()
    for mark in _UNICODE_PUNCT:
        lowered = lowered.replace(mark, " ")
    # str.split knows every Unicode space (a no-break space too), bytes.split only ASCII ones.
    return " ".join(lowered.split()).encode("utf-8").translate(_TO_SPACE).split()


def shingle_hashes(text: str) -> np.ndarray:
    """One 32-bit hash per shingle (``SHINGLE_WORDS`` consecutive words), in text order.

    Each word is hashed once (CRC-32, in C) and a shingle's hash mixes its words' hashes in
    numpy: no string is built per shingle, and no SHA-1 is computed (datasketch's default
    hash function costs 3x more here). CRC-32 is the same in every process, unlike ``hash``.
    """
    found = words(text)
    n = len(found) - SHINGLE_WORDS + 1
    if n < 1:
        return np.empty(0, dtype=np.uint32)
    hashed = np.fromiter(map(zlib.crc32, found), dtype=np.uint64, count=len(found))
    mixed = hashed[:n] * _MIX[0]
    for k in range(1, SHINGLE_WORDS):
        mixed += hashed[k : n + k] * _MIX[k]
    return (mixed >> np.uint64(32)).astype(np.uint32)


def _identity(value: int) -> int:
    return value


# Long texts are fed to the MinHash in blocks: a (shingles x permutations) block of uint32
# that stays in the CPU cache is ~3x faster per shingle than one large matrix.
_BLOCK = 256


class _Signer:
    """One datasketch MinHash (affine32 scheme, ``NUM_PERM`` permutations of ``SEED``) reused for
    every article. The shingle hashes are already 32-bit integers, so they skip ``update_batch``'s
    call of the hash function per value (half the time of a signature): ``_update`` applies the
    same permutations to the whole array, and a test holds it equal to ``update_batch``."""

    def __init__(self) -> None:
        self.minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity, scheme=SCHEME)
        self._a, self._b = self.minhash.permutations

    def _update(self, hashes: np.ndarray) -> None:
        mixed = _fmix(hashes.astype(np.uint32).reshape(-1, 1), 32)
        permuted = mixed * self._a + self._b  # uint32: mod 2^32, as datasketch's affine32
        self.minhash.hashvalues = np.minimum(self.minhash.hashvalues, permuted.min(axis=0))

    def sign(self, text: str) -> np.ndarray | None:
        hashes = shingle_hashes(text)
        if len(hashes) < MIN_SHINGLES:
            return None
        self.minhash.clear()
        for start in range(0, len(hashes), _BLOCK):
            self._update(hashes[start : start + _BLOCK])
        return np.asarray(self.minhash.hashvalues, dtype=np.uint32).copy()


def signature(text: str) -> np.ndarray | None:
    """The text's MinHash (``NUM_PERM`` uint32 values), or None when it is too short."""
    return _Signer().sign(text)


def signatures(articles: pd.DataFrame) -> pd.DataFrame:
    """``article_signatures`` rows: ``article_id`` and ``minhash`` (``NUM_PERM`` uint32 values) of
    each article with at least ``MIN_SHINGLES`` shingles in ``raw_text``, in input order."""
    signer = _Signer()
    ids, values = [], []
    for article_id, text in zip(articles["article_id"], articles["raw_text"], strict=True):
        signed = signer.sign(str(text))
        if signed is not None:
            ids.append(str(article_id))
            values.append(signed)
    return frame("article_signatures", {"article_id": ids, "minhash": values})


def signature_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The ``minhash`` column of a signatures frame as one (rows, ``NUM_PERM``) uint32 array."""
    if frame.empty:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    matrix = np.stack([np.asarray(v, dtype=np.uint32) for v in frame["minhash"]])
    if matrix.shape[1] != NUM_PERM:
        raise ValueError(f"signatures have {matrix.shape[1]} values, expected {NUM_PERM}")
    return matrix


def band_keys(matrix: np.ndarray) -> np.ndarray:
    """(rows, ``BANDS``) uint64: one key per band of ``ROWS`` signature values."""
    bands = matrix[:, : BANDS * ROWS].astype(np.uint64).reshape(len(matrix), BANDS, ROWS)
    return (bands * _BAND_MIX).sum(axis=2, dtype=np.uint64)


def _compact(matrix: np.ndarray) -> np.ndarray:
    """The low 16 bits of each signature value: what the index keeps to confirm a candidate. Two
    different values agree there by chance once in 65,536, so the estimate moves < 0.0001."""
    return (matrix & 0xFFFF).astype(np.uint16)


@dataclass(frozen=True)
class _Segment:
    """Band keys of a run of index positions, sorted per band (earliest position first on ties)."""

    keys: np.ndarray  # (BANDS, n) uint64, each row sorted
    positions: np.ndarray  # (BANDS, n) int32: the index position of each key

    @staticmethod
    def of(keys: np.ndarray, positions: np.ndarray) -> _Segment:
        order = np.argsort(keys, axis=1, kind="stable")
        return _Segment(np.take_along_axis(keys, order, 1), np.take_along_axis(positions, order, 1))

    @property
    def size(self) -> int:
        return int(self.keys.shape[1])

    def lookup(self, queries: np.ndarray) -> np.ndarray:
        """(n, BANDS) int64: for each query and band, the earliest position holding the same key, or -1."""
        found = np.full(queries.shape, -1, dtype=np.int64)
        for band in range(BANDS):
            keys = self.keys[band]
            at = np.minimum(np.searchsorted(keys, queries[:, band]), len(keys) - 1)
            hit = keys[at] == queries[:, band]
            found[hit, band] = self.positions[band, at[hit]]
        return found


class SignatureIndex:
    """The signatures of articles already marked (earlier nights, earlier chunks), for LSH lookups.

    Per entry it keeps the article id of the original it copies (its own for an original), the
    low 16 bits of each signature value and, per band, a key and a position: 440 bytes an entry
    (datasketch's ``MinHashLSH`` takes ~10x more; see the README). Entries are added in chunks;
    the sorted band segments are merged as in a binary counter, so a lookup searches
    O(log chunks) segments and adding costs O(log n) per entry.
    """

    def __init__(self) -> None:
        self._roots: list[np.ndarray] = []  # blocks of S16: the original of each entry
        self._compact: list[np.ndarray] = []  # blocks of (n, NUM_PERM) uint16
        self._starts: list[int] = []
        self._segments: list[_Segment] = []
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @staticmethod
    def of(signatures: pd.DataFrame, duplicate_of: pd.DataFrame) -> SignatureIndex:
        """An index of published signatures, oldest first; ``duplicate_of`` maps their
        ``article_id`` to the published ``duplicate_of`` (null for an original)."""
        index = SignatureIndex()
        index.add(signatures, duplicate_of)
        return index

    def add(self, signatures: pd.DataFrame, duplicate_of: pd.DataFrame) -> None:
        """Append entries (a signatures frame, later than every entry already here); ``duplicate_of``
        maps ``article_id`` to the original each copies (null: an original; a missing id: too)."""
        matrix = signature_matrix(signatures)
        if not len(matrix):
            return
        ids = signatures["article_id"].astype("str").tolist()
        originals = dict(zip(duplicate_of["article_id"], duplicate_of["duplicate_of"], strict=True))
        roots = [str(r) if isinstance(r, str) else i for i, r in ((i, originals.get(i)) for i in ids)]
        start = self.size
        self._roots.append(np.array(roots, dtype="S16"))
        self._compact.append(_compact(matrix))
        self._starts.append(start)
        self.size += len(matrix)
        positions = np.broadcast_to(np.arange(start, self.size, dtype=np.int32), (BANDS, len(matrix)))
        self._segments.append(_Segment.of(band_keys(matrix).T.copy(), positions.copy()))
        while len(self._segments) > 1 and self._segments[-2].size <= 2 * self._segments[-1].size:
            newer, older = self._segments.pop(), self._segments.pop()
            self._segments.append(
                _Segment.of(
                    np.concatenate([older.keys, newer.keys], axis=1),
                    np.concatenate([older.positions, newer.positions], axis=1),
                )
            )

    def entry(self, position: int) -> tuple[np.ndarray, str]:
        """(compact signature, article id of the original) of the entry at ``position``."""
        block = int(np.searchsorted(self._starts, position, side="right")) - 1
        offset = position - self._starts[block]
        return self._compact[block][offset], bytes(self._roots[block][offset]).decode()

    def candidates(self, keys: np.ndarray) -> list[list[int]]:
        """For each row of band ``keys``, the positions sharing a band with it, in order (for each
        band and segment, the earliest position holding that key)."""
        found: list[set[int]] = [set() for _ in range(len(keys))]
        for segment in self._segments:
            hits = segment.lookup(keys)
            for row, band in zip(*np.nonzero(hits >= 0), strict=True):
                found[row].add(int(hits[row, band]))
        return [sorted(f) for f in found]


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


def mark_near_duplicates(
    articles: pd.DataFrame,
    new_signatures: pd.DataFrame,
    earlier: SignatureIndex,
    threshold: float = THRESHOLD,
) -> pd.DataFrame:
    """A copy of ``articles`` with ``duplicate_of``: the article id of the earliest original that
    an article copies (estimated Jaccard of the shingles >= ``threshold``), null for an original.

    ``new_signatures`` are the articles' signatures (``signatures(articles)``; an article without
    one is an original); ``earlier`` holds the articles before them, which win over them. Within
    ``articles``, an earlier row wins over a later one. Neither input is changed.
    """
    marked = articles.copy()
    duplicate_of: list[str | None] = [None] * len(articles)
    matrix = signature_matrix(new_signatures)
    if not len(matrix):
        marked["duplicate_of"] = pd.Series(duplicate_of, index=articles.index, dtype="str")
        return marked
    ids = new_signatures["article_id"].astype("str").tolist()
    row_of = {a: k for k, a in enumerate(articles["article_id"].astype("str"))}
    compact = _compact(matrix)
    keys = band_keys(matrix)
    from_index = earlier.candidates(keys)
    # Within the chunk: per band, the first row holding each key (a stable sort keeps input order).
    rows = np.broadcast_to(np.arange(len(keys), dtype=np.int32), (BANDS, len(keys)))
    first_in_chunk = _Segment.of(keys.T.copy(), rows.copy()).lookup(keys)
    originals: list[str] = []  # per signature row: the article id of its original
    for k, article_id in enumerate(ids):
        original = None  # the earliest match wins: earlier nights and chunks, then earlier rows
        for position in from_index[k]:
            values, root = earlier.entry(position)
            if _similarity(compact[k], values) >= threshold:
                original = root
                break
        if original is None:
            for j in sorted({int(j) for j in first_in_chunk[k] if 0 <= j < k}):
                if _similarity(compact[k], compact[j]) >= threshold:
                    original = originals[j]
                    break
        originals.append(article_id if original is None else original)
        if original is not None:
            duplicate_of[row_of[article_id]] = original
    marked["duplicate_of"] = pd.Series(duplicate_of, index=articles.index, dtype="str")
    return marked
