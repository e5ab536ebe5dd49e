"""`run --rebuild` and `backfill`: real flow runs that reprocess published run dates.

A rebuild replaces a date's derived tables from its articles and leaves the inbox
tables alone; a backfill rebuilds each date of a range in its own flow run, and one
that stopped part-way resumes without redoing the dates it finished.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.cli import main
from flows.storage import Warehouse

DAY1, DAY2 = "2026-11-20", "2026-11-21"
DERIVED = ("paragraphs", "sentences", "mentions", "stances", "attributions", "stance_daily")


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse / "stancewire.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


def counts(warehouse: Path, run_date: str) -> dict[str, int]:
    tables = ("articles", "files", "rejects", *DERIVED)
    return {
        t: query(warehouse, f"select count(*) from {t} where run_date = '{run_date}'")[0][0] for t in tables
    }


@pytest.fixture
def two_nights(prefect_harness: None, tmp_path: Path, seed_bytes: bytes) -> Path:
    from flows.nightly import nightly

    warehouse = tmp_path / "warehouse"
    first, second = tmp_path / "inbox1", tmp_path / "inbox2"
    first.mkdir()
    second.mkdir()
    (first / "seed.txt").write_bytes(seed_bytes)
    (second / "late.txt").write_text(
        "Lavrov accused NATO of provocations on Tuesday.\n\nKuleba thanked Poland."
    )
    nightly(inbox=first, warehouse=warehouse, run_date=date.fromisoformat(DAY1))
    nightly(inbox=second, warehouse=warehouse, run_date=date.fromisoformat(DAY2))
    return warehouse


def test_rebuild_replaces_the_derived_tables_of_one_date_and_nothing_else(two_nights: Path) -> None:
    from flows.nightly import nightly

    before = {d: counts(two_nights, d) for d in (DAY1, DAY2)}
    old_ids = query(two_nights, f"select distinct run_id from stances where run_date = '{DAY1}'")
    summary = nightly(warehouse=two_nights, run_date=date.fromisoformat(DAY1), rebuild=True)
    assert {d: counts(two_nights, d) for d in (DAY1, DAY2)} == before, "same rows, none duplicated"
    assert query(two_nights, f"select distinct run_id from stances where run_date = '{DAY1}'") == [
        (summary.run_id,)
    ], "the date's stances now come from the rebuild"
    assert query(two_nights, f"select distinct run_id from stances where run_date = '{DAY2}'") != [
        (summary.run_id,)
    ], "another date is untouched"
    assert old_ids != [(summary.run_id,)]
    assert query(two_nights, "select mode, n_articles from runs order by started_at desc limit 1") == [
        ("rebuild", 1)
    ]
    published = Warehouse(two_nights).committed_files("stances", date.fromisoformat(DAY1))
    assert len(published) == 1 and summary.run_id in published[0], (
        "one stances file for the date, the rebuild's"
    )
    on_disk = {p.name for p in (two_nights / "stances").rglob("*.parquet")}
    assert len(on_disk) == 3, "the replaced file stays for a rollback, until a vacuum"
    unused = Warehouse(two_nights).vacuum(keep_days=0)["stances"]
    assert len(unused) == 1 and old_ids[0][0] in unused[0]


def test_backfill_rebuilds_each_date_once_and_resumes_after_a_failure(
    two_nights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.nightly import backfill

    before = {d: counts(two_nights, d) for d in (DAY1, DAY2)}
    # An interrupted try: reading DAY2's articles fails, so the backfill stops after DAY1.
    read_committed = Warehouse.read_committed

    def failing(self: Warehouse, table: str, rel_path: str, columns: list[str] | None = None) -> Any:
        if f"run_date={DAY2}" in rel_path:
            raise RuntimeError("simulated failure while rebuilding DAY2")
        return read_committed(self, table, rel_path, columns)

    monkeypatch.setattr(Warehouse, "read_committed", failing)
    with pytest.raises(RuntimeError, match="simulated failure"):
        backfill(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30), warehouse=two_nights)
    monkeypatch.undo()
    runs = query(two_nights, "select run_date, mode from runs order by started_at")
    assert runs[-1] == (date(2026, 11, 20), "rebuild"), "DAY1 was rebuilt and published"
    # The rerun resumes: only DAY2 is rebuilt now.
    summary = backfill(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30), warehouse=two_nights)
    assert [d.isoformat() for d in summary.rebuilt] == [DAY2]
    assert [d.isoformat() for d in summary.already_done] == [DAY1]
    modes = query(
        two_nights, "select run_date::varchar, count(*) from runs where mode = 'rebuild' group by 1"
    )
    assert sorted(modes) == [(DAY1, 1), (DAY2, 1)], "one rebuild per date over both tries"
    assert {d: counts(two_nights, d) for d in (DAY1, DAY2)} == before
    assert not (two_nights / "_backfill").exists(), "a finished backfill leaves no progress record"
    # A new backfill of the same range starts afresh.
    again = backfill(
        date_from=date.fromisoformat(DAY2), date_to=date.fromisoformat(DAY2), warehouse=two_nights
    )
    assert [d.isoformat() for d in again.rebuilt] == [DAY2] and not again.already_done


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--rebuild"], "--rebuild needs --date"),
        (["run", "--rebuild", "--date", "2026-01-01"], "no articles are published for 2026-01-01"),
        (["backfill", "--from", "2026-11-30", "--to", "2026-11-01"], "is after --to"),
        (["backfill", "--from", "2020-01-01", "--to", "2020-01-31"], "no run date from 2020-01-01"),
    ],
    ids=["rebuild needs a date", "nothing to rebuild", "backwards range", "empty range"],
)
def test_rebuild_and_backfill_refuse_with_one_clear_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--warehouse", str(tmp_path / "wh")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
