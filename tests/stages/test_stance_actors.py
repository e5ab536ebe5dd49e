"""The actor gazetteer: names, not places or names of things, matched on word boundaries."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from stages.patterns import trie_pattern
from stages.stance import Gazetteer
from stages.stance.actors import Mention, names_a_pair, same_entity


def test_gazetteer_matches_names_not_places_or_lowercase() -> None:
    countries = pd.DataFrame(
        {
            "actor_id": ["USA", "RUS", "LVA"],
            "name": ["United States", "Russia", "Latvia"],
            "aliases": ["U.S.|US", "", ""],
            "capitals": ["Washington", "Moscow", "Riga"],
            "demonyms": ["American", "Russian", "Latvian"],
        }
    )
    empty_orgs = pd.DataFrame({"actor_id": [], "name": [], "aliases": []})
    gaz = Gazetteer.from_frames(
        countries,
        empty_orgs,
        pd.DataFrame({"name": ["State Department"], "actor_id": ["USA"]}),
        pd.DataFrame({"name": ["Antony Blinken"], "actor_id": ["USA"], "aliases": ["Blinken"], "role": [""]}),
    )
    found = lambda text: [(m.surface, m.actor, m.kind) for m in gaz.find(text)]  # noqa: E731
    assert found("Top U.S. diplomat Antony Blinken") == [
        ("U.S.", "USA", "country"),
        ("Antony Blinken", "USA", "person"),
    ]
    assert found("a meeting in the Latvian capital Riga") == [("Latvian", "LVA", "demonym")]
    assert found("pro-Russian separatists told us") == [("Russian", "RUS", "demonym")]
    assert found("Moscow's view, said in Moscow") == [("Moscow", "RUS", "capital")]
    assert found("the State Department said") == [("State Department", "USA", "institution")]


@pytest.mark.parametrize(
    ("names", "text", "why"),
    [
        (
            ["North Korea", "Korea"],
            "SouthNorth Korea talks",
            "a name that starts inside a word hides one that does not",
        ),
        (
            ["Iran", "Iranian"],
            "Iranians, Iran and pro-Iranian groups",
            "inside, at the end of and after a hyphen",
        ),
        (["US", "U.S."], "BUS, US_1, U.S.-led, _US, the US.", "underscore counts as a word character"),
        (["NATO"], "ANATO NATO", "a match rejected at its start, then one at the next word"),
        (
            ["the West", "West", "al-Jubeir"],
            "the West, Adel al-Jubeir and West",
            "names that start lower case (searched with the whole pattern)",
        ),
        (["the West", "West"], "breathe West", "a lower-case name inside a word: the capital one after it"),
        (["the West", "West"], "West only", "no lower-case name in the text (the capitalised pattern alone)"),
        (["Kyiv"], "", "empty text"),
        (["Kyiv"], "Kyiv", "the whole text"),
    ],
)
def test_gazetteer_matches_names_that_start_and_end_a_word(names: list[str], text: str, why: str) -> None:
    """``Gazetteer._matches`` (no lookbehind in the pattern) finds what the pattern behind
    ``(?<![\\w])`` finds: the same spans, leftmost and longest first."""
    gazetteer = Gazetteer((name, name, "country", name) for name in names)
    reference = re.compile(r"(?<![\w])" + trie_pattern(names) + r"(?![\w])")
    expected = [m.span() for m in reference.finditer(text)]
    assert [m.span() for m in gazetteer._matches(text)] == expected, why


def _m(actor: str, kind: str, name: str) -> Mention:
    return Mention(0, len(name), name, actor, kind, name)


SAME_ENTITY_CASES = [
    # (a, b, same entity?, why)
    (_m("USA", "person", "Joe Biden"), _m("USA", "person", "Donald Trump"), False, "two people of one state"),
    (_m("USA", "person", "Joe Biden"), _m("USA", "pronoun", "Joe Biden"), True, "a he resolved to the name"),
    (
        _m("USA", "person", "Antony Blinken"),
        _m("USA", "country", "United States"),
        True,
        "a person and their state",
    ),
    (_m("RUS", "country", "Russia"), _m("RUS", "capital", "Moscow"), True, "two names of one state"),
    (
        _m("USA", "institution", "Pentagon"),
        _m("USA", "person", "Joe Biden"),
        True,
        "near-miss: an institution is its state's side",
    ),
    (
        _m("NATO", "organization", "NATO"),
        _m("NATO", "organization", "the Alliance"),
        True,
        "aliases of one organisation",
    ),
    (_m("RUS", "person", "Sergei Lavrov"), _m("UKR", "person", "Dmytro Kuleba"), False, "two actors"),
    (_m("", "person", "Jane Roe"), _m("", "person", "John Doe"), False, "no affiliation: the names differ"),
    (_m("", "organization", "Acme"), _m("", "organization", "Acme"), True, "no affiliation, one name"),
    (_m("", "person", "Jane Roe"), _m("USA", "person", "Jane Roe"), False, "near-miss: one has an actor id"),
]


@pytest.mark.parametrize(("a", "b", "same", "why"), SAME_ENTITY_CASES, ids=[c[-1] for c in SAME_ENTITY_CASES])
def test_same_entity(a: Mention, b: Mention, same: bool, why: str) -> None:
    assert same_entity(a, b) is same, why
    assert same_entity(b, a) is same, "symmetric"
    assert names_a_pair([a, b]) is not same, why


def test_names_a_pair_of_one_or_none() -> None:
    assert not names_a_pair([]), "empty input"
    assert not names_a_pair([_m("USA", "person", "Joe Biden")]), "one mention"
    assert names_a_pair(
        [_m("USA", "country", "US"), _m("USA", "person", "Joe Biden"), _m("USA", "person", "Donald Trump")]
    ), "two people among their state's mentions"
