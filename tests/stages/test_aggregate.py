"""Aggregation: counts per day and pair, the day from published_at or else the run date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from stages.aggregate import aggregate_daily, article_days

RUN_DATE = date(2026, 11, 29)


def stances(*rows: tuple[str, str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["article_id", "source_actor", "target_actor", "stance", "score"])


def test_counts_and_mean_score_per_day_and_pair() -> None:
    days = article_days(
        pd.DataFrame({"article_id": ["a", "b"], "published_at": [pd.Timestamp("2022-09-30T23:00Z"), pd.NaT]}),
        RUN_DATE,
    )
    daily = aggregate_daily(
        stances(
            ("a", "USA", "RUS", "against", -0.8),
            ("a", "USA", "RUS", "favor", 0.4),
            ("b", "USA", "RUS", "against", -1.0),
            ("b", "RUS", "NATO", "neutral", 0.0),
        ),
        days,
    )
    assert daily.drop(columns=["mean_score"]).values.tolist() == [
        [date(2022, 9, 30), "USA", "RUS", 1, 1, 0, 2],
        [RUN_DATE, "RUS", "NATO", 0, 0, 1, 1],
        [RUN_DATE, "USA", "RUS", 0, 1, 0, 1],
    ], "an unknown publication date falls back to the run date"
    assert daily["mean_score"].tolist() == pytest.approx([-0.2, 0.0, -1.0])


def test_a_stance_of_an_unknown_article_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(ValueError, match="no day"):
        aggregate_daily(
            stances(("zz", "USA", "RUS", "against", -1.0)),
            article_days(pd.DataFrame({"article_id": ["a"], "published_at": [pd.NaT]}), RUN_DATE),
        )


def test_no_stances_no_rows() -> None:
    days = article_days(
        pd.DataFrame({"article_id": [], "published_at": pd.Series([], dtype="datetime64[us, UTC]")}), RUN_DATE
    )
    assert aggregate_daily(stances(), days).empty


def test_stances_of_near_duplicates_are_left_out_and_the_rest_kept() -> None:
    from stages.aggregate import stances_of_originals

    articles = pd.DataFrame({"article_id": ["a", "b", "c"], "duplicate_of": [None, "a", None]})
    rows = stances(("a", "USA", "RUS", "against", -1.0), ("b", "USA", "RUS", "against", -1.0))
    kept = stances_of_originals(rows, articles)
    assert kept["article_id"].tolist() == ["a"], "b copies a: its stances count once, as a's"
    assert len(rows) == 2, "the input is not changed"
    assert stances_of_originals(stances(), articles).empty


BETWEEN_CASES = [
    # (source_actor, target_actor, counted?, why)
    ("USA", "RUS", True, "two known, different actors"),
    ("USA", "USA", False, "within one actor (Biden -> Blinken): entity_dyads only"),
    (None, "RUS", False, "no affiliation known for the source"),
    ("USA", None, False, "no affiliation known for the target"),
    (None, None, False, "neither known"),
]


@pytest.mark.parametrize(
    ("source", "target", "counted", "why"), BETWEEN_CASES, ids=[c[-1] for c in BETWEEN_CASES]
)
def test_only_stances_between_two_known_actors_are_counted(
    source: str | None, target: str | None, counted: bool, why: str
) -> None:
    days = article_days(pd.DataFrame({"article_id": ["a"], "published_at": [pd.NaT]}), RUN_DATE)
    rows = stances(("a", "UKR", "RUS", "against", -1.0), ("a", source, target, "favor", 1.0))  # type: ignore[arg-type]
    daily = aggregate_daily(rows, days)
    assert daily["n_total"].sum() == (2 if counted else 1), why
    assert len(rows) == 2, "the input is not changed"
