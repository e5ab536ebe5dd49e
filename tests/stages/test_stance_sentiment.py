"""The target-dependent proximity features of ``stages.stance.sentiment`` (the classifier itself is
tested through ``stancewire train stance`` in tests/flows/test_training.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from flows.settings import PROJECT_ROOT
from stages.stance.sentiment import LABELS, new_model

LEFT_NET, RIGHT_NET = 2, 5  # columns: left pos, neg, net; right pos, neg, net


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return new_model(SentimentIntensityAnalyzer())


def _span(sentence: str, target: str) -> tuple[int, int]:
    start = sentence.index(target)
    return start, start + len(target)


CASES = [
    ("The brilliant Smith arrived.", "Smith", 1, 0, "a positive word before the target counts on the left"),
    ("Smith arrived, sadly.", "Smith", 0, -1, "a negative word after the target counts on the right"),
    ("Smith is not brilliant.", "Smith", 0, -1, "a negation within three tokens flips the valence"),
    (
        "Smith is not, as we know, at all brilliant.",
        "Smith",
        0,
        1,
        "near-miss: more than three tokens after the negation",
    ),
    ("Smith met Jones in Ohio.", "Smith", 0, 0, "no lexicon word: all zero"),
    ("The brilliant Smith arrived.", "brilliant", 0, 0, "a lexicon word inside the target is not counted"),
]


@pytest.mark.parametrize(("sentence", "target", "left", "right", "why"), CASES, ids=[c[-1] for c in CASES])
def test_proximity_signs(model, sentence: str, target: str, left: int, right: int, why: str) -> None:  # type: ignore[no-untyped-def]
    row = model._proximity([(sentence, _span(sentence, target))]).toarray()[0]
    assert (int(np.sign(row[LEFT_NET])), int(np.sign(row[RIGHT_NET]))) == (left, right), why


def test_nearer_words_weigh_more(model) -> None:  # type: ignore[no-untyped-def]
    sentence = "Smith met the awful Jones."
    near = model._proximity([(sentence, _span(sentence, "Jones"))]).toarray()[0]
    far = model._proximity([(sentence, _span(sentence, "Smith"))]).toarray()[0]
    assert near[LEFT_NET] < far[RIGHT_NET] < 0, "'awful' is next to Jones and three tokens from Smith"


def test_empty_input(model) -> None:  # type: ignore[no-untyped-def]
    assert model._proximity([]).shape == (0, 6)
    assert model._proximity([("", (0, 0))]).toarray().tolist() == [[0.0] * 6]


def test_labels_are_the_classifiers_order() -> None:
    """LABELS is derived from the schema's stances; the shipped model's classes are in this order."""
    assert LABELS == ("against", "favor", "neutral")
    meta = json.loads((PROJECT_ROOT / "data" / "models" / "stance_newsmtsc.json").read_text(encoding="utf-8"))
    assert tuple(meta["labels"]) == LABELS
