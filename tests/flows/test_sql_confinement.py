"""`stancewire sql` and the report read the warehouse's files and nothing else.

Their DuckDB connection (``Warehouse.connect``) allows the warehouse folder only, has external
access off and its configuration locked: a query can neither read a file outside the warehouse
nor switch that back on, while every view over the committed Parquet files still works.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.cli import main
from flows.report import report_inputs
from flows.storage import Warehouse

SECRET = "stancewire-confinement-secret"


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("stancewire: ") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def outside(sample_warehouse: Path) -> Iterator[Path]:
    """A sibling folder whose name starts with the warehouse's (``<warehouse>-other/``), holding a
    copy of a committed Parquet file, a CSV and a text file that all carry ``SECRET``."""
    folder = sample_warehouse.with_name(sample_warehouse.name + "-other")
    folder.mkdir()
    committed = Warehouse(sample_warehouse).view_files()["articles"][0]
    shutil.copyfile(committed, folder / "x.parquet")
    pd.DataFrame({"word": [SECRET]}).to_parquet(folder / "secret.parquet")
    (folder / "x.csv").write_text(f"word\n{SECRET}\n", encoding="utf-8")
    (folder / "x.txt").write_text(SECRET, encoding="utf-8")
    yield folder
    shutil.rmtree(folder)


# (query, with {wh} the warehouse and {out} the sibling folder; why it must be refused)
REFUSED_READS = [
    ("select * from read_text('/etc/passwd')", "a system file"),
    ("select * from read_csv('{out}/x.csv')", "a CSV outside the warehouse"),
    ("select * from read_parquet('{out}/secret.parquet')", "a Parquet file outside the warehouse"),
    ("select * from '{out}/secret.parquet'", "the same file by a replacement scan (no function named)"),
    ("select * from read_text('{out}/x.txt')", "near-miss: a sibling folder sharing the warehouse's prefix"),
    ("select * from read_parquet('{out}/x.parquet')", "near-miss: a committed file's copy, one folder over"),
    ("select * from read_text('{wh}/../{out_name}/x.txt')", "a path inside the warehouse that climbs out"),
    ("select * from read_blob('/etc/hostname')", "bytes rather than text"),
    ("select * from glob('/etc/*')", "listing a folder outside"),
    ("select * from sniff_csv('/etc/passwd')", "any table function that opens files"),
]


@pytest.mark.parametrize(("query", "why"), REFUSED_READS, ids=[c[1] for c in REFUSED_READS])
def test_reading_outside_the_warehouse_is_refused(
    query: str, why: str, sample_warehouse: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = query.format(wh=sample_warehouse, out=outside, out_name=outside.name)
    assert main(["sql", sql, "--warehouse", str(sample_warehouse)]) == 2, why
    err = one_line_error(capsys)
    assert err.startswith("stancewire: SQL error: Permission Error"), (why, err)
    assert SECRET not in err


# (statement; why it must be refused). `stancewire sql` refuses any SET by its type already;
# the same statements on the connection itself meet the locked configuration.
REFUSED_SETTINGS = [
    ("SET enable_external_access = true", "switching external access back on"),
    ("SET GLOBAL enable_external_access = true", "the same, said globally"),
    ("SET allowed_directories = ['/']", "widening the allowed folders"),
    ("SET allowed_paths = ['/etc/passwd']", "allowing one more file"),
    ("RESET allowed_directories", "resetting the allowed folders to none (no check)"),
    ("RESET enable_external_access", "resetting external access to its default, on"),
    ("SET lock_configuration = false", "unlocking the configuration"),
    ("PRAGMA enable_external_access = true", "a SET spelt as a PRAGMA"),
]


@pytest.mark.parametrize(("statement", "why"), REFUSED_SETTINGS, ids=[c[1] for c in REFUSED_SETTINGS])
def test_the_cli_refuses_changing_the_file_access_settings(
    statement: str, why: str, sample_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", statement, "--warehouse", str(sample_warehouse)]) == 2, why
    assert "refused: a SET statement" in one_line_error(capsys)


@pytest.mark.parametrize(("statement", "why"), REFUSED_SETTINGS, ids=[c[1] for c in REFUSED_SETTINGS])
def test_the_connection_itself_cannot_change_them(
    statement: str, why: str, sample_warehouse: Path, outside: Path
) -> None:
    """The second line of defence, for every user of ``Warehouse.connect`` (the report too)."""
    with Warehouse(sample_warehouse).connect() as con:
        with pytest.raises(duckdb.Error, match=r"locked|Cannot enable external access"):
            con.execute(statement)
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"select * from read_text('{outside}/x.txt')").fetchall()
        assert con.execute("select count(*) from articles").fetchall()[0][0] > 0, "the views still work"


# (query, why it must still run)
ALLOWED_READS = [
    ("select count(*) as n from articles", "a view over the committed files"),
    ("select count(*) as n from dyads", "a ready-made view over a view"),
    ("select count(*) as n from read_parquet('{wh}/articles/*/*.parquet')", "a file inside the warehouse"),
    ("select count(*) as n from glob('{wh}/*/run_date=*/*.parquet')", "listing inside the warehouse"),
]


@pytest.mark.parametrize(("query", "why"), ALLOWED_READS, ids=[c[1] for c in ALLOWED_READS])
def test_reading_inside_the_warehouse_still_works(
    query: str, why: str, sample_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = query.format(wh=sample_warehouse)
    assert main(["sql", sql, "--warehouse", str(sample_warehouse), "--format", "csv"]) == 0, why
    assert int(capsys.readouterr().out.splitlines()[1]) > 0, why
    link = tmp_path / "link"  # the warehouse named by a symlink: DuckDB checks resolved paths
    link.symlink_to(sample_warehouse)
    assert main(["sql", query.format(wh=link), "--warehouse", str(link), "--format", "csv"]) == 0, why


def test_output_files_are_written_by_stancewire_not_duckdb(
    sample_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output is written by pyarrow, outside DuckDB's confinement: any folder works."""
    query = "select outlet, count(*) as n from articles group by all order by 1"
    for fmt in ("csv", "json", "table", "parquet"):
        out = tmp_path / f"result.{fmt}"
        args = ["sql", query, "--warehouse", str(sample_warehouse), "--format", fmt, "--output", str(out)]
        assert main(args) == 0, capsys.readouterr().err
        assert out.stat().st_size > 0, fmt
    assert not pd.read_parquet(tmp_path / "result.parquet").empty


def test_the_shell_is_confined_too(
    sample_warehouse: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter([f"select * from read_text('{outside}/x.txt');", "select count(*) from stances;", ".quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["sql", "--warehouse", str(sample_warehouse)]) == 0
    captured = capsys.readouterr()
    assert "SQL error: Permission Error" in captured.err and SECRET not in captured.out + captured.err
    assert "(1 row)" in captured.out, "the shell goes on, and reads the views"


def test_a_symlink_inside_the_warehouse_leading_out_is_refused(
    sample_warehouse: Path, outside: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB resolves symlinks before it checks a path, so a link cannot smuggle a file in."""
    # A copy of the catalog in a warehouse of its own: the shared sample warehouse stays as it is.
    root = tmp_path / "wh"
    root.mkdir()
    shutil.copyfile(sample_warehouse / "stancewire.duckdb", root / "stancewire.duckdb")
    (root / "escape").symlink_to(outside)
    query = f"select * from read_text('{root}/escape/x.txt')"
    assert main(["sql", query, "--warehouse", str(root)]) == 2
    assert "Permission Error" in one_line_error(capsys)
    # Its views name the sample warehouse's files, outside this one: refused just the same.
    assert main(["sql", "select count(*) from articles", "--warehouse", str(root)]) == 2
    assert "Permission Error" in one_line_error(capsys)


def test_two_connections_in_one_process_share_the_confinement(sample_warehouse: Path) -> None:
    """DuckDB gives both one database instance: the second finds the settings locked, and keeps them."""
    wh = Warehouse(sample_warehouse)
    with wh.connect() as first, wh.connect() as second:
        for con in (first, second):
            with pytest.raises(duckdb.PermissionException):
                con.execute("select * from read_text('/etc/passwd')").fetchall()
            assert con.execute("select count(*) from stances").fetchall()[0][0] > 0


def test_the_report_queries_run_on_the_confined_connection(sample_warehouse: Path) -> None:
    inputs = report_inputs(Warehouse(sample_warehouse))
    assert not inputs.files.empty and not inputs.dyads.empty
