"""Stance tagging: ``sentences`` -> ``stances`` (who says what about whom); see ``tagger``."""

from stages.stance.tagger import (
    TAGGED_LANGUAGE,
    CueLexicon,
    Gazetteer,
    StanceTagger,
    find_mentions,
    tag_sentences,
    tag_stances,
)

__all__ = [
    "TAGGED_LANGUAGE",
    "CueLexicon",
    "Gazetteer",
    "StanceTagger",
    "find_mentions",
    "tag_sentences",
    "tag_stances",
]
