"""A publish stopped at every step, table by table: before a table's files are moved, between the
move and its Delta commit, just after the commit, and before and after the ``runs`` row. What
readers see is the last night until the ``runs`` row is committed, the whole new night after it;
the next writer's recovery and a rerun end with every row once.

In process (the step raises): a publish has no cleanup of its own, so it leaves what a SIGKILL
at the same point leaves; tests/flows/test_crash_safety.py kills real runs at a few of these
steps. Every step on a local folder; three on S3.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flows.storage import Warehouse
from stages.schemas import TABLES, empty_frame, frame

DAY = date(2026, 11, 29)
TABLE_ORDER = [t for t in TABLES if t != "runs"]  # committed in this order, runs last


class Stopped(Exception):
    """The simulated kill."""


def rejects(*paths: str) -> pd.DataFrame:
    return frame(
        "rejects",
        {
            "source_path": list(paths),
            "reason": ["empty"] * len(paths),
            "detail": ["file is empty"] * len(paths),
        },
    )


def night(wh: Warehouse, run_id: str, *paths: str) -> None:
    """Stage a night: rows in rejects, every other table empty, and its runs row."""
    wh.begin(run_id)
    for table in TABLE_ORDER:
        data = rejects(*paths) if table == "rejects" else empty_frame(table)
        wh.write_part(run_id, table, DAY, data, "00000")
    now = datetime.now(UTC)
    row: dict[str, Any] = {"started_at": now.replace(microsecond=0), "finished_at": now, "inbox": "in"}
    row |= {"status": "succeeded", "mode": "nightly"}
    row |= {f"n_{k}": 0 for k in ("files", "skipped", "articles", "rejects", "sentences", "stances")}
    wh.write_part(run_id, "runs", DAY, frame("runs", [row]), "all")


def publish(wh: Warehouse, run_id: str) -> None:
    wh.publish(run_id, DAY, TABLES, replace=["stance_daily"])


def seen(root: str | Path) -> tuple[Any, list[str]]:
    wh = Warehouse(root)
    return wh.published(), sorted(wh.read_table("rejects")["source_path"])


STEPS = [
    *[("_move_staged", n, "before") for n in range(1, len(TABLE_ORDER) + 1)],
    *[("_commit_table", n, "before") for n in range(1, len(TABLE_ORDER) + 1)],
    *[("_commit_table", n, "after") for n in range(1, len(TABLE_ORDER) + 1)],
    ("_commit_runs", 1, "before"),
    ("_commit_runs", 1, "after"),
]
# On S3 a step costs ~20 s against moto (three publishes of 13 tables): three of them here, and
# test_crash_safety.py kills real runs at five steps on S3.
S3_STEPS = [
    ("_move_staged", 1, "before"),
    ("_commit_table", len(TABLE_ORDER) // 2, "after"),
    ("_commit_runs", 1, "before"),
]


def stop_at(monkeypatch: pytest.MonkeyPatch, name: str, nth: int, when: str) -> None:
    step = getattr(Warehouse, name)
    calls = [0]

    def wrapped(self: Warehouse, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if when == "before" and calls[0] == nth:
            raise Stopped(name)
        result = step(self, *args, **kwargs)
        if when == "after" and calls[0] == nth:
            raise Stopped(name)
        return result

    monkeypatch.setattr(Warehouse, name, wrapped)


def check_step(root: str | Path, monkeypatch: pytest.MonkeyPatch, name: str, nth: int, when: str) -> None:
    wh = Warehouse(root)
    night(wh, "r1", "a.txt")
    publish(wh, "r1")
    before = seen(root)
    night(wh, "r2", "b.txt")
    stop_at(monkeypatch, name, nth, when)
    with pytest.raises(Stopped):
        publish(Warehouse(root), "r2")
    monkeypatch.undo()
    published = name == "_commit_runs" and when == "after"
    if published:
        assert seen(root)[1] == ["a.txt", "b.txt"], "the runs row is committed: the night is published"
    else:
        assert seen(root) == before, "nothing of the stopped publish is visible"
    again = Warehouse(root)
    if not published:  # the rerun: a new run id, as a rerun of `stancewire run` has
        night(again, "r3", "b.txt")
        publish(again, "r3")
    again = Warehouse(root)
    again.begin("r4")
    assert seen(root)[1] == ["a.txt", "b.txt"], "every row once"
    for table, version in again.published().versions.items():
        latest = again.tables.latest_version(table) or 0
        assert again.tables.same_files(table, latest, version), f"{table} holds what is published"


@pytest.mark.parametrize(("name", "nth", "when"), STEPS, ids=[f"{w}{n}-{s}" for s, n, w in STEPS])
def test_a_publish_stopped_at_any_step_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, nth: int, when: str
) -> None:
    check_step(tmp_path / "wh", monkeypatch, name, nth, when)


@pytest.mark.parametrize(("name", "nth", "when"), S3_STEPS, ids=[f"{w}{n}-{s}" for s, n, w in S3_STEPS])
def test_a_publish_stopped_at_a_step_on_s3(
    s3_server: str, monkeypatch: pytest.MonkeyPatch, name: str, nth: int, when: str
) -> None:
    import uuid

    check_step(f"s3://stancewire-test/steps-{uuid.uuid4().hex[:8]}", monkeypatch, name, nth, when)
