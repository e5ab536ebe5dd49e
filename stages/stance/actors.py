"""Actors: who a sentence names (countries, capitals, demonyms, organisations, institutions,
people), found by a ``Gazetteer`` built from the reference data, places and names of things left out."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stages import patterns as P

# Words before a country or capital that make it a place, not an actor ("in Ukraine", "near Stockholm").
LOCATIVE_WORDS = frozenset(
    ("in at near inside outside across throughout within around into via toward towards").split()
)
# Words before a capital that make it a place or a modifier ("the Latvian capital Riga", "the Minsk deal").
CAPITAL_BLOCKERS_BEFORE = frozenset("the capital city".split())
# Words after a capital that make it the name of a thing ("Minsk accords", "Moscow metro").
CAPITAL_BLOCKERS_AFTER = frozenset(
    (
        "accord accords agreement agreements deal deals format process protocol protocols "
        "talks summit meeting peace airport metro region oblast court marathon stock "
        "exchange mayor"
    ).split()
)


# Capitalised words after a demonym that make it a news outlet's name ("the Canadian Press").
OUTLET_WORDS = frozenset("Press News Broadcasting Broadcaster Television TV Radio Times Post Herald".split())

MENTION_KINDS = ("country", "capital", "demonym", "organization", "institution", "person")


@dataclass(frozen=True)
class Mention:
    """An actor named in a sentence: character span, surface text, actor id and kind."""

    start: int
    end: int
    surface: str
    actor: str
    kind: str  # country | capital | demonym | organization | institution | person | pronoun
    name: str  # canonical name (people) or the surface text


# Kinds of mention that stand for one named person: two of them with the same actor id but
# different names are two entities ("Senator X criticised President Y", both USA).
PERSON_KINDS = frozenset({"person", "pronoun"})


def same_entity(a: Mention, b: Mention) -> bool:
    """Whether two mentions name one entity, so that no stance can run between them.

    With the same actor id they are one entity unless both are people with different names (a
    person and their own country, or two names of one state or organisation, are one side).
    Without an actor id (``""``: a custom actor with no affiliation) only the name tells them
    apart, and a mention without one is never the same entity as one with one.
    """
    if a.actor != b.actor:
        return False
    if not a.actor or (a.kind in PERSON_KINDS and b.kind in PERSON_KINDS):
        return a.name == b.name
    return True


def names_a_pair(mentions: Iterable[Mention]) -> bool:
    """Whether ``mentions`` hold two that are not ``same_entity``: some stance could run between them."""
    codes: set[str] = set()
    people: dict[str, set[str]] = {}  # actor id -> the names of its people (every name when no id)
    for m in mentions:
        codes.add(m.actor)
        if m.kind in PERSON_KINDS or not m.actor:
            people.setdefault(m.actor, set()).add(m.name)
    return len(codes) >= 2 or any(len(names) >= 2 for names in people.values())


def _custom_entries(custom: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """The gazetteer entries of a user's ``custom_actors.csv`` rows (surface, actor_id, kind, name)."""
    entries = []
    for row in custom.itertuples(index=False):
        kind = str(row.kind)
        if kind not in MENTION_KINDS:
            raise ValueError(
                f"custom actor {row.surface!r}: kind must be one of {MENTION_KINDS}, not {kind!r}"
            )
        entries.append((str(row.surface), str(row.actor_id), kind, str(row.name or row.surface)))
    return entries


def _split_aliases(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


class Gazetteer:
    """Actor names -> actor ids, matched case-sensitively on word boundaries, longest name first."""

    def __init__(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        """``entries``: (surface, actor_id, kind, canonical name); a later duplicate surface is ignored."""
        self._entries: dict[str, tuple[str, str, str]] = {}
        for surface, actor, kind, name in entries:
            self._entries.setdefault(surface, (actor, kind, name))
        # No lookbehind for the start of a word: a pattern that opens with one cannot skip ahead to
        # the characters a name may begin with, and was 40% slower. ``_matches`` checks it instead.
        self._pattern = re.compile(P.trie_pattern(self._entries) + r"(?![\w])")
        # The same without the few names that do not start with a capital ("von der Leyen", "the
        # West"): a text that holds none of them needs only this one, which the engine tries at
        # capitals only, not at every "a", "t" or "v" (110k sentences: 0.30 -> 0.24 s, check included).
        self._uncapitalised = tuple(name for name in self._entries if not name[:1].isupper())
        self._capitalised = re.compile(
            P.trie_pattern(name for name in self._entries if name[:1].isupper()) + r"(?![\w])"
        )

    def __len__(self) -> int:
        return len(self._entries)

    def actor_of(self, name: str) -> str | None:
        """The actor of the first actor named in ``name`` ("Foreign Minister Sergei Lavrov" ->
        RUS, "the Kremlin" -> RUS), or None: how a speaker's name is given its actor."""
        found = self.find(name)
        return found[0].actor if found else None

    def actors_of_kind(self, kind: str) -> set[str]:
        """The actor ids that some name of ``kind`` (one of ``MENTION_KINDS``) resolves to."""
        return {actor for actor, entry_kind, _ in self._entries.values() if entry_kind == kind}

    @classmethod
    def from_frames(
        cls,
        countries: pd.DataFrame,
        organizations: pd.DataFrame,
        institutions: pd.DataFrame,
        people: pd.DataFrame,
        custom: pd.DataFrame | None = None,
    ) -> Gazetteer:
        """Build from the reference tables in ``data/reference/`` (see its README).

        ``custom`` rows (surface, actor_id, kind, name) are a user's own additions; they
        come first, so they override a built-in entry with the same surface.
        """
        entries = _custom_entries(custom) if custom is not None else []
        # People and institutions first: their longer names must win over the country names inside them.
        for row in people.itertuples(index=False):
            for surface in [str(row.name), *_split_aliases(row.aliases)]:
                entries.append((surface, str(row.actor_id), "person", str(row.name)))
        for row in institutions.itertuples(index=False):
            entries.append((str(row.name), str(row.actor_id), "institution", str(row.name)))
        for row in organizations.itertuples(index=False):
            for surface in [str(row.name), *_split_aliases(row.aliases)]:
                entries.append((surface, str(row.actor_id), "organization", surface))
        for row in countries.itertuples(index=False):
            for surface in [str(row.name), *_split_aliases(row.aliases)]:
                entries.append((surface, str(row.actor_id), "country", surface))
            for surface in _split_aliases(row.capitals):
                entries.append((surface, str(row.actor_id), "capital", surface))
            for surface in _split_aliases(row.demonyms):
                entries.append((surface, str(row.actor_id), "demonym", surface))
        return cls(entries)

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        """Names in ``text`` that start and end a word, leftmost and longest first: what
        ``finditer`` of the pattern behind ``(?<!\\w)`` finds. A name that starts inside a word is
        passed over, and the search goes on from its next character, not from its end (where a
        name that starts a word inside its span could be missed)."""
        lower = any(name in text for name in self._uncapitalised)
        search = (self._pattern if lower else self._capitalised).search
        match = search(text)
        while match is not None:
            start = match.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):  # \w before: inside a word
                match = search(text, start + 1)
            else:
                yield match
                match = search(text, match.end())

    def find(self, text: str) -> list[Mention]:
        """Actor mentions in ``text``, leaving out places and names of things (see module doc).

        A person who is not in the gazetteer but is introduced by an affiliation and a
        title ("Ukrainian Foreign Minister Dmytro Kuleba", "Kremlin spokesman Dmitry
        Peskov") is a ``person`` mention with that affiliation and the name as written.
        """
        found = []
        titled = []
        for match in self._matches(text):
            actor, kind, name = self._entries[match.group()]
            mention = Mention(match.start(), match.end(), match.group(), actor, kind, name)
            if kind in ("country", "demonym", "institution", "capital", "organization"):
                title = P.TITLED_PERSON.match(text, match.end())
                if title is not None:
                    start, end = title.span("name")
                    titled.append(
                        Mention(start, end, title.group("name"), actor, "person", title.group("name"))
                    )
            if _is_actor_use(text, mention):
                found.append(mention)
        for person in titled:
            if not any(m.start < person.end and person.start < m.end for m in found):
                found.append(person)
        return sorted(found, key=lambda m: m.start)


def _word_before(text: str, pos: int) -> str:
    words = P.WORD.findall(text[max(0, pos - 40) : pos])
    return words[-1].lower() if words else ""


def _word_after(text: str, pos: int) -> str:
    match = P.NEXT_WORD_AFTER.match(text[pos : pos + 40])
    return match.group(1).lower() if match else ""


def _is_abbreviation(text: str, mention: Mention) -> bool:
    """An acronym in parentheses after a name ("the Montenegro Municipality Association (AKK)")
    abbreviates that name; it is not another actor, whoever else goes by the same letters."""
    return (
        mention.surface.isupper()
        and text[mention.start - 1 : mention.start] == "("
        and text[mention.end : mention.end + 1] == ")"
    )


def _names_an_outlet(text: str, mention: Mention) -> bool:
    """A demonym that opens a news outlet's name ("the Canadian Press", "Russian News Agency"):
    the outlet reports, it is not the country."""
    if mention.kind != "demonym":
        return False
    after = P.CAPITALISED_WORD_AFTER.match(text, mention.end)
    return after is not None and after.group(1) in OUTLET_WORDS


def _is_actor_use(text: str, mention: Mention) -> bool:
    if _is_abbreviation(text, mention) or _names_an_outlet(text, mention):
        return False
    if mention.kind not in ("country", "capital"):
        return True
    before = _word_before(text, mention.start)
    if before in LOCATIVE_WORDS:
        return False
    if mention.kind == "capital":
        return before not in CAPITAL_BLOCKERS_BEFORE and _word_after(text, mention.end) not in (
            CAPITAL_BLOCKERS_AFTER
        )
    return True
