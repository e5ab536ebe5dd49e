"""Cues: reporting verbs, attitude verbs and cue words with their weights (a ``CueLexicon``),
and how a negation or a determiner before one changes what it says."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from stages import patterns as P

# Words just before a verb form that make it a noun ("the attacks", "its claims", "Russia's phony claims").
NOUN_MARKERS = frozenset("the a an its his her their our my your these those this such".split())
# Negation: a cue within NEGATION_WINDOW words after one of these counts NEGATION_FACTOR times.
NEGATIONS = frozenset("not no never without neither nor".split())
NEGATION_WINDOW = 3
NEGATION_FACTOR = -0.5


@dataclass(frozen=True)
class Cue:
    """A cue term found in text: span, the term, its kind (report|verb|word) and weight."""

    start: int
    end: int
    term: str
    kind: str
    weight: float


class CueLexicon:
    """Reporting verbs, attitude verbs and cue words with weights, matched case-insensitively."""

    def __init__(self, entries: Iterable[tuple[str, str, float]]) -> None:
        """``entries``: (term, kind, weight) with kind in report | verb | word."""
        self._entries: dict[str, tuple[str, float]] = {}
        for term, kind, weight in entries:
            if kind not in ("report", "verb", "word"):
                raise ValueError(f"cue {term!r}: kind must be report, verb or word, not {kind!r}")
            self._entries[term.lower()] = (kind, float(weight))
        self._pattern = re.compile(
            r"(?<![\w-])" + P.trie_pattern(self._entries) + r"(?![\w-])", re.IGNORECASE
        )

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_frame(cls, cues: pd.DataFrame) -> CueLexicon:
        """Build from ``data/reference/cues.csv`` (columns term, kind, weight)."""
        return cls(
            (str(t), str(k), float(w))
            for t, k, w in zip(cues["term"], cues["kind"], cues["weight"], strict=True)
        )

    def find(self, text: str) -> list[Cue]:
        out = []
        for match in self._pattern.finditer(text):
            kind, weight = self._entries[match.group().lower()]
            out.append(Cue(match.start(), match.end(), match.group(), kind, weight))
        return out


def negated(text: str, cue: Cue) -> Cue:
    """A cue after a negation within three words: a verb says nothing ("did not criticise"),
    a word counts half, reversed ("not a threat")."""
    before = text[max(0, cue.start - 30) : cue.start].lower().split()[-NEGATION_WINDOW:]
    if any(word in NEGATIONS or word.endswith("n't") or word.endswith("n’t") for word in before):
        weight = 0.0 if cue.kind == "verb" else NEGATION_FACTOR * cue.weight
        return Cue(cue.start, cue.end, f"not {cue.term}", cue.kind, weight)
    return cue


def used_as_noun(text: str, cue: Cue) -> bool:
    """A verb form after a determiner or a possessive within two words is a noun ("Russia's phony claims")."""
    before = P.WORD_OR_POSSESSIVE.findall(text[max(0, cue.start - 40) : cue.start])[-2:]
    if before and before[-1].lower() in NOUN_MARKERS:
        return True
    return any(w.endswith(("'s", "’s")) for w in before)
