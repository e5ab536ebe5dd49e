"""Recall and precision of stance rows against event-coded sentences (stages.pipeline_scoring)."""

from __future__ import annotations

import pytest

from stages.pipeline_scoring import EventCase, PredictedPair, has_country_pair, pipeline_scores

COUNTRIES = {"USA", "RUS", "UKR", "FRA"}
ORGANISATIONS = {"NATO", "UN"}


def case(source: str, target: str, stance: str = "against", case_id: str = "1") -> EventCase:
    return EventCase(case_id, frozenset(source.split()), frozenset(target.split()), stance)


def row(source: str | None, target: str | None, stance: str) -> PredictedPair:
    return PredictedPair(source, target, stance)


# (gold case, the rows predicted for it, recall, precision, why)
CASES = [
    (case("USA", "RUS"), [row("USA", "RUS", "against")], 1.0, 1.0, "right pair, right sign"),
    (case("USA", "RUS"), [row("USA", "RUS", "favor")], 0.0, 0.0, "right pair, wrong sign"),
    (case("USA", "RUS"), [row("RUS", "USA", "against")], 0.0, 0.0, "the pair reversed is not the pair"),
    (
        case("USA", "RUS"),
        [row("USA", "RUS", "neutral")],
        0.0,
        0.0,
        "a neutral row finds nothing and is not scored",
    ),
    (case("USA FRA", "RUS"), [row("FRA", "RUS", "against")], 1.0, 1.0, "any of the source codes"),
    (
        case("USA", "IGO"),
        [row("USA", "NATO", "against")],
        0.0,
        1.0,
        "IGO fits an organisation: precision only",
    ),
    (case("USA", "IGO"), [row("USA", "RUS", "against")], 0.0, 0.0, "IGO does not fit a country"),
    (case("USA", "RUS"), [], 0.0, 0.0, "no rows: nothing found, nothing scored"),
    (
        case("USA", "RUS"),
        [row("USA", "RUS", "against"), row("USA", "UKR", "favor")],
        1.0,
        0.5,
        "a second, wrong row halves precision, not recall",
    ),
    (
        case("USA", "RUS"),
        [row("USA", "RUS", "against"), row(None, "RUS", "against")],
        1.0,
        1.0,
        "a row with a null code has no pair to fit: left out of precision",
    ),
    (
        case("USA", "RUS"),
        [row("USA", "RUS", "against"), row("USA", "USA", "against")],
        1.0,
        1.0,
        "a row within one actor is not an event between two: left out of precision",
    ),
    (case("USA", "USA"), [row("USA", "USA", "against")], 0.0, 0.0, "near-miss: even where gold is domestic"),
    (case("USA", "RUS"), [row("USA", None, "favor")], 0.0, 0.0, "only uncoded rows: nothing scored"),
]


@pytest.mark.parametrize(("gold", "rows", "recall", "precision", "why"), CASES, ids=[c[-1] for c in CASES])
def test_scores(
    gold: EventCase, rows: list[PredictedPair], recall: float, precision: float, why: str
) -> None:
    scores = pipeline_scores([gold], {gold.case_id: rows}, countries=COUNTRIES, organisations=ORGANISATIONS)
    assert (scores["recall"], scores["precision"]) == (recall, precision), why


@pytest.mark.parametrize(
    ("gold", "paired", "why"),
    [
        (case("USA", "RUS"), True, "two countries"),
        (case("USA", "USA"), False, "one country on both sides"),
        (case("USA", "IGO"), False, "an organisation is not a country"),
        (case("USA", ""), False, "no target"),
        (case("USA RUS", "RUS"), True, "some source differs from some target"),
    ],
)
def test_which_sentences_have_a_country_pair(gold: EventCase, paired: bool, why: str) -> None:
    assert has_country_pair(gold, COUNTRIES) is paired, why


def test_recall_counts_only_sentences_with_a_country_pair() -> None:
    gold = [case("USA", "RUS", case_id="a"), case("USA", "IGO", case_id="b")]
    scores = pipeline_scores(
        gold, {"a": [row("USA", "RUS", "against")]}, countries=COUNTRIES, organisations=ORGANISATIONS
    )
    assert scores["recall"] == 1.0
    assert scores["sentences_with_country_pair"] == 1


def test_empty_input_scores_zero() -> None:
    scores = pipeline_scores([], {}, countries=COUNTRIES, organisations=ORGANISATIONS)
    assert scores["recall"] == scores["precision"] == 0.0
    assert scores["sentences"] == 0


def test_rows_left_out_of_precision_are_counted_apart() -> None:
    rows = [row("USA", "RUS", "against"), row(None, "RUS", "against"), row(None, None, "favor")]
    rows += [row("USA", "USA", "favor"), row("USA", "USA", "neutral")]
    scores = pipeline_scores(
        [case("USA", "RUS")], {"1": rows}, countries=COUNTRIES, organisations=ORGANISATIONS
    )
    assert (scores["non_neutral_rows"], scores["right_rows"]) == (1, 1)
    assert (scores["uncoded_rows"], scores["within_one_actor_rows"]) == (2, 1), "neutral rows are not counted"
