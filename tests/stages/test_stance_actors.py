"""The actor gazetteer: names, not places or names of things, matched on word boundaries."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from stages.patterns import trie_pattern
from stages.stance import Gazetteer


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
