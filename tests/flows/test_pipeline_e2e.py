"""End to end: the real Prefect flow over a small inbox, results read back through DuckDB.

Uses one Prefect test harness for the session (see conftest). The inbox holds the
seed, a JSONL feed with one bad line, a binary file and an exact duplicate of the seed.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.cli import main
from flows.settings import PROJECT_ROOT, load_settings
from flows.sources import InboxSource
from flows.storage import Warehouse
from flows.validation import ValidationFailed

RUN_DATE = "2026-11-29"
KEY = ("sentence_index", "source_actor", "target_actor", "stance")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, seed_bytes: bytes) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    (root / "seed.txt").write_bytes(seed_bytes)
    (root / "uploads").mkdir()
    (root / "uploads" / "seed-copy.txt").write_bytes(seed_bytes)  # listed after seed.txt: the duplicate
    (root / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    feed: list[object] = [
        {
            "text": "The United States condemns Russia's attack on Ukraine.",
            "published_at": "2022-10-10",
            "outlet": "whitehouse",
        },
        "this line is not JSON",
        {
            "text": "El presidente Putin criticó duramente a la OTAN y advirtió a Ucrania el martes.",
            "outlet": "efe",
        },
    ]
    (root / "feed.jsonl").write_text(
        "\n".join(json.dumps(f) if isinstance(f, dict) else str(f) for f in feed) + "\n"
    )
    return root


@pytest.fixture(scope="module")
def warehouse(prefect_harness: None, inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("warehouse")
    # Several chunks and two workers: the stages after ingest run in worker processes.
    nightly(inbox=inbox, warehouse=root, run_date=date.fromisoformat(RUN_DATE), chunk_size=2, workers=2)
    return root


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse / "stancewire.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


def seed_id(warehouse: Path) -> str:
    return str(query(warehouse, "select article_id from articles where source_path = 'seed.txt'")[0][0])


def test_seed_sentences_and_core_triples_through_duckdb(warehouse: Path, gold: dict[str, Any]) -> None:
    aid = seed_id(warehouse)
    texts = query(warehouse, f"select text from sentences where article_id = '{aid}' order by sentence_index")
    assert [t for (t,) in texts] == gold["sentences"]
    # A holder's triples: rows without a source are the sentences' own attitudes (sentence model).
    got = set(
        query(
            warehouse,
            f"select {', '.join(KEY)} from stances where article_id = '{aid}' and source_name is not null",
        )
    )
    core = {tuple(c[k] for k in KEY) for c in gold["stances"]["core"]}
    acceptable = {tuple(c[k] for k in KEY) for c in gold["stances"]["acceptable"]}
    assert len(core & got) >= 10, sorted(core - got)
    assert len({t for t in got - core - acceptable if t[3] != "neutral"}) <= 3


def test_mentions_cover_every_actor_named(warehouse: Path) -> None:
    aid = seed_id(warehouse)
    actors = dict(
        query(warehouse, f"select actor_id, count(*) from mentions where article_id = '{aid}' group by 1")
    )
    assert actors["RUS"] >= 15 and actors["USA"] >= 10 and actors["UKR"] >= 10 and actors["NATO"] >= 4


def test_bad_input_is_quarantined_with_its_reason_and_the_rest_goes_on(warehouse: Path) -> None:
    rejects = query(
        warehouse, "select source_path, source_line, reason, quarantined_path from rejects order by 1, 2"
    )
    assert [r[:3] for r in rejects] == [
        ("broken.txt", None, "binary"),
        ("feed.jsonl", 2, "bad_json"),
        ("feed.jsonl", 3, "non_english"),
        ("uploads/seed-copy.txt", None, "duplicate"),
    ]
    assert rejects[2][3] is None and rejects[3][3] is None, "kept or duplicate, not broken: not quarantined"
    assert (warehouse / rejects[0][3]).read_bytes().startswith(b"\x00\x01")
    assert query(warehouse, "select count(*), count(distinct article_id) from articles") == [(3, 3)]


def test_non_english_articles_are_flagged_and_not_tagged(warehouse: Path) -> None:
    languages = dict(
        query(
            warehouse,
            "select distinct a.outlet, p.language from articles a join paragraphs p using (article_id) where a.outlet is not null",
        )
    )
    assert languages == {"whitehouse": "en", "efe": "es"}
    assert query(
        warehouse, "select count(*) from stances join articles using (article_id) where outlet = 'efe'"
    ) == [(0,)]
    rejected = query(
        warehouse,
        "select source_path, source_line, file_sha256 is not null from rejects where reason = 'non_english'",
    )
    assert rejected == [("feed.jsonl", 3, True)], "also counted in rejects, with the file's hash"


def test_daily_table_uses_publication_day_and_dq_results_are_all_green(warehouse: Path) -> None:
    days = dict(query(warehouse, "select day::varchar, sum(n_total) from stance_daily group by 1"))
    assert days["2022-10-10"] >= 1 and days[RUN_DATE] >= 10
    dq = query(warehouse, "select table_name, success, n_batches from dq_results order by 1")
    assert {t for t, _, _ in dq} == {
        "article_signatures",
        "attributions",
        "files",
        "mentions",
        "articles",
        "paragraphs",
        "rejects",
        "removed",
        "runs",
        "sentences",
        "stance_daily",
        "stances",
    }
    assert all(ok for _, ok, _ in dq)
    assert dict((t, n) for t, _, n in dq)["sentences"] == 2, "four files in chunks of two: two chunks"
    assert (warehouse / "reports" / "data_docs" / "index.html").is_file()


def test_rerun_of_the_same_night_duplicates_nothing_and_only_adds_a_runs_row(
    warehouse: Path, inbox: Path
) -> None:
    from flows.nightly import nightly

    tables = ("articles", "rejects", "sentences", "stances", "stance_daily", "files", "dq_results")
    before = {t: query(warehouse, f"select count(*) from {t}") for t in tables}
    versions_before = Warehouse(warehouse).published().versions
    nightly(inbox=inbox, warehouse=warehouse, run_date=date.fromisoformat(RUN_DATE), chunk_size=2)
    assert {t: query(warehouse, f"select count(*) from {t}") for t in tables} == before
    after = Warehouse(warehouse)
    assert after.published().versions == versions_before, "no table but runs got a new version"
    assert after.tables.latest_version("articles") == versions_before["articles"], "nor a commit"
    runs = query(warehouse, "select n_files, n_skipped, n_articles from runs order by started_at, run_id")
    assert runs[-1] == (4, 4, 0), "the second run found every file already processed"


def test_a_new_file_on_the_same_night_is_added_to_it(warehouse: Path, inbox: Path, tmp_path: Path) -> None:
    from flows.nightly import nightly

    shutil.copytree(inbox, tmp_path / "inbox", symlinks=True)
    (tmp_path / "inbox" / "late.txt").write_text("Lavrov accused NATO of provocations on Tuesday.")
    articles = query(warehouse, "select count(*) from articles")[0][0]
    nightly(
        inbox=tmp_path / "inbox", warehouse=warehouse, run_date=date.fromisoformat(RUN_DATE), chunk_size=2
    )
    assert query(warehouse, "select count(*) from articles")[0][0] == articles + 1
    late = query(
        warehouse,
        "select distinct source_actor, target_actor, stance from stances join articles using (article_id) "
        "where source_path = 'late.txt' and stance <> 'neutral'",
    )
    assert late == [("RUS", "NATO", "against")]
    daily = query(
        warehouse,
        "select sum(n_total) from stance_daily where source_actor = 'RUS' and target_actor = 'NATO'",
    )
    stances = query(
        warehouse, "select count(*) from stances where source_actor = 'RUS' and target_actor = 'NATO'"
    )
    assert daily == stances, "stance_daily is recomputed over the whole night"


def test_cli_sql_reads_the_flow_output(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "select source_actor, target_actor, stance, count(*) from stances group by all order by 4 desc"
    assert main(["sql", sql, "--warehouse", str(warehouse)]) == 0
    assert "USA" in capsys.readouterr().out


def test_a_failing_suite_stops_the_run_and_publishes_nothing(
    warehouse: Path, inbox: Path, tmp_path: Path
) -> None:
    from prefect import flow

    from flows.nightly import run_pipeline

    strict = tmp_path / "expectations"
    shutil.copytree(PROJECT_ROOT / "expectations", strict)
    suite = json.loads((strict / "stances.json").read_text())
    suite["expectations"].append(
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "stance", "value_set": ["favor"]}}
    )
    (strict / "stances.json").write_text(json.dumps(suite))
    fresh = tmp_path / "fresh-warehouse"
    settings = load_settings().with_overrides(warehouse=fresh, expectations_dir=strict, data_docs=False)

    @flow(validate_parameters=False)
    def strict_run() -> None:
        run_pipeline(settings, InboxSource(inbox), date(2026, 11, 30))

    with pytest.raises(ValidationFailed, match=r"'stances' failed .*expect_column_values_to_be_in_set"):
        strict_run()
    assert Warehouse(fresh).read_table("articles").empty, "the failed night published nothing"
    assert not (fresh / ".lock").exists(), "the lock is released on failure"


def test_each_run_publishes_a_prefect_artifact_with_counts_rejects_and_checks(warehouse: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["stancewire-run"]))
        )
    mine = [str(a.data) for a in artifacts if f"Tables: `{warehouse}`" in str(a.data)]
    assert mine, "the run summary artifact of this warehouse exists"
    text = mine[-1]
    assert "| stances |" in text and "- binary: 1" in text and "| sentences |" in text and "Data Docs" in text
