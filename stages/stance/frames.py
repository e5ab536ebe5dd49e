"""The stance stage on frames: a ``sentences`` frame in, its ``stances`` and ``mentions`` frames out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from stages.schemas import columns, frame
from stages.stance.actors import Mention
from stages.stance.sentence import ArticleContext
from stages.stance.tagger import StanceTagger

# The language the tagger reads; sentences in any other language are left untagged.
TAGGED_LANGUAGE = "en"


def tag_sentences(sentences: pd.DataFrame, tagger: StanceTagger) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(stances, mentions)`` of a ``sentences`` frame, with one gazetteer pass per sentence.

    Needs ``article_id``, ``sentence_index``, ``text``, ``is_heading`` and ``language``; the
    input frame is not modified. Only English sentences are read (the gazetteer and the cue
    lexicon are English). Mentions include headings (coverage counts them); stances skip them.
    """
    english = sentences[sentences["language"] == TAGGED_LANGUAGE]
    ordered = english.sort_values(["article_id", "sentence_index"], kind="stable")
    stance_rows: list[dict[str, Any]] = []
    cols: dict[str, list[Any]] = {name: [] for name in columns("mentions")}
    ctx, current = ArticleContext(), None
    for article_id, index, text, is_heading in zip(
        ordered["article_id"].tolist(),
        ordered["sentence_index"].tolist(),
        ordered["text"].tolist(),
        ordered["is_heading"].tolist(),
        strict=True,
    ):
        if article_id != current:
            ctx, current = ArticleContext(), article_id
        hits = tagger.gazetteer.find(text)
        _add_mentions(cols, article_id, index, hits)
        if not is_heading:
            for row in tagger.tag_sentence(int(index), text, ctx, gazetteer_hits=hits):
                stance_rows.append({"article_id": article_id, **row.__dict__})
    return frame("stances", stance_rows), frame("mentions", cols)


def tag_stances(sentences: pd.DataFrame, tagger: StanceTagger) -> pd.DataFrame:
    """The ``stances`` of a ``sentences`` frame (see ``tag_sentences``)."""
    return tag_sentences(sentences, tagger)[0]


def _add_mentions(
    cols: dict[str, list[Any]], article_id: str, index: int, mentions: Sequence[Mention]
) -> None:
    """Append one sentence's mentions to the columns of a ``mentions`` frame."""
    for mention in mentions:
        cols["article_id"].append(article_id)
        cols["sentence_index"].append(index)
        cols["actor_id"].append(mention.actor)
        cols["kind"].append(mention.kind)
        cols["surface"].append(mention.surface)
        cols["char_start"].append(mention.start)
        cols["char_end"].append(mention.end)
