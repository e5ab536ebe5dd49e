"""How the nightly flow cuts the new inbox files into chunks: by count and by bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.nightly import chunked

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


RUNNERS = [
    # (workers setting, chunks, expected runner, jobs at once, why)
    (1, 5, "DaskRunner", 1, "the default: one worker process runs the stages while this one validates"),
    (2, 5, "DaskRunner", 2, "two workers"),
    (4, 2, "DaskRunner", 2, "no more workers than chunks"),
    (0, 5, "InProcess", 1, "0: the run's own process"),
    (2, 1, "InProcess", 1, "near-miss: one chunk starts no cluster (it would cost more than it saves)"),
    (1, 0, "InProcess", 1, "nothing to do"),
]


@pytest.mark.parametrize(
    ("workers", "n_chunks", "runner_name", "slots", "why"), RUNNERS, ids=[c[-1] for c in RUNNERS]
)
def test_stage_runner_for_the_chunks(
    workers: int, n_chunks: int, runner_name: str, slots: int, why: str, tmp_path: Path
) -> None:
    from flows.nightly import busy_chunks, stage_runner
    from flows.settings import load_settings

    settings = load_settings().with_overrides(workers=workers, warehouse=tmp_path, tagger="fast")
    runner = stage_runner(settings, n_chunks, lambda: None)  # type: ignore[arg-type,return-value]
    try:
        assert type(runner).__name__ == runner_name, why
        assert runner.slots == slots == busy_chunks(runner), (
            "chunks whose stages run while the next is ingested"
        )
        assert tmp_path.joinpath("_reference").exists() == (runner_name == "DaskRunner"), (
            "the workers' snapshot"
        )
    finally:
        runner.close()
