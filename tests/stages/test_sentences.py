"""Sentence splitting: the seed's 28 gold sentences, offsets into paragraphs, headings as one sentence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from stages.sentences import SentenceSplitter, split_sentences


@pytest.fixture(scope="module")
def segmenter(models) -> SentenceSplitter:  # type: ignore[no-untyped-def]
    splitter: SentenceSplitter = models.segmenter
    return splitter


def frame(*paras: tuple[str, str], article: str = "a" * 16) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": article,
            "paragraph_index": range(len(paras)),
            "kind": [k for k, _ in paras],
            "text": [t for _, t in paras],
            "language": "en",
        }
    )


def test_seed_gives_exactly_the_gold_sentences(gold: dict[str, Any], segmenter) -> None:  # type: ignore[no-untyped-def]
    paragraphs = frame(*[(p["kind"], p["text"]) for p in gold["paragraphs"]])
    sentences = split_sentences(paragraphs, segmenter)
    assert list(sentences["text"]) == gold["sentences"]
    assert list(sentences["sentence_index"]) == list(range(28))
    assert sentences.loc[sentences["is_heading"], "sentence_index"].tolist() == [7]


CASES = [
    # (paragraph text, expected sentences, why)
    (
        "The U.S. and Russia met. Talks failed.",
        ["The U.S. and Russia met.", "Talks failed."],
        "abbreviation with periods",
    ),
    (
        '"We will respond," he said. Then he left.',
        ['"We will respond," he said.', "Then he left."],
        "quote inside a sentence",
    ),
    (
        "Mr. Smith arrived at 5 p.m. on Monday.",
        ["Mr. Smith arrived at 5 p.m. on Monday."],
        "titles and times are not ends",
    ),
    ("It rose 3.5 percent.", ["It rose 3.5 percent."], "a decimal point is not an end"),
    (
        "No final punctuation",
        ["No final punctuation"],
        "a paragraph without a full stop is still one sentence",
    ),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_split(text: str, expected: list[str], why: str, segmenter) -> None:  # type: ignore[no-untyped-def]
    sentences = split_sentences(frame(("body", text)), segmenter)
    assert list(sentences["text"]) == expected, why


def test_offsets_index_into_the_paragraph_text(gold: dict[str, Any], segmenter) -> None:  # type: ignore[no-untyped-def]
    paragraphs = frame(*[(p["kind"], p["text"]) for p in gold["paragraphs"]])
    sentences = split_sentences(paragraphs, segmenter)
    texts = dict(zip(paragraphs["paragraph_index"], paragraphs["text"], strict=True))
    for row in sentences.itertuples():
        assert texts[row.paragraph_index][row.char_start : row.char_end] == row.text


def test_a_heading_is_one_sentence_even_with_a_full_stop_inside(segmenter) -> None:  # type: ignore[no-untyped-def]
    sentences = split_sentences(frame(("heading", "U.S. warns Russia")), segmenter)
    assert list(sentences["text"]) == ["U.S. warns Russia"] and sentences["is_heading"].all()


def test_indices_restart_per_article_and_input_is_untouched(segmenter) -> None:  # type: ignore[no-untyped-def]
    paragraphs = pd.concat(
        [frame(("body", "It rained. Then it stopped.")), frame(("body", "Sun."), article="b" * 16)],
        ignore_index=True,
    )
    before = paragraphs.copy()
    sentences = split_sentences(paragraphs, segmenter)
    pd.testing.assert_frame_equal(paragraphs, before)
    assert sentences.groupby("article_id")["sentence_index"].apply(list).to_dict() == {
        "a" * 16: [0, 1],
        "b" * 16: [0],
    }


def test_no_paragraphs_no_sentences(segmenter) -> None:  # type: ignore[no-untyped-def]
    assert split_sentences(frame(), segmenter).empty
