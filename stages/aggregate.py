"""Aggregation: ``stances`` + the day of each article -> ``stance_daily``.

The day of an article is its ``published_at`` date when known, else the run date
(the day stancewire first saw it).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from stages.schemas import STANCE_LABELS, frame


def article_days(articles: pd.DataFrame, run_date: date) -> pd.DataFrame:
    """``article_id`` -> ``day``: the UTC date of ``published_at``, or ``run_date`` when unknown."""
    published = pd.to_datetime(articles["published_at"], utc=True)
    day = published.dt.date.astype(object).where(published.notna(), run_date)
    return pd.DataFrame(
        {"article_id": articles["article_id"].astype("str").to_numpy(), "day": day.to_numpy()}
    ).astype({"article_id": "str"})


def stances_of_originals(stances: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """The stances whose article is not a near-duplicate of another (``articles.duplicate_of``
    null): a story republished under another headline counts once in ``stance_daily``. Articles
    not in ``articles`` are kept; the input is not changed."""
    copies = articles.loc[articles["duplicate_of"].notna(), "article_id"].astype("str")
    return stances[~stances["article_id"].astype("str").isin(set(copies))].reset_index(drop=True)


def between_actors(stances: pd.DataFrame) -> pd.DataFrame:
    """The stances with both actor ids known and different: what a count by actor pair holds. A
    stance with a null id (no affiliation known) or within one actor ("Biden praised Blinken",
    USA -> USA) is one between named entities, counted by the ``entity_dyads`` view instead."""
    source, target = stances["source_actor"], stances["target_actor"]
    return stances[source.notna() & target.notna() & (source != target)]


def aggregate_daily(stances: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """Count stances per (day, source_actor, target_actor) with their mean score.

    ``stances`` needs ``article_id``, ``source_actor``, ``target_actor``, ``stance``
    and ``score``; ``days`` maps ``article_id`` to ``day`` (see ``article_days``).
    A stance whose article has no day is an error: it would silently drop out.
    Only stances between two different known actor ids are counted (``between_actors``).
    """
    keyed = between_actors(stances)[["article_id", "source_actor", "target_actor", "stance", "score"]].astype(
        {"article_id": "str", "score": "float64"}
    )
    merged = keyed.merge(
        days.astype({"article_id": "str"}), on="article_id", how="left", validate="many_to_one"
    )
    if merged["day"].isna().any():
        missing = sorted(merged.loc[merged["day"].isna(), "article_id"].unique())[:5]
        raise ValueError(f"stances refer to articles with no day: {missing}")
    for label in STANCE_LABELS:
        merged[f"n_{label}"] = (merged["stance"] == label).astype("int64")
    grouped = (
        merged.groupby(["day", "source_actor", "target_actor"], sort=True)
        .agg(
            **{f"n_{label}": (f"n_{label}", "sum") for label in STANCE_LABELS},
            n_total=("stance", "size"),
            mean_score=("score", "mean"),
        )
        .reset_index()
    )
    return frame("stance_daily", grouped.assign(mean_score=grouped["mean_score"].astype("float64").round(6)))
