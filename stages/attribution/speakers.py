"""A speaker's name: the named entity the speaker is (titles dropped), a lone surname
completed from the article's earlier full name, or a pronoun's antecedent (the most recent
name of the right kind before it, outside quotations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing stages never imports spaCy
    from spacy.tokens import Doc, Token

# Entity labels that can speak, and which of them a pronoun can stand for.
SPEAKING_LABELS = frozenset(("PERSON", "ORG", "GPE", "NORP"))
ANTECEDENT_LABELS: dict[str, frozenset[str]] = {
    "he": frozenset(("PERSON",)),
    "she": frozenset(("PERSON",)),
    "i": frozenset(("PERSON",)),
    "they": frozenset(("ORG", "PERSON", "GPE", "NORP")),
    "we": frozenset(("ORG", "PERSON", "GPE", "NORP")),
    "it": frozenset(("ORG", "GPE")),
}
# Words before a name that are its bearer's title, not the name.
TITLES = frozenset(
    """
    mr mr. mrs mrs. ms ms. dr dr. sir dame president vice prime minister secretary senator sen.
    sen rep rep. representative gov gov. governor general gen. gen lt. col. colonel chancellor
    king queen prince pope chairman chairwoman chair spokesman spokeswoman spokesperson
    ambassador judge justice mayor deputy foreign defence defense interior state former
    """.split()
)
_DETERMINERS = frozenset("the a an".split())


@dataclass
class NameMemory:
    """The names an article has mentioned so far, in order: (label, name)."""

    names: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, name: str) -> None:
        self.names.append((label, name))

    def antecedent(self, pronoun: str) -> str | None:
        """The most recent name that ``pronoun`` can stand for."""
        labels = ANTECEDENT_LABELS.get(pronoun.lower(), frozenset())
        return next((name for label, name in reversed(self.names) if label in labels), None)

    def label(self, name: str, label: str | None) -> str | None:
        """``label``, or PERSON when the article already named a person so (the recogniser
        labels the same surname differently from one sentence to the next)."""
        return "PERSON" if any(lab == "PERSON" and n == name for lab, n in self.names) else label

    def complete(self, name: str) -> str:
        """A lone surname as the earlier full name ending with it ("Blinken" -> "Antony Blinken")."""
        if " " in name:
            return name
        suffix = " " + name
        return next(
            (n for label, n in reversed(self.names) if label == "PERSON" and n.endswith(suffix)), name
        )


def drop_titles(name: str) -> str:
    """``name`` without leading titles and determiners ("Foreign Minister Sergei Lavrov")."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in TITLES | _DETERMINERS:
        words.pop(0)
    name = " ".join(words)
    return name[:-2] if name.endswith(("'s", "’s")) else name


def name_of(doc: Doc, head: Token, speaker: str) -> tuple[str, str | None]:
    """The name a non-pronoun speaker goes by and its entity label: the entity holding its head
    (or the last speaking entity inside the speaker), else the speaker's own words."""
    for ent in doc.ents:
        if ent.start <= head.i < ent.end and ent.label_ in SPEAKING_LABELS:
            return drop_titles(ent.text), ent.label_
    inside = [
        e for e in doc.ents if e.label_ == "PERSON" and head.left_edge.i <= e.start and e.end <= head.i + 1
    ]
    if inside:
        return drop_titles(inside[-1].text), "PERSON"
    return drop_titles(speaker), None


def remember_entities(
    doc: Doc, memory: NameMemory, quotes: list[tuple[int, int]], start: int, end: int
) -> None:
    """Add ``doc``'s speaking entities that start in chars ``start..end`` and lie outside quotes."""
    for ent in doc.ents:
        if ent.label_ not in SPEAKING_LABELS or not start <= ent.start_char < end:
            continue
        if any(q0 <= ent.start_char < q1 for q0, q1 in quotes):
            continue
        memory.add(ent.label_, memory.complete(drop_titles(ent.text)))
