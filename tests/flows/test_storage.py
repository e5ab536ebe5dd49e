"""Storage: declared schemas enforced, staged writes, Delta commits published by the runs row,
crash repair, rollback, vacuum and DuckDB views; on a local folder and on S3 (moto) alike."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.storage import NeedsMigration, SchemaError, UnknownRun, UnmanagedFiles, Warehouse, to_arrow

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


def publish(wh: Warehouse, run_id: str, *paths: str, day: date = DAY, replace: bool = True) -> None:
    """A run of ``rejects`` alone: its files, then its runs row."""
    wh.begin(run_id)
    wh.write_part(run_id, "rejects", day, rejects(*paths), "00000")
    stage_runs(wh, run_id, day)
    wh.publish(run_id, day, ["rejects", "runs"], replace=["rejects"] if replace else [])
    wh.refresh_catalog()


def stage_runs(wh: Warehouse, run_id: str, day: date) -> None:
    from datetime import UTC, datetime

    from stages.schemas import frame

    started = datetime(2026, 11, 29, 1, tzinfo=UTC)
    row = {"started_at": started, "finished_at": datetime.now(UTC), "inbox": "inbox", "status": "succeeded"}
    row |= {"mode": "nightly"} | {
        f"n_{k}": 0 for k in ("files", "skipped", "articles", "rejects", "sentences", "stances")
    }
    wh.write_part(run_id, "runs", day, frame("runs", [row]), "all")


def paths(wh: Warehouse) -> list[str]:
    return sorted(Warehouse(wh.root).read_table("rejects")["source_path"])


def test_nothing_is_visible_until_published(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
    wh.begin("r1")
    wh.write_part("r1", "rejects", DAY, rejects("a.txt", "b.txt"), "00000")
    assert wh.read_table("rejects").empty
    assert wh.read_staged("r1", "rejects")["source_path"].tolist() == ["a.txt", "b.txt"]


def test_rerun_of_a_day_replaces_its_partition_and_keeps_other_days(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt", "b.txt")
    publish(wh, "r0", "old.txt", day=date(2026, 11, 28))
    publish(wh, "r2", "a.txt", "b.txt")  # the same night again
    with wh.connect() as con:
        rows = con.sql("select run_date, source_path, run_id from rejects order by all").fetchall()
    assert rows == [(date(2026, 11, 28), "old.txt", "r0"), (DAY, "a.txt", "r2"), (DAY, "b.txt", "r2")]


def test_every_table_is_a_delta_table_and_the_runs_row_records_its_versions(store_root: str | Path) -> None:
    from deltalake import DeltaTable

    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt")
    publish(wh, "r2", "c.txt", replace=False)
    versions = [r.versions for r in wh.run_versions()]
    assert [v["rejects"] for v in versions] == [1, 2], "each run's commit is the table's next version"
    dt = DeltaTable(wh.tables.uri("rejects"))
    commits = {h["version"]: h.get("stancewire.run_id") for h in dt.history()}
    assert commits[1] == "r1" and commits[2] == "r2", "each commit is tagged with its run"
    assert dt.transaction_version("stancewire/r2") == 1, "and carries the run's app transaction"
    assert dt.metadata().partition_columns == ["run_date"]
    del dt


def test_a_commit_retried_for_the_same_run_is_not_made_twice(store_root: str | Path) -> None:
    """An S3 response lost after the commit: the retry finds the run's app transaction."""
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt", replace=False)
    files = wh.tables.files("rejects", 1)
    assert wh.tables.commit("rejects", "r1", files) == 1, "no second commit"
    assert paths(wh) == ["a.txt"]


def test_tables_committed_by_a_run_that_died_before_its_runs_row_stay_invisible_and_are_restored(
    store_root: str | Path,
) -> None:
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt", replace=False)
    wh.write_part("r2", "rejects", DAY, rejects("half.txt"), "00000")
    files = wh._move_staged("r2", "rejects", f"run_date={DAY}", DAY)
    wh._commit_table("rejects", "r2", files, None)  # the crash: rejects committed, runs not
    assert wh.tables.latest_version("rejects") == 2
    assert paths(wh) == ["a.txt"], "readers read the version the runs row records"
    wh.begin("r3")
    assert wh.tables.same_files("rejects", wh.tables.latest_version("rejects") or 0, 1), "restored"
    assert paths(wh) == ["a.txt"]
    assert not wh.location.glob("_staging/*/*/*/*")
    wh.begin("r4")  # near-miss: recovery twice changes nothing more
    assert wh.tables.latest_version("rejects") == 3


def test_publishing_without_replace_appends_to_the_night(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt")
    publish(wh, "r2", "c.txt", replace=False)
    assert paths(wh) == ["a.txt", "c.txt"]


def test_rollback_restores_every_table_in_one_recorded_step(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt", replace=False)
    publish(wh, "r2", "b.txt", replace=False)
    publish(wh, "r3", "c.txt", day=date(2026, 11, 30), replace=False)
    target = wh.rollback("rb1", to_run="r1")
    assert target.run_id == "r1"
    assert paths(wh) == ["a.txt"], "readers see the state after r1"
    assert wh.published().run_id == "rb1" and wh.run_versions()[-1].mode == "rollback"
    latest = wh.tables.latest_version("rejects") or 0
    assert wh.tables.same_files("rejects", latest, 1), "and the table itself was restored"
    wh.rollback("rb2", to_date=date(2026, 11, 30))  # a rollback is undone by another one
    assert paths(wh) == ["a.txt", "b.txt", "c.txt"]
    with pytest.raises(UnknownRun, match="no published run"):
        wh.rollback("rb3", to_run="nope")


def test_vacuum_lists_unneeded_and_partial_files_and_removes_them_only_when_asked(
    store_root: str | Path,
) -> None:
    wh = Warehouse(store_root)
    publish(wh, "r1", "a.txt")
    publish(wh, "r2", "b.txt")  # replaces r1's file
    partial = f"rejects/run_date={DAY}/part-killed.parquet#1"
    wh.location.write_bytes(partial, b"PAR1")
    kept = wh.vacuum(keep_days=7)
    assert kept.get("rejects", []) == [partial], "r1's file is kept for a rollback within 7 days"
    found = wh.vacuum(keep_days=0)
    assert len(found["rejects"]) == 2 and partial in found["rejects"]
    assert wh.location.exists(partial), "a dry run removes nothing"
    wh.vacuum(keep_days=0, dry_run=False)
    assert not wh.location.exists(partial) and wh.vacuum(keep_days=0) == {}
    assert paths(wh) == ["b.txt"], "the published state is untouched"


def test_staged_output_of_a_failed_try_is_dropped_on_retry(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
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


def test_s3_views_read_the_published_files_and_nothing_outside_the_prefix(
    s3_server: str,
) -> None:
    import uuid

    root = f"s3://stancewire-test/{uuid.uuid4().hex[:12]}"
    wh = Warehouse(root)
    publish(wh, "r1", "a.txt")
    with wh.connect() as con:
        assert con.sql("select source_path from rejects").fetchall() == [("a.txt",)]
        with pytest.raises(duckdb.PermissionException):
            con.sql("select * from read_text('/etc/hostname')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")


def test_quarantine_keeps_the_bytes(store_root: str | Path) -> None:
    wh = Warehouse(store_root)
    rel = wh.quarantine(DAY, "sub/bad.txt", b"\x00\x01")
    assert wh.location.read_bytes(rel) == b"\x00\x01" and rel.startswith("quarantine/run_date=")


def test_table_files_without_a_delta_log_are_refused_not_deleted(tmp_path: Path) -> None:
    stray = tmp_path / "stances" / "run_date=2026-01-01" / "part-old.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PAR1")
    with pytest.raises(UnmanagedFiles, match=r"no Delta log"):
        Warehouse(tmp_path).begin("r1")
    assert stray.exists(), "nothing is deleted"
    Warehouse(tmp_path / "fresh").begin("r1")  # near-miss: an empty folder is a new warehouse


def test_a_manifest_warehouse_is_refused_until_migrated(tmp_path: Path) -> None:
    (tmp_path / "_manifest.json").write_text(json.dumps({"files": {}}))
    with pytest.raises(NeedsMigration, match="stancewire migrate"):
        Warehouse(tmp_path).begin("r1")


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
    stage_runs(wh, "r1", date(2026, 11, 29))
    wh.publish("r1", date(2026, 11, 29), ["stance_daily", "runs"])
    (path,) = (tmp_path / "stance_daily").rglob("*.parquet")
    schema = pq.read_schema(path)
    assert schema.field("mean_score").metadata[b"description"] == b"mean score in -1..1"
    assert schema.metadata[b"stancewire.table"] == b"stance_daily"
    assert str(schema.field("day").type) == "date32[day]"
    assert pd.read_parquet(path)["n_total"].tolist() == daily()["n_total"].tolist()
