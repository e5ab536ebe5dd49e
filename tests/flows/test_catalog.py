"""The DuckDB catalog's ready-made views over committed tables: ``entity_dyads``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flows.catalog import READY_VIEWS
from flows.storage import Warehouse
from stages.schemas import frame

RUN = "20261129-000000-catalog0"
DAY = date(2026, 11, 29)
A, B, COPY = "a" * 16, "b" * 16, "c" * 16


def article(
    article_id: str, published_at: datetime | None, duplicate_of: str | None = None
) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "source_path": f"{article_id}.txt",
        "format": "txt",
        "published_at": published_at,
        "raw_text": "text",
        "encoding": "utf-8",
        "ingested_at": datetime(2026, 11, 29, tzinfo=UTC),
        "duplicate_of": duplicate_of,
    }


def stance(
    article_id: str,
    index: int,
    source: tuple[str | None, str, str | None],
    target: tuple[str | None, str, str | None],
    label: str,
    score: float,
) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "sentence_index": index,
        "speaker": source[1],
        "source_actor": source[0],
        "source_name": source[1],
        "source_role": source[2],
        "target_actor": target[0],
        "target_name": target[1],
        "target_role": target[2],
        "stance": label,
        "score": score,
        "cue": "praised",
        "is_quote": False,
    }


BIDEN = ("USA", "Joe Biden", "GOV")
BLINKEN = ("USA", "Antony Blinken", "GOV")
ROE = (None, "Jane Roe", None)
LAVROV = ("RUS", "Sergei Lavrov", None)


def test_entity_dyads_counts_every_stance_row_by_named_pair_and_day(
    tmp_path: Path, publish_night: Any
) -> None:
    store = Warehouse(tmp_path)
    store.begin(RUN)
    articles = [
        article(A, datetime(2026, 11, 28, 23, 30, tzinfo=UTC)),  # its UTC day, not the run date
        article(B, None),  # no publication time: the run date
        article(COPY, None, duplicate_of=B),  # a near-duplicate counts once: left out
    ]
    rows = [
        stance(A, 0, BIDEN, BLINKEN, "favor", 0.8),  # within one actor: not in stance_daily
        stance(A, 1, BIDEN, BLINKEN, "against", -0.4),
        stance(B, 0, BIDEN, BLINKEN, "favor", 0.6),
        stance(B, 1, ROE, LAVROV, "against", -0.9),  # a null actor id: kept here
        stance(B, 2, LAVROV, BIDEN, "neutral", 0.0),  # between two actors: here too
        stance(COPY, 0, BIDEN, BLINKEN, "favor", 0.6),
    ]
    store.write_part(RUN, "articles", DAY, frame("articles", articles), "p0")
    store.write_part(RUN, "stances", DAY, frame("stances", rows), "p0")
    publish_night(store, RUN, DAY, ["articles", "stances"])
    store.refresh_catalog()
    with store.connect() as con:
        got = con.sql(
            "select day, source_name, source_role, source_actor, target_name, target_role, target_actor, "
            "n_favor, n_against, n_neutral, n_total, mean_score from entity_dyads order by all"
        ).fetchall()
        comment = con.sql("select comment from duckdb_views() where view_name = 'entity_dyads'").fetchall()
    assert got == [
        (date(2026, 11, 28), "Joe Biden", "GOV", "USA", "Antony Blinken", "GOV", "USA", 1, 1, 0, 2, 0.2),
        (DAY, "Jane Roe", None, None, "Sergei Lavrov", None, "RUS", 0, 1, 0, 1, -0.9),
        (DAY, "Joe Biden", "GOV", "USA", "Antony Blinken", "GOV", "USA", 1, 0, 0, 1, 0.6),
        (DAY, "Sergei Lavrov", None, "RUS", "Joe Biden", "GOV", "USA", 0, 0, 1, 1, 0.0),
    ]
    assert comment == [(READY_VIEWS["entity_dyads"][1],)], "the view carries its description"


def test_entity_dyads_is_empty_without_stances(tmp_path: Path, publish_night: Any) -> None:
    store = Warehouse(tmp_path)
    store.begin(RUN)
    store.write_part(RUN, "articles", DAY, frame("articles", [article(A, None)]), "p0")
    store.write_part(RUN, "stances", DAY, frame("stances", []), "p0")
    publish_night(store, RUN, DAY, ["articles", "stances"])
    store.refresh_catalog()
    with store.connect() as con:
        assert con.sql("select count(*) from entity_dyads").fetchall() == [(0,)]
