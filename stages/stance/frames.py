"""The stance stage on frames: a ``sentences`` frame in, its ``stances`` and ``mentions`` frames out."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from stages.roles import Affiliation, RoleLookup
from stages.schemas import columns, frame
from stages.stance.actors import Mention
from stages.stance.rows import StanceRow
from stages.stance.sentence import ArticleContext
from stages.stance.signing import holderless_targets, sign_rows
from stages.stance.tagger import StanceTagger

# The language the tagger reads; sentences in any other language are left untagged.
TAGGED_LANGUAGE = "en"


def tag_sentences(
    sentences: pd.DataFrame,
    tagger: StanceTagger,
    roles: RoleLookup | None = None,
    days: pd.DataFrame | None = None,
    model: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(stances, mentions)`` of a ``sentences`` frame, with one gazetteer pass per sentence.

    Needs ``article_id``, ``sentence_index``, ``text``, ``is_heading`` and ``language``; the
    input frame is not modified. Only English sentences are read (the gazetteer and the cue
    lexicon are English). Mentions include headings (coverage counts them); stances skip them.

    ``roles`` gives each stance's source and target their CAMEO role (and their actor id when
    the gazetteer has none) on the article's day; ``days`` maps ``article_id`` to that ``day``
    (``stages.aggregate.article_days``: ``published_at``, else the run date) and is needed with
    ``roles``. Without ``roles`` the role columns are null.

    ``model``: a sentence model (``stages.stance.minilm.SentenceStanceModel``) that signs every
    row, and gives rows without a source to the actors of sentences where the rules find no
    holder (``stages.stance.signing``), in one batched pass over the frame. Without it
    (``--tagger fast``) the rules' signs stand and holder-less sentences give no rows.
    """
    english = sentences[sentences["language"] == TAGGED_LANGUAGE]
    ordered = english.sort_values(["article_id", "sentence_index"], kind="stable")
    look_up = _RoleCache(roles, days) if roles is not None else None
    found: list[tuple[str, str, StanceRow]] = []  # (article, sentence text, row)
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
            rows = tagger.tag_sentence(int(index), text, ctx, gazetteer_hits=hits)
            if not rows and model is not None:
                rows = holderless_targets(int(index), text, hits)
            found += [(article_id, text, row) for row in rows]
    if model is not None:
        rows = [row for _, _, row in found]
        signed = sign_rows([t for _, t, _ in found], rows, model)
        found = [  # a holder-less row the model reads as neutral is no stance
            (a, t, row)
            for (a, t, _), row in zip(found, signed, strict=True)
            if row.source_name is not None or row.stance != "neutral"
        ]
    stance_rows = []
    for article_id, _, row in found:
        if look_up is not None:
            row = look_up.with_roles(row, article_id)
        stance_rows.append({"article_id": article_id, **row.__dict__})
    return frame("stances", stance_rows), frame("mentions", cols)


class _RoleCache:
    """``roles`` asked once per (name, day) of a call, with each article's day from ``days``."""

    def __init__(self, roles: RoleLookup, days: pd.DataFrame | None) -> None:
        if days is None:
            raise ValueError("tag_sentences: roles need the days of the articles (days=article_days(...))")
        self._roles = roles
        self._days: dict[str, date] = dict(zip(days["article_id"].astype(str), days["day"], strict=True))
        self._seen: dict[tuple[str, date], Affiliation | None] = {}

    def affiliation(self, name: str, day: date) -> Affiliation | None:
        key = (name, day)
        if key not in self._seen:
            self._seen[key] = self._roles(name, day)
        return self._seen[key]

    def with_roles(self, row: StanceRow, article_id: str) -> StanceRow:
        """``row`` with the source's and target's roles, and their actor ids where it had none."""
        day = self._days.get(str(article_id))
        if day is None:
            raise ValueError(f"tag_sentences: article {article_id} has no day in days")
        source = self.affiliation(row.source_name, day) if row.source_name else None
        target = self.affiliation(row.target_name, day)
        return dataclasses.replace(
            row,
            source_actor=row.source_actor or (source.actor if source else None),
            target_actor=row.target_actor or (target.actor if target else None),
            source_role=source.role if source else None,
            target_role=target.role if target else None,
        )


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
