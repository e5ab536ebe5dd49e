"""The nightly flow against an ``s3://`` warehouse (moto on 127.0.0.1, tests/conftest.py) and a
local folder side by side: the same rows, the SQL views, rollback, a second writer refused, and
plain Delta readers (deltalake, Polars) reading what the views read."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from flows.storage import Warehouse
from stages.schemas import SCHEMAS

pytestmark = pytest.mark.e2e

FIRST, SECOND = date(2026, 11, 28), date(2026, 11, 29)


@pytest.fixture(scope="module")
def inboxes(tmp_path_factory: pytest.TempPathFactory, seed_bytes: bytes) -> tuple[Path, Path]:
    first = tmp_path_factory.mktemp("s3-inbox-1")
    (first / "seed.txt").write_bytes(seed_bytes)
    (first / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    second = tmp_path_factory.mktemp("s3-inbox-2")
    rows = [{"text": f"Story {i}: Lavrov accused NATO of raising tensions.", "outlet": "x"} for i in range(3)]
    (second / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return first, second


def two_nights(root: str | Path, inboxes: tuple[Path, Path]) -> None:
    from flows.nightly import nightly

    for inbox, day in zip(inboxes, (FIRST, SECOND), strict=True):
        nightly(inbox=inbox, warehouse=root, run_date=day, chunk_size=1, workers=1)


@pytest.fixture(scope="module")
def warehouses(
    prefect_harness: None,
    s3_server: str,
    inboxes: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str]:
    """Two nights into a local folder and into an S3 prefix (chunks of one file, one worker)."""
    local = tmp_path_factory.mktemp("s3-local") / "wh"
    remote = f"s3://stancewire-test/e2e-{uuid.uuid4().hex[:8]}"
    two_nights(local, inboxes)
    two_nights(remote, inboxes)
    return local, remote


def test_the_s3_warehouse_holds_the_rows_of_the_local_one(
    warehouses: tuple[Path, str], warehouse_rows: Any
) -> None:
    local_rows, remote_rows = (warehouse_rows(w) for w in warehouses)
    for table in SCHEMAS:
        assert remote_rows[table] == local_rows[table], table
    remote = Warehouse(warehouses[1])
    assert len(remote.read_table("stances")) > 0 and len(remote.read_table("rejects")) == 1
    assert remote.location.exists("quarantine/run_date=2026-11-28/broken.txt"), "quarantined on S3 too"
    assert not remote.location.glob("_staging/*") and not remote.location.exists("_lease.json")


def sql(root: str | Path, query: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["sql", "--warehouse", str(root), "--format", "json", query]) == 0
    return list(json.loads(capsys.readouterr().out))


def test_sql_views_on_s3_answer_as_on_disk(
    warehouses: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    query = "select run_date, source_actor, target_actor, stance, count(*) n from stances group by all order by all"
    local, remote = warehouses
    assert sql(remote, query, capsys) == sql(local, query, capsys)
    assert main(["sql", "--warehouse", remote, "select * from read_text('/etc/hostname')"]) == 2
    assert "Permission Error" in capsys.readouterr().err


def test_plain_delta_readers_read_what_the_views_read(warehouses: tuple[Path, str]) -> None:
    import polars as pl
    from deltalake import DeltaTable

    for root in warehouses:
        wh = Warehouse(root)
        versions = wh.published().versions
        uri = wh.tables.uri("stances")
        with wh.connect() as con:
            viewed = con.execute("select count(*), count(distinct article_id) from stances").fetchall()[0]
        dt = DeltaTable(uri, version=versions["stances"])
        files = dt.file_uris()
        del dt
        assert sorted(files) == sorted(wh.view_files()["stances"]), (
            "the views read the recorded version's files"
        )
        polars = pl.read_delta(uri, version=versions["stances"])
        assert (polars.height, polars["article_id"].n_unique()) == viewed
        assert polars["run_date"].dtype == pl.Date, "the partition column comes from the log"


@pytest.mark.parametrize("store", ["local", "s3"])
def test_rollback_and_the_views_follow(
    warehouses: tuple[Path, str], store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.delta_tables import DeltaTables
    from flows.location import Location

    if store == "local":
        copy: str | Path = tmp_path / "wh"
        shutil.copytree(warehouses[0], copy)
        Warehouse(copy).refresh_catalog()  # its DuckDB views name the original's files
    else:
        copy = f"s3://stancewire-test/rollback-{uuid.uuid4().hex[:8]}"
        source, target = Location(warehouses[1]), Location(copy)
        for path in source.fs.find(source.path()):
            source.fs.copy(path, target.path(path.removeprefix(source.path()).lstrip("/")))
    before = sql(copy, "select count(*) n from articles", capsys)
    assert main(["rollback", "--warehouse", str(copy), "--date", str(FIRST)]) == 0
    after = sql(copy, "select run_date, count(*) n from articles group by all", capsys)
    assert after == [{"run_date": str(FIRST), "n": 1}] and before[0]["n"] == 4
    assert main(["history", "--warehouse", str(copy)]) == 0
    assert "rollback" in capsys.readouterr().out.splitlines()[-2]
    wh = Warehouse(copy)
    tables = DeltaTables(Location(copy))
    for table, version in wh.published().versions.items():
        assert tables.same_files(table, tables.latest_version(table) or 0, version), f"{table} restored"


def test_a_second_writer_on_s3_is_refused(
    warehouses: tuple[Path, str], inboxes: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    remote = warehouses[1]
    with Warehouse(remote).lock("the-other-run"):
        assert main(["run", "--inbox", str(inboxes[1]), "--warehouse", remote]) == 1
    err = capsys.readouterr().err
    assert "warehouse busy" in err and "the-other-run" in err
