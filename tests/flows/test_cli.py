"""The command line: help everywhere, user mistakes as one line with a non-zero exit, SQL output formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flows.cli import main
from flows.settings import PROJECT_ROOT
from flows.storage import Warehouse


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("stancewire: ") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sql", "--help"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0 and "usage: stancewire" in capsys.readouterr().out


MISTAKES = [
    # (argv, what the one line must say, why)
    (["run", "--inbox", "/no/such/inbox"], "is not a folder", "a missing inbox"),
    (["run", "--date", "2026-13-40"], "not a date", "a bad date"),
    (["run", "--chunk-size", "0"], "at least 1", "a chunk size that cannot work"),
    (["run", "--workers", "-1"], "--workers must be 0 (the run's own process) or more", "no such count"),
    (["run", "--scheduler", "localhost"], "--scheduler must be a Dask scheduler address", "no port"),
    (
        ["backfill", "--from", "2026-11-01", "--to", "2026-11-02", "--scheduler", "http://h:1"],
        "tcp://",
        "not Dask's",
    ),
    (["frobnicate"], "invalid choice", "an unknown command"),
    (["sql", "x", "--format", "parquet"], "needs --output", "parquet goes to a file, not the terminal"),
    (["sql", "/no/such/query.sql"], "cannot read", "a missing .sql file"),
]


@pytest.mark.parametrize(("argv", "message", "why"), MISTAKES, ids=[m[2] for m in MISTAKES])
def test_user_mistakes_are_one_line(
    argv: list[str], message: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    assert code == 2, why
    assert message in one_line_error(capsys)


@pytest.fixture
def warehouse(tmp_path: Path, publish_night: Any) -> Path:
    wh = Warehouse(tmp_path / "wh")
    wh.begin("r1")
    frame = pd.DataFrame(
        {
            "source_path": ["a.txt", "b,c.txt"],
            "source_line": pd.array([None, 3], dtype="Int64"),
            "reason": ["empty", "bad_json"],
            "detail": ["file is empty", "line is not JSON"],
            "file_sha256": [None, None],
            "quarantined_path": [None, None],
        }
    )
    wh.write_part("r1", "rejects", date(2026, 11, 29), frame, "00000")
    publish_night(wh, "r1", date(2026, 11, 29), ["rejects"], replace=["rejects"])
    wh.refresh_catalog()
    return wh.location.local


def test_sql_formats(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select source_path, reason, run_date from rejects order by 1"
    assert main(["sql", query, "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "b,c.txt" in out and "bad_json" in out and "(2 rows)" in out
    assert main(["sql", query, "--warehouse", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == '"b,c.txt","bad_json",2026-11-29'
    assert main(["sql", query, "--warehouse", str(warehouse), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0] == {
        "source_path": "a.txt",
        "reason": "empty",
        "run_date": "2026-11-29",
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("selec nothing", "SQL error"),
        ("select * from no_such_table", "SQL error"),
        ("create table x as select 1", "refused: a CREATE statement"),
        ("drop view rejects", "refused: a DROP statement"),
        ("select 1; drop view rejects", "refused: a DROP statement"),
        ("copy rejects to 'out.csv'", "refused: a COPY statement"),
        ("attach 'other.duckdb'", "refused: a ATTACH statement"),
        ("insert into rejects select * from rejects", "refused: a INSERT statement"),
        ("", "no SQL statement"),
    ],
)
def test_bad_or_writing_sql_is_one_line(
    warehouse: Path, query: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", query, "--warehouse", str(warehouse)]) == 2
    assert message in one_line_error(capsys)


def test_sql_before_any_run_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "select 1", "--warehouse", str(tmp_path / "empty")]) == 2
    assert "stancewire run" in one_line_error(capsys)


def test_a_run_on_a_busy_warehouse_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = Warehouse(tmp_path / "wh")
    with wh.lock("the-other-run"):
        assert main(["run", "--warehouse", str(wh.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("stancewire: warehouse busy: another run (the-other-run") and err.count("\n") == 1


def test_serve_registers_a_cron_deployment_of_the_nightly_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.nightly import nightly

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(nightly, "serve", lambda **kwargs: calls.append(kwargs))
    assert (
        main(["serve", "--cron", "30 3 * * *", "--timezone", "Europe/Berlin", "--warehouse", str(tmp_path)])
        == 0
    )
    (call,) = calls
    schedules: Any = call["schedules"]
    (schedule,) = schedules
    assert (schedule.cron, schedule.timezone) == ("30 3 * * *", "Europe/Berlin")
    assert call["name"] == "nightly" and call["parameters"] == {
        "inbox": str(PROJECT_ROOT / "data" / "samples"),
        "warehouse": str(tmp_path.resolve()),
    }
    assert "serving stancewire-nightly/nightly" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--cron", "every night"], "Invalid cron"),
        (["serve", "--timezone", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_serve_mistakes_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_sql_shows_intervals_in_every_format(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select interval 3723 seconds + interval 500 milliseconds as took"
    for fmt in ("table", "csv", "json"):
        assert main(["sql", query, "--warehouse", str(warehouse), "--format", fmt]) == 0
        assert "01:02:03.500" in capsys.readouterr().out


@pytest.mark.parametrize(
    "query",
    [
        "select count(*) from rejects",
        "with r as (select * from rejects) select count(*) from r",
        "describe rejects",
        "explain select * from rejects",
        "from rejects select reason",
    ],
    ids=["select", "with", "describe", "explain", "from-first"],
)
def test_read_only_statements_run(warehouse: Path, query: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Near-misses of the refused statements: every kind of read runs."""
    assert main(["sql", query, "--warehouse", str(warehouse)]) == 0
    assert "row" in capsys.readouterr().out


def test_a_sql_file_and_parquet_output(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "reasons.sql"
    script.write_text("-- reasons\nselect reason from rejects order by 1;\n")
    assert main(["sql", str(script), "--warehouse", str(warehouse)]) == 0
    assert "bad_json" in capsys.readouterr().out
    out = tmp_path / "reasons.parquet"
    assert (
        main(["sql", str(script), "--warehouse", str(warehouse), "--format", "parquet", "--output", str(out)])
        == 0
    )
    assert pd.read_parquet(out)["reason"].tolist() == ["bad_json", "empty"]


def test_the_shell_runs_statements_until_quit(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(
        ["select reason", "from rejects order by 1;", "drop view rejects;", "selec;", ".tables", ".quit"]
    )
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["sql", "--warehouse", str(warehouse)]) == 0
    captured = capsys.readouterr()
    assert "bad_json" in captured.out and "rejects" in captured.out, "a two-line statement and .tables"
    assert "refused: a DROP statement" in captured.err and "SQL error" in captured.err, "errors do not end it"
    assert main(["sql", "select count(*) from rejects", "--warehouse", str(warehouse)]) == 0, (
        "nothing dropped"
    )
