"""Sentence splitting: the seed's 28 gold sentences, offsets into paragraphs, headings as one sentence."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from stages.sentences import SentenceSplitter, split_sentences


@pytest.fixture(scope="module")
def segmenter(resources) -> SentenceSplitter:  # type: ignore[no-untyped-def]
    splitter: SentenceSplitter = resources.segmenter
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
    # (paragraph text, expected sentences, why) -- English news conventions, near misses included
    (
        "The U.S. and Russia met. Talks failed.",
        ["The U.S. and Russia met.", "Talks failed."],
        "abbreviation mid-sentence",
    ),
    (
        "The U.S. State Department said so.",
        ["The U.S. State Department said so."],
        "U.S. before a name is no end",
    ),
    (
        "He moved to the U.S. It was 1990.",
        ["He moved to the U.S.", "It was 1990."],
        "a sentence can end with an abbreviation",
    ),
    (
        "Rep. Duncan Hunter, R-Calif., said no. Sen. Ed Markey (D-Mass.) agreed.",
        ["Rep. Duncan Hunter, R-Calif., said no.", "Sen. Ed Markey (D-Mass.) agreed."],
        "AP-style state abbreviations and titles",
    ),
    (
        "Lt. Col. Smith, Gen. Jones, Gov. Brown, Dr. Who, Mr. and Mrs. Lee met at St. Paul's.",
        ["Lt. Col. Smith, Gen. Jones, Gov. Brown, Dr. Who, Mr. and Mrs. Lee met at St. Paul's."],
        "titles never end a sentence",
    ),
    (
        '"Why now?" asked Mayor Smith. He left.',
        ['"Why now?" asked Mayor Smith.', "He left."],
        '?" + lower-case attribution',
    ),
    ('"Why now?" he asked.', ['"Why now?" he asked.'], "question quoted, then the speaker"),
    (
        '"We are ready. We will win," he said.',
        ['"We are ready.', 'We will win," he said.'],
        "a quotation of two sentences is split",
    ),
    (
        'He said: "Go." Then he left.',
        ['He said: "Go."', "Then he left."],
        "the closing quote stays with its sentence",
    ),
    (
        'It ended. "We won," she said.',
        ["It ended.", '"We won," she said.'],
        "an opening quote belongs to the next sentence",
    ),
    (
        "Polls close at 8 p.m. Results are due by 11 p.m. on Tuesday.",
        ["Polls close at 8 p.m.", "Results are due by 11 p.m. on Tuesday."],
        "a.m./p.m. ends a sentence before a capital",
    ),
    ("J. R. Smith and Alfred E. Sloan met.", ["J. R. Smith and Alfred E. Sloan met."], "initials"),
    ("It rose 3.5 percent to $1.2 billion.", ["It rose 3.5 percent to $1.2 billion."], "decimals and money"),
    (
        "The deal, signed Jan. 5 with Acme Inc. and Beta Corp., closed. Shares rose.",
        ["The deal, signed Jan. 5 with Acme Inc. and Beta Corp., closed.", "Shares rose."],
        "months and company suffixes",
    ),
    (
        "Acme Co. Ltd. said No. 5 was sold. It was not.",
        ["Acme Co. Ltd. said No. 5 was sold.", "It was not."],
        "No. before a number",
    ),
    (
        "Fruit, e.g. apples, i.e. food, vs. nothing.",
        ["Fruit, e.g. apples, i.e. food, vs. nothing."],
        "e.g., i.e., vs.",
    ),
    (
        "He paused... Then he spoke.",
        ["He paused...", "Then he spoke."],
        "an ellipsis before a capital ends a sentence",
    ),
    (
        "He paused . . . and then he spoke.",
        ["He paused . . . and then he spoke."],
        "a spaced ellipsis inside a sentence",
    ),
    (
        "The plan — backed by the U.S. — failed. Why?",
        ["The plan — backed by the U.S. — failed.", "Why?"],
        "em dashes",
    ),
    (
        "He teaches science (he worked as an engineer.) at school.",
        ["He teaches science (he worked as an engineer.) at school."],
        "parentheses",
    ),
    ("It is over! Or is it?! Yes.", ["It is over!", "Or is it?!", "Yes."], "! and ?! end sentences"),
    ("Yahoo! said no.", ["Yahoo! said no."], "! before a lower-case word"),
    (
        "No final punctuation",
        ["No final punctuation"],
        "a paragraph without a full stop is still one sentence",
    ),
    ("1. First item 2. Second item", ["1. First item", "2. Second item"], "a numbered list"),
    (
        "He paid for 1. above and 2. above.",
        ["He paid for 1. above and 2. above."],
        "numbers that do not open a list",
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


def test_sentences_cover_every_non_space_character_once(segmenter) -> None:  # type: ignore[no-untyped-def]
    for text, _, _ in CASES:
        spans = segmenter(text)
        assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text.replace(" ", "")
        assert all(b > a for a, b in spans) and all(
            spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1)
        )


def test_no_paragraphs_no_sentences(segmenter) -> None:  # type: ignore[no-untyped-def]
    assert split_sentences(frame(), segmenter).empty


BOUND_CASES = [
    # (text, max_chars, expected pieces, cut, why)
    ("Short. Enough.", 20, ["Short.", "Enough."], False, "near-miss: sentences within the limit are not cut"),
    ("one two three four five six", 12, ["one two", "three four", "five six"], True, "cut at the last space"),
    (
        "alpha beta, gamma delta epsilon",
        16,
        ["alpha beta,", "gamma delta", "epsilon"],
        True,
        "after a clause mark in the window's second half",
    ),
    ("a, bcdefghijklmnop qr", 16, ["a,", "bcdefghijklmnop", "qr"], True, "a mark too early: the last space"),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5], True, "one token longer than the limit: a hard cut"),
    ("", 10, [], False, "empty paragraph"),
]


@pytest.mark.parametrize(
    ("text", "limit", "expected", "cut", "why"), BOUND_CASES, ids=[c[-1] for c in BOUND_CASES]
)
def test_no_sentence_is_longer_than_the_limit(
    text: str, limit: int, expected: list[str], cut: bool, why: str, segmenter: SentenceSplitter
) -> None:
    sentences = split_sentences(frame(("body", text)), segmenter, max_chars=limit)
    assert list(sentences["text"]) == expected, why
    assert list(sentences["cut_at_limit"]) == [cut] * len(expected), why
    for start, end, piece in zip(
        sentences["char_start"], sentences["char_end"], sentences["text"], strict=True
    ):
        assert text[int(start) : int(end)] == piece, "offsets still index the paragraph"


def test_a_five_megabyte_paragraph_without_punctuation_is_cut_in_linear_time(segmenter) -> None:  # type: ignore[no-untyped-def]
    text = "Russia warned Ukraine and " * 200_000  # 5.2 MB, no sentence end
    sentences = split_sentences(frame(("body", text)), segmenter)
    assert sentences["text"].str.len().max() <= 2000 and sentences["cut_at_limit"].all()
    assert len(sentences) < len(text) / 1500, "pieces fill most of the window"
    assert "".join(sentences["text"]).replace(" ", "") == text.replace(" ", ""), "no character is lost"
