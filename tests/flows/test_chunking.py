"""How the nightly flow cuts the new inbox files into chunks: by count and by bytes."""

from __future__ import annotations

import pytest

from flows.pipeline import chunked

CASES = [
    # (sizes of the files in order, max files, max bytes, expected chunk sizes, why)
    ([10, 10, 10], 2, 100, [2, 1], "at most max_files per chunk"),
    ([40, 40, 40], 10, 100, [2, 1], "at most max_bytes per chunk"),
    ([40, 60, 1], 10, 100, [2, 1], "near-miss: exactly max_bytes still fits"),
    ([500, 10], 10, 100, [1, 1], "a file larger than max_bytes is a chunk alone"),
    ([], 10, 100, [], "no files, no chunks"),
]


@pytest.mark.parametrize(
    ("sizes", "max_files", "max_bytes", "expected", "why"), CASES, ids=[c[-1] for c in CASES]
)
def test_chunked(sizes: list[int], max_files: int, max_bytes: int, expected: list[int], why: str) -> None:
    names = [f"f{i}" for i in range(len(sizes))]
    chunks = chunked(names, dict(zip(names, sizes, strict=True)), max_files, max_bytes)
    assert [len(c) for c in chunks] == expected, why
    assert [n for c in chunks for n in c] == names, "every file once, in order"
