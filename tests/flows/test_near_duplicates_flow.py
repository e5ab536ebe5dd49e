"""Near-duplicates through the real flow: a story republished on a later night with a new headline and a
credit line is kept and marked, and counts once in stance_daily and the dyads view; a rebuild keeps it so."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

NIGHT1, NIGHT2 = "2026-11-28", "2026-11-29"
HEADLINE = "Blinken warns Moscow over Ukraine as Kremlin cites Crimea threat\n\n"
CREDIT = "\n\n(Reporting by Jane Doe in Washington; Editing by John Roe)\n"


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse / "stancewire.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory, seed_bytes: bytes) -> Path:
    from flows.nightly import nightly

    first, second = tmp_path_factory.mktemp("night1"), tmp_path_factory.mktemp("night2")
    (first / "seed.txt").write_bytes(seed_bytes)
    (second / "republished.txt").write_text(HEADLINE + seed_bytes.decode("utf-8") + CREDIT, encoding="utf-8")
    line = {"text": "The United States condemns Russia's attack on Ukraine.", "outlet": "whitehouse"}
    (second / "feed.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("warehouse")
    nightly(inbox=first, warehouse=root, run_date=date.fromisoformat(NIGHT1))
    nightly(inbox=second, warehouse=root, run_date=date.fromisoformat(NIGHT2))
    return root


def ids(warehouse: Path) -> dict[str, str]:
    return dict(query(warehouse, "select source_path, article_id from articles"))


def test_the_copy_is_kept_and_points_at_the_first_nights_article(warehouse: Path) -> None:
    rows = dict(query(warehouse, "select source_path, duplicate_of from articles"))
    assert rows == {"seed.txt": None, "republished.txt": ids(warehouse)["seed.txt"], "feed.jsonl": None}
    signed = query(
        warehouse, "select run_date::varchar, count(*), min(len(minhash)) from article_signatures group by 1"
    )
    assert sorted(signed) == [(NIGHT1, 1, 128), (NIGHT2, 1, 128)], (
        "the one-line feed article is too short to sign"
    )


def test_the_copy_keeps_its_stances_but_counts_once(warehouse: Path) -> None:
    copy = ids(warehouse)["republished.txt"]
    per_article = dict(query(warehouse, "select article_id, count(*) from stances group by 1"))
    assert per_article[copy] >= per_article[ids(warehouse)["seed.txt"]] > 0, "every article is tagged"
    assert query(warehouse, f"select count(*) from mentions where article_id = '{copy}'")[0][0] > 0
    # stance_daily and dyads count the rows between two different known actors (not, say, a
    # sentence's own attitude toward an actor, which has no source).
    dyadic = dict(
        query(
            warehouse,
            "select article_id, count(*) from stances where source_actor is not null "
            "and target_actor is not null and source_actor <> target_actor group by 1",
        )
    )
    feed = dyadic[ids(warehouse)["feed.jsonl"]]
    night2 = query(
        warehouse, f"select coalesce(sum(n_total), 0) from stance_daily where run_date = '{NIGHT2}'"
    )
    assert night2[0][0] == feed, "night 2 counts the new article, not the copy"
    total = query(warehouse, "select sum(n_total) from dyads")[0][0]
    assert total == dyadic[ids(warehouse)["seed.txt"]] + feed, "the dyads view counts the story once"


def test_a_rebuild_keeps_the_mark_and_still_leaves_the_copy_out(warehouse: Path) -> None:
    from flows.nightly import nightly

    before = query(
        warehouse, f"select * exclude (run_id) from stance_daily where run_date = '{NIGHT2}' order by all"
    )
    # As a deployment's parameters come (JSON strings): Prefect makes them a Path and a date.
    nightly(warehouse=str(warehouse), run_date=NIGHT2, rebuild=True)  # type: ignore[call-overload]
    assert (
        dict(query(warehouse, "select source_path, duplicate_of from articles"))["republished.txt"]
        == (ids(warehouse)["seed.txt"])
    )
    after = query(
        warehouse, f"select * exclude (run_id) from stance_daily where run_date = '{NIGHT2}' order by all"
    )
    assert after == before
