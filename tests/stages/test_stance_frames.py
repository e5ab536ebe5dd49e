"""The stance stage on frames: a ``sentences`` frame in, ``stances`` and ``mentions`` frames out."""

from __future__ import annotations

import pandas as pd
import pytest

from stages.stance import StanceTagger, tag_sentences, tag_stances


@pytest.fixture(scope="module")
def tagger(resources) -> StanceTagger:  # type: ignore[no-untyped-def]
    tagger: StanceTagger = resources.tagger
    return tagger


def test_frame_api_keeps_input_and_handles_no_sentences(tagger: StanceTagger) -> None:
    sentences = pd.DataFrame(
        {
            "article_id": ["a" * 16] * 2,
            "sentence_index": [1, 0],
            "text": ["He accused NATO of lying.", "Lavrov spoke."],
            "is_heading": [False, False],
            "language": ["en", "en"],
        }
    )
    before = sentences.copy()
    out = tag_stances(sentences, tagger)
    pd.testing.assert_frame_equal(sentences, before)
    assert out[["sentence_index", "speaker", "source_actor", "target_actor"]].values.tolist() == [
        [1, "Sergei Lavrov", "RUS", "NATO"]
    ]
    assert tag_stances(sentences.iloc[:0], tagger).empty
    assert tag_stances(sentences.assign(language="es"), tagger).empty, "only English sentences are tagged"


def test_headings_are_not_tagged(tagger: StanceTagger) -> None:
    sentences = pd.DataFrame(
        {
            "article_id": ["a" * 16],
            "sentence_index": [0],
            "text": ["Blinken warns Russia"],
            "is_heading": [True],
            "language": ["en"],
        }
    )
    assert tag_stances(sentences, tagger).empty


def test_every_mention_is_kept_with_its_offsets(tagger: StanceTagger) -> None:
    sentences = pd.DataFrame(
        {
            "article_id": ["a" * 16] * 3,
            "sentence_index": [0, 1, 2],
            "text": ["Ukrainian Foreign Minister Dmytro Kuleba met Blinken.", "Nobody else.", "Putin habló."],
            "is_heading": [False, False, False],
            "language": ["en", "en", "es"],
        }
    )
    mentions = tag_sentences(sentences, tagger)[1]
    assert mentions[["sentence_index", "actor_id", "kind", "surface"]].values.tolist() == [
        [0, "UKR", "demonym", "Ukrainian"],
        [0, "UKR", "person", "Dmytro Kuleba"],
        [0, "USA", "person", "Blinken"],
    ], "only English sentences; a titled person keeps the affiliation before the title"
    text = str(sentences.loc[0, "text"])
    assert all(text[a:b] == s for a, b, s in mentions[["char_start", "char_end", "surface"]].values.tolist())
    assert tag_sentences(sentences.iloc[:0], tagger)[1].empty
