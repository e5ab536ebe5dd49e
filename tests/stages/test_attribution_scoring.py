"""Attribution scores: cue overlap pairs (one-to-one, largest first), source and content hits."""

from __future__ import annotations

import pandas as pd
import pytest

from stages.attribution_scoring import (
    GoldAttribution,
    PredictedAttribution,
    Span,
    attribution_scores,
    match_cues,
    overlap,
    predicted_attribution,
    predicted_statements,
    token_f1,
)


def span(start: int, end: int, text: str = "") -> Span:
    return Span(((start, end),), text)


def pred(
    cue: tuple[int, int], speaker: tuple[int, int] | None = None, content: str | None = None
) -> PredictedAttribution:
    return PredictedAttribution(
        cue=span(*cue),
        speaker=None if speaker is None else span(*speaker),
        content=None if content is None else span(100, 100 + len(content), content),
    )


def gold(
    cue: tuple[int, int] | None, source: tuple[int, int] | None = None, content: str | None = None
) -> GoldAttribution:
    return GoldAttribution(
        cue=None if cue is None else span(*cue),
        source=None if source is None else span(*source),
        content=None if content is None else span(100, 100 + len(content), content),
    )


@pytest.mark.parametrize(
    ("a", "b", "shared", "why"),
    [
        (span(0, 5), span(3, 8), 2, "partial overlap"),
        (span(0, 5), span(5, 8), 0, "touching ends share nothing (end is exclusive)"),
        (span(2, 4), span(0, 10), 2, "one inside the other"),
        (Span(((0, 3), (10, 13)), ""), span(2, 11), 2, "a two-segment span counts only its segments"),
        (Span(((0, 3), (10, 13)), ""), span(4, 9), 0, "the gap between segments is not the span's"),
    ],
)
def test_overlap(a: Span, b: Span, shared: int, why: str) -> None:
    assert overlap(a, b) == shared == overlap(b, a), why


@pytest.mark.parametrize(
    ("predicted", "golds", "pairs", "why"),
    [
        ([pred((0, 4))], [gold((0, 4))], [(0, 0)], "same cue"),
        ([pred((0, 4))], [gold((4, 8))], [], "near miss: adjacent cues do not pair"),
        (
            [pred((0, 6))],
            [gold((0, 2)), gold((3, 6))],
            [(0, 1)],
            "one prediction pairs once: the larger overlap",
        ),
        (
            [pred((0, 3)), pred((0, 6))],
            [gold((0, 6))],
            [(1, 0)],
            "one gold pairs once: the prediction overlapping it most",
        ),
        (
            [pred((2, 6)), pred((5, 6))],
            [gold((0, 4)), gold((4, 8))],
            [(0, 0), (1, 1)],
            "tie (2 and 2): the earlier gold cue takes it, the later one pairs with what is left",
        ),
        (
            [pred((3, 5)), pred((0, 2))],
            [gold((0, 5))],
            [(1, 0)],
            "tie between predictions: the earlier predicted cue by offsets, not by list order",
        ),
        ([pred((0, 4))], [gold(None)], [], "a gold attribution without a cue pairs with nothing"),
        ([], [gold((0, 4))], [], "no predictions"),
        ([pred((0, 4))], [], [], "no gold"),
    ],
)
def test_match_cues(
    predicted: list[PredictedAttribution],
    golds: list[GoldAttribution],
    pairs: list[tuple[int, int]],
    why: str,
) -> None:
    assert match_cues(predicted, golds) == pairs, why


@pytest.mark.parametrize(
    ("predicted", "gold_text", "f1", "why"),
    [
        ("the tax plan", "The tax plan", 1.0, "casefolded"),
        ("a b", "a c", 0.5, "half the tokens shared: exactly the threshold"),
        ("a", "a b c", 0.5, "P 1, R 1/3: 2 x 1 / (1 + 3) is exactly 0.5"),
        ("a", "a b c d", 0.4, "just under the threshold"),
        ("“Taxes,” he said.", "taxes he said", 1.0, "punctuation separates, it is not a token"),
        ("a a", "a", 2 / 3, "multisets: the repeat is not shared twice"),
        ("", "a", 0.0, "no predicted token"),
        ("...", "...", 0.0, "no token on either side"),
    ],
)
def test_token_f1(predicted: str, gold_text: str, f1: float, why: str) -> None:
    assert token_f1(predicted, gold_text) == pytest.approx(f1), why


def test_source_and_content_over_pairs_and_all_predictions() -> None:
    predicted = [
        pred((10, 14), speaker=(0, 5), content="a b"),  # pairs; source and content hit (F1 0.5)
        pred((20, 24), speaker=(30, 33), content="x y"),  # pairs; speaker off the source, content off
        pred((40, 44), content="q"),  # pairs with a gold that has no source: no speaker, nothing to hit
        pred((60, 64), speaker=(55, 58), content="z"),  # pairs with nothing: counts against precision
    ]
    golds = [
        gold((11, 13), source=(2, 9), content="a c"),
        gold((20, 24), source=(25, 29), content="p r"),
        gold((40, 44), content="q"),
        gold((80, 84), source=(70, 75)),  # not found: counts against recall
        gold(None, source=(90, 95)),  # no cue: not scored
    ]
    scores = attribution_scores([(predicted, golds)])
    assert (scores["predicted"], scores["gold"], scores["gold_without_cue"], scores["cue_pairs"]) == (
        4,
        4,
        1,
        3,
    )
    assert (scores["cue_p"], scores["cue_r"], scores["cue_f1"]) == (0.75, 0.75, 0.75)
    # source: 1 hit; 3 predictions with a speaker; 3 scored gold with a source
    assert (scores["source_hits"], scores["predicted_with_speaker"], scores["gold_with_source"]) == (1, 3, 3)
    assert (scores["source_p"], scores["source_r"], scores["source_f1"]) == (0.3333, 0.3333, 0.3333)
    # content: hits for "a b"/"a c" (0.5) and "q"/"q"; 4 predicted with content, 3 gold
    assert (scores["content_hits"], scores["predicted_with_content"], scores["gold_with_content"]) == (
        2,
        4,
        3,
    )
    assert (scores["content_p"], scores["content_r"], scores["content_f1"]) == (0.5, 0.6667, 0.5714)


def test_a_null_gold_source_is_never_hit_and_a_speakerless_prediction_never_hits() -> None:
    scores = attribution_scores(
        [([pred((0, 4), speaker=(5, 9))], [gold((0, 4))]), ([pred((0, 4))], [gold((0, 4), source=(5, 9))])]
    )
    assert (scores["cue_pairs"], scores["source_hits"]) == (2, 0)
    assert (scores["predicted_with_speaker"], scores["gold_with_source"]) == (1, 1)
    assert scores["source_f1"] == 0.0


def test_pairs_stay_within_their_article() -> None:
    scores = attribution_scores([([pred((0, 4))], []), ([], [gold((0, 4))])])
    assert (scores["articles"], scores["cue_pairs"], scores["cue_f1"]) == (2, 0, 0.0)


@pytest.mark.parametrize("articles", [[], [([], [])]], ids=["no articles", "an article with nothing"])
def test_empty_input_scores_zero(
    articles: list[tuple[list[PredictedAttribution], list[GoldAttribution]]],
) -> None:
    scores = attribution_scores(articles)
    for key in ("cue_p", "cue_r", "cue_f1", "source_p", "source_r", "source_f1", "content_f1"):
        assert scores[key] == 0.0, key
    assert scores["articles"] == len(articles)


def test_a_table_row_with_nulls_becomes_a_prediction() -> None:
    row = {
        "cue": "said",
        "cue_start": 10,
        "cue_end": 14,
        "speaker": None,
        "speaker_start": pd.NA,
        "speaker_end": pd.NA,
        "content": "the plan works",
        "content_start": 16,
        "content_end": 30,
    }
    prediction = predicted_attribution(row)
    assert prediction.cue == span(10, 14, "said")
    assert prediction.speaker is None
    assert prediction.content == span(16, 30, "the plan works")


def _row(sentence: int, cue: tuple[int, int] | None, content: tuple[int, int], continued: bool) -> dict:
    return {
        "sentence_index": sentence,
        "continued_quote": continued,
        "cue": None if cue is None else "said",
        "cue_start": None if cue is None else cue[0],
        "cue_end": None if cue is None else cue[1],
        "speaker": "Doe",
        "speaker_start": 0,
        "speaker_end": 3,
        "content": f"c{sentence}",
        "content_start": content[0],
        "content_end": content[1],
    }


def test_a_continued_quotation_joins_the_statement_before() -> None:
    rows = [
        _row(2, None, (50, 60), True),  # out of order on purpose: statements are read by sentence
        _row(1, (4, 8), (10, 40), False),
        _row(3, None, (61, 70), True),
        _row(5, (80, 84), (85, 90), False),
    ]
    made = predicted_statements(rows)
    assert [m.cue.segments for m in made] == [((4, 8),), ((80, 84),)]
    assert made[0].content == Span(((10, 40), (50, 60), (61, 70)), "c1 c2 c3")
    assert made[1].content == span(85, 90, "c5")


def test_a_continued_quotation_with_nothing_before_it_is_dropped() -> None:
    assert predicted_statements([_row(0, None, (0, 5), True)]) == []
    assert predicted_statements([]) == []
