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


def test_roles_come_from_the_lookup_on_each_articles_day(tagger: StanceTagger) -> None:
    from datetime import date

    from stages.roles import Affiliation

    # A dict-backed lookup: Biden is GOV from 2021 on, a senator before; Lavrov always GOV.
    asked: list[tuple[str, date]] = []

    def roles(name: str, day: date) -> Affiliation | None:
        asked.append((name, day))
        if name == "Joe Biden":
            return Affiliation("USA", "GOV" if day >= date(2021, 1, 20) else "LEG")
        return {"Sergei Lavrov": Affiliation("RUS", "GOV")}.get(name)

    sentences = pd.DataFrame(
        {
            "article_id": ["a" * 16, "b" * 16, "b" * 16],
            "sentence_index": [0, 0, 1],
            "text": ["Biden warned Lavrov.", "Biden warned Lavrov.", "Biden criticised Lavrov."],
            "is_heading": [False] * 3,
            "language": ["en"] * 3,
        }
    )
    days = pd.DataFrame({"article_id": ["a" * 16, "b" * 16], "day": [date(2026, 1, 1), date(2019, 5, 1)]})
    out = tag_sentences(sentences, tagger, roles, days)[0]
    cols = ["article_id", "sentence_index", "source_name", "source_role", "target_name", "target_role"]
    assert out[cols].values.tolist() == [
        ["a" * 16, 0, "Joe Biden", "GOV", "Sergei Lavrov", "GOV"],
        ["b" * 16, 0, "Joe Biden", "LEG", "Sergei Lavrov", "GOV"],
        ["b" * 16, 1, "Joe Biden", "LEG", "Sergei Lavrov", "GOV"],
    ], "the role of the article's own day"
    assert len(asked) == len(set(asked)) == 4, "one question per (name, day)"
    assert tag_sentences(sentences.iloc[:0], tagger, roles, days)[0].empty, "empty input"
    with pytest.raises(ValueError, match="days"):
        tag_sentences(sentences, tagger, roles)
    with pytest.raises(ValueError, match="no day"):
        tag_sentences(sentences, tagger, roles, days.iloc[:1])


def test_the_lookup_gives_an_actor_id_only_where_the_gazetteer_has_none() -> None:
    from datetime import date

    from stages.roles import Affiliation
    from stages.stance import CueLexicon, Gazetteer

    gazetteer = Gazetteer(
        [
            ("Roe", "", "person", "Jane Roe"),
            ("Doe", "", "person", "John Doe"),
            ("Biden", "USA", "person", "Joe Biden"),
        ]
    )
    lexicon = CueLexicon.from_frame(
        pd.DataFrame({"term": ["criticised"], "kind": ["verb"], "weight": [-1.0]})
    )
    tagger = StanceTagger(gazetteer, lexicon)
    lookup = {"Jane Roe": Affiliation("GBR", "OPP"), "Joe Biden": Affiliation("CAN", "GOV")}
    sentences = pd.DataFrame(
        {
            "article_id": ["a" * 16] * 2,
            "sentence_index": [0, 1],
            "text": ["Roe criticised Doe.", "Doe criticised Biden."],
            "is_heading": [False] * 2,
            "language": ["en"] * 2,
        }
    )
    days = pd.DataFrame({"article_id": ["a" * 16], "day": [date(2026, 1, 1)]})
    cols = ["source_name", "source_actor", "source_role", "target_name", "target_actor", "target_role"]
    plain = tag_sentences(sentences, tagger)[0][cols].astype(object)
    assert plain.where(plain.notna(), None).values.tolist() == [
        ["Jane Roe", None, None, "John Doe", None, None],
        ["John Doe", None, None, "Joe Biden", "USA", None],
    ], "no affiliation known: null ids, a row all the same (the names differ)"
    looked = tag_sentences(sentences, tagger, lambda n, d: lookup.get(n), days)[0][cols].astype(object)
    assert looked.where(looked.notna(), None).values.tolist() == [
        ["Jane Roe", "GBR", "OPP", "John Doe", None, None],
        ["John Doe", None, None, "Joe Biden", "USA", "GOV"],
    ], "the lookup fills a missing id, and never overrides the gazetteer's"
