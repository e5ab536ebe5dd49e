"""The run context: its stage runner lives while the chunks' stages run, and what it has read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from flows.run_context import NIGHTLY, RunContext
from flows.settings import load_settings
from flows.sources import SnapshotSource
from flows.stage_jobs import StageJob, Written
from flows.storage import Warehouse


class Runner:
    slots = 1

    def __init__(self) -> None:
        self.closed = 0

    def run(self, job: StageJob) -> list[Written]:
        return [Written(job.stage, job.part, 0)]

    def close(self) -> None:
        self.closed += 1


def context(tmp_path: Path) -> RunContext:
    return RunContext(
        run_id="20261129-000000-ctx00000",
        run_date=date(2026, 11, 29),
        started_at=datetime.now(UTC),
        mode=NIGHTLY,
        settings=load_settings(),
        source=SnapshotSource({}),
        warehouse=Warehouse(tmp_path),
        validator=cast(Any, None),  # nothing is validated here
        load_resources=lambda: cast(Any, None),
    )


def test_the_stage_runner_is_closed_when_the_chunks_are_done_or_failed(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    with pytest.raises(RuntimeError, match="no stage runner"):
        ctx.run_stage("cleanup", "p0")
    runner = Runner()
    with ctx.running(runner):
        assert [w.part for w in ctx.run_stage("cleanup", ctx.part("00000"))] == [f"{ctx.attempt}-00000"]
    assert (ctx.stages, runner.closed) == (None, 1), "closed when the chunks are done"
    with pytest.raises(ValueError, match="a stage failed"), ctx.running(runner):
        raise ValueError("a stage failed")
    assert (ctx.stages, runner.closed) == (None, 2), "closed when a chunk failed, too"


def test_files_read_and_skipped_are_remembered(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    assert not ctx.read_before(None), "an unreadable file (no hash) is new"
    ctx.mark_read(["a" * 64])
    ctx.mark_skipped(["old.txt"])
    ctx.mark_skipped(["old.txt"])  # a retried chunk does not count its files twice
    assert ctx.read_before("a" * 64) and not ctx.read_before("b" * 64)
    assert ctx.skipped == {"old.txt"}
    assert ctx.validated_rows()["articles"] == 0
