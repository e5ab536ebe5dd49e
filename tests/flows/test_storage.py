"""Storage: declared schemas enforced, staged writes, atomic publish, crash repair, DuckDB views."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.storage import SchemaError, UnmanagedFiles, Warehouse, to_arrow

DAY = date(2026, 11, 29)


def rejects(*paths: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_path": list(paths),
            "source_line": pd.array([None] * len(paths), dtype="Int64"),
            "reason": "empty",
            "detail": "file is empty",
            "file_sha256": None,
            "quarantined_path": None,
        }
    )


def test_to_arrow_enforces_the_declared_schema() -> None:
    arrow = to_arrow("rejects", rejects("a.txt"), "run-1")
    assert arrow.column_names[-1] == "run_id" and arrow.num_rows == 1
    with pytest.raises(SchemaError, match="lacks columns"):
        to_arrow("rejects", rejects("a.txt").drop(columns="reason"), "run-1")
    with pytest.raises(SchemaError, match=r"rejects: .*reason.* non-nullable"):
        to_arrow("rejects", rejects("a.txt").assign(reason=None), "run-1")
    with pytest.raises(SchemaError, match="rejects"):
        to_arrow("rejects", rejects("a.txt").assign(source_line="three"), "run-1")


def publish(wh: Warehouse, run_id: str, *paths: str, day: date = DAY) -> None:
    wh.begin(run_id)
    wh.write_part(run_id, "rejects", day, rejects(*paths), "00000")
    wh.publish(run_id, day, ["rejects"], replace=["rejects"])
    wh.refresh_catalog()


def test_nothing_is_visible_until_published(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    wh.begin("r1")
    wh.write_part("r1", "rejects", DAY, rejects("a.txt", "b.txt"), "00000")
    assert wh.read_table("rejects").empty
    assert wh.read_staged("r1", "rejects")["source_path"].tolist() == ["a.txt", "b.txt"]


def test_rerun_of_a_day_replaces_its_partition_and_keeps_other_days(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    publish(wh, "r1", "a.txt", "b.txt")
    publish(wh, "r0", "old.txt", day=date(2026, 11, 28))
    publish(wh, "r2", "a.txt", "b.txt")  # the same night again
    with wh.connect() as con:
        rows = con.sql("select run_date, source_path, run_id from rejects order by all").fetchall()
    assert rows == [(date(2026, 11, 28), "old.txt", "r0"), (DAY, "a.txt", "r2"), (DAY, "b.txt", "r2")]


def test_files_moved_by_a_run_that_died_before_its_commit_stay_invisible_and_are_removed(
    tmp_path: Path,
) -> None:
    wh = Warehouse(tmp_path)
    publish(wh, "r1", "a.txt")
    wh.write_part("r2", "rejects", DAY, rejects("half.txt"), "00000")
    staged = next((tmp_path / "_staging" / "r2").rglob("*.parquet"))
    orphan = tmp_path / "rejects" / f"run_date={DAY}" / staged.name
    staged.rename(orphan)  # the crash: moved into place, manifest not yet replaced
    assert wh.read_table("rejects")["source_path"].tolist() == ["a.txt"], "readers see committed files only"
    wh.begin("r3")
    assert not orphan.exists() and not (tmp_path / "_staging").exists()
    assert wh.read_table("rejects")["source_path"].tolist() == ["a.txt"]


def test_publishing_without_replace_appends_to_the_night(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    publish(wh, "r1", "a.txt")
    wh.begin("r2")
    wh.write_part("r2", "rejects", DAY, rejects("c.txt"), "00000")
    wh.publish("r2", DAY, ["rejects"])
    assert sorted(wh.read_table("rejects")["source_path"]) == ["a.txt", "c.txt"]


def test_staged_output_of_a_failed_try_is_dropped_on_retry(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    wh.begin("r1")
    wh.write_part("r1", "rejects", DAY, rejects("half-done.txt"), "00007")
    wh.begin("r1")
    assert wh.read_staged("r1", "rejects").empty


def test_catalog_is_read_only_and_missing_catalog_is_a_clear_error(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    with pytest.raises(FileNotFoundError, match="stancewire run"):
        wh.connect()
    publish(wh, "r1", "a.txt")
    with wh.connect() as con, pytest.raises(duckdb.Error):
        con.execute("create table x as select 1")


def test_quarantine_keeps_the_bytes(tmp_path: Path) -> None:
    path = Warehouse(tmp_path).quarantine(DAY, "sub/bad.txt", b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01" and path.is_relative_to(tmp_path / "quarantine")


def test_table_files_without_a_manifest_are_refused_not_deleted(tmp_path: Path) -> None:
    stray = tmp_path / "stances" / "run_date=2026-01-01" / "part-old.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PAR1")
    with pytest.raises(UnmanagedFiles, match=r"no _manifest\.json"):
        Warehouse(tmp_path).begin("r1")
    assert stray.exists(), "nothing is deleted"
    Warehouse(tmp_path / "fresh").begin("r1")  # near-miss: an empty folder is a new warehouse


def daily() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": [date(2026, 11, 28)],
            "source_actor": ["USA"],
            "target_actor": ["RUS"],
            "n_favor": [0],
            "n_against": [2],
            "n_neutral": [1],
            "n_total": [3],
            "mean_score": [-0.5],
        }
    )


def test_parquet_files_carry_their_schema_and_column_descriptions(tmp_path: Path) -> None:
    """A reader with no stancewire code (plain pyarrow, pandas) gets the types and the meanings."""
    import pyarrow.parquet as pq

    wh = Warehouse(tmp_path)
    wh.begin("r1")
    wh.write_part("r1", "stance_daily", date(2026, 11, 29), daily(), "00000")
    wh.publish("r1", date(2026, 11, 29), ["stance_daily"])
    (path,) = (tmp_path / "stance_daily").rglob("*.parquet")
    schema = pq.read_schema(path)
    assert schema.field("mean_score").metadata[b"description"] == b"mean score in -1..1"
    assert schema.metadata[b"stancewire.table"] == b"stance_daily"
    assert str(schema.field("day").type) == "date32[day]"
    assert pd.read_parquet(path)["n_total"].tolist() == daily()["n_total"].tolist()
