"""``stancewire migrate``: a warehouse written before Delta Lake (tests/data/manifest_warehouse/,
made by stancewire 965ba24) is converted in place, losing nothing; a migration stopped half-way
is completed by running it again; a warehouse with nothing to migrate is a clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows.cli import main
from flows.migrate import NothingToMigrate, migrate
from flows.storage import Warehouse
from stages.schemas import SCHEMAS

FIXTURE = Path(__file__).parent.parent / "data" / "manifest_warehouse"


def manifest_tables(root: Path) -> dict[str, pd.DataFrame]:
    """Every table as the manifest published it, read with plain pyarrow."""
    files = json.loads((root / "_manifest.json").read_text())["files"]
    found = {}
    for table, names in files.items():
        parts = [pq.read_table(root / n, schema=SCHEMAS[table]).to_pandas() for n in names]
        found[table] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return found


def comparable(frame: pd.DataFrame) -> list[str]:
    """Rows as sorted text (list cells and timestamps included), so that row order does not count."""
    return sorted(json.dumps(r, default=str, sort_keys=True) for r in frame.astype(object).to_dict("records"))


@pytest.fixture
def old(tmp_path: Path) -> Path:
    root = tmp_path / "wh"
    shutil.copytree(FIXTURE, root)
    return root


def test_migrate_converts_in_place_and_every_row_survives(old: Path) -> None:
    before = manifest_tables(old)
    old_files = [
        n for names in json.loads((old / "_manifest.json").read_text())["files"].values() for n in names
    ]
    assert len(before["articles"]) == 4 and len(before["runs"]) == 2, "the fixture: two nights"
    done = migrate(old)
    assert not (old / "_manifest.json").exists()
    wh = Warehouse(old)
    for table in SCHEMAS:
        after = wh.read_table(table)
        if table == "runs":
            after = after[after["mode"] != "migrate"].drop(columns="table_versions")
            want = before[table].drop(columns="table_versions")
        else:
            want = before.get(table, pd.DataFrame(columns=after.columns))
        assert comparable(after) == comparable(want), table
        assert done.rows[table] == len(want), table
    assert wh.published().run_id == done.run_id, "the migration's runs row is what readers read"
    assert not [n for n in old_files if (old / n).exists()], "the old files are gone"
    with wh.connect() as con:
        rows = con.execute("select count(*) from articles where run_date = '2026-11-29'").fetchall()
    assert rows == [(3,)]


def test_the_next_night_runs_on_a_migrated_warehouse(old: Path) -> None:
    migrate(old)
    wh = Warehouse(old)
    wh.begin("r-next")  # recovery finds nothing to undo
    assert wh.run_dates("articles") == sorted(wh.run_dates("articles"))
    assert [str(d) for d in wh.run_dates("stances")] == ["2026-11-28", "2026-11-29"]


def test_a_migration_stopped_half_way_completes_when_run_again(
    old: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {t: len(f) for t, f in manifest_tables(old).items()}

    def stop(*_: object, **__: object) -> None:
        raise KeyboardInterrupt("stopped")

    monkeypatch.setattr(Warehouse, "record_run", stop)
    with pytest.raises(KeyboardInterrupt):
        migrate(old)
    assert (old / "_manifest.json").exists(), "the manifest stays until the end"
    monkeypatch.undo()
    migrate(old)
    wh = Warehouse(old)
    for table, n in before.items():
        extra = 1 if table == "runs" else 0  # the migration's own row
        assert len(wh.read_table(table)) == n + extra, f"{table}: no duplicates"


def test_nothing_to_migrate_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NothingToMigrate, match="nothing to migrate"):
        migrate(tmp_path)
    assert main(["migrate", "--warehouse", str(tmp_path)]) == 2
    assert "nothing to migrate" in capsys.readouterr().err
