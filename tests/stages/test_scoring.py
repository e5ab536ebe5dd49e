"""Scoring: paragraph matches and leaked noise; shingle precision/recall as the extraction benchmark has them."""

from __future__ import annotations

import pytest

from stages.scoring import paragraph_counts, paragraph_scores, shingle_counts, token_scores


def test_paragraphs_match_after_folding_whitespace_and_count_leaked_noise() -> None:
    counts = paragraph_counts(
        predicted=["One  two\nthree.", "Related article: junk", "Extra."],
        gold=["One two three.", "Missing."],
        noise_lines=["Related article: junk", "https://never.example"],
    )
    assert (counts.true_positive, counts.predicted, counts.gold, counts.leaked_noise) == (1, 3, 2, 1)


def test_paragraph_scores_are_micro_averaged() -> None:
    scores = paragraph_scores([paragraph_counts(["a", "b"], ["a", "b"]), paragraph_counts(["x"], ["a", "b"])])
    assert scores["n"] == 2
    assert scores["paragraph_precision"] == pytest.approx(2 / 3)
    assert scores["paragraph_recall"] == pytest.approx(2 / 4)
    assert scores["paragraph_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_a_repeated_paragraph_counts_once_per_gold_copy() -> None:
    assert paragraph_counts(["a", "a"], ["a"]).true_positive == 1


SHINGLE_CASES = [
    # (predicted, gold, (tp, fp, fn) normalised, why)
    ("one two three four five", "one two three four five", (1.0, 0.0, 0.0), "identical"),
    (
        "menu menu menu menu one two three four",
        "one two three four",
        (0.2, 0.8, 0.0),
        "extra text costs precision",
    ),
    ("", "one two three four", (0.0, 0.0, 1.0), "nothing extracted costs recall"),
    ("", "", (0.0, 0.0, 0.0), "two empty texts: nothing to count"),
    ("One, two; three! four", "one two three four", (0.0, 0.5, 0.5), "tokens are \\w+ and case-sensitive"),
]


@pytest.mark.parametrize(
    ("pred", "gold", "expected", "why"), SHINGLE_CASES, ids=[c[3] for c in SHINGLE_CASES]
)
def test_shingle_counts(pred: str, gold: str, expected: tuple[float, float, float], why: str) -> None:
    assert shingle_counts(pred, gold) == pytest.approx(expected), why


def test_token_scores_average_documents_then_take_f1() -> None:
    scores = token_scores([(1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.0, 0.0, 1.0)])
    # precision over the docs with tp+fp>0: (1 + 0.5) / 2; recall over the docs with tp+fn>0: (1 + 1 + 0) / 3
    assert scores["token_precision"] == pytest.approx(0.75)
    assert scores["token_recall"] == pytest.approx(2 / 3)
    assert scores["token_f1"] == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert token_scores([])["token_f1"] == 0.0
