"""The cue lexicon (what its cues do to a stance is tested with the tagger's rules)."""

from __future__ import annotations

import pandas as pd
import pytest

from stages.stance import CueLexicon
from stages.stance.cues import Cue, event_used_as_noun, reversed_objects


def test_lexicon_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        CueLexicon([("warned", "adverb", -1)])


def test_hand_cues_win_over_event_verbs() -> None:
    hand = pd.DataFrame({"term": ["demanded"], "kind": ["report"], "weight": [0.0]})
    events = pd.DataFrame({"term": ["demanded", "met"], "kind": ["verb", "verb"], "weight": [-0.5, 0.5]})
    found = {c.term: c for c in CueLexicon.from_frame(hand, events).find("Iran demanded; Iran met Iraq.")}
    assert (found["demanded"].kind, found["demanded"].weight, found["demanded"].event) == (
        "report",
        0.0,
        False,
    )
    assert (found["met"].weight, found["met"].event) == (0.5, True)


def _cues(text: str, *terms: tuple[str, str, float]) -> list[Cue]:
    return CueLexicon(terms).find(text)


AID = ("aid", "word", 1.0)
BLOCKADE = ("blockade", "word", -1.0)
PROHIBIT = ("prohibit", "verb", -1.0)

REVERSALS = [
    (
        "The US would prohibit all aid to rebels.",
        (PROHIBIT, AID),
        [("prohibit all aid", -1.0)],
        "prohibit + aid: one cue, against",
    ),
    (
        "Israel lifted a day-old blockade.",
        (BLOCKADE,),
        [("lifted a day-old blockade", 1.0)],
        "lifting a blockade is favor",
    ),
    (
        "They would prohibit it.",
        (PROHIBIT,),
        [("prohibit", -1.0)],
        "no object cue: the verb keeps its own weight",
    ),
    (
        "It halted the convoy near the border with aid.",
        (AID,),
        [("aid", 1.0)],
        "object cue too far (over three words)",
    ),
    ("Aid was lifted.", (AID,), [("Aid", 1.0)], "the cue before the reversing verb is not its object"),
    ("", (AID,), [], "empty text"),
]


@pytest.mark.parametrize(("text", "terms", "expected", "why"), REVERSALS, ids=[r[3] for r in REVERSALS])
def test_reversing_verbs(
    text: str, terms: tuple[tuple[str, str, float], ...], expected: list[tuple[str, float]], why: str
) -> None:
    got = reversed_objects(text, _cues(text, *terms))
    assert [(c.term, c.weight) for c in got] == expected, why


NOUNS = [
    ("At a NATO meeting in Riga", "meeting", True, "an -ing form two words after a determiner"),
    ("other issues on the agenda", "issues", True, "after a quantifier"),
    ("aimed at resolving the conflict", "resolving", True, "after a preposition"),
    ("Kiev's partners", "partners", True, "after a possessive"),
    ("Russia met Ukraine", "met", False, "a verb after its subject"),
    ("the US met Iran", "met", False, "a past form after 'the US' is a verb"),
    ("willing to withdraw", "withdraw", False, "'to' makes an infinitive, not a noun"),
]


@pytest.mark.parametrize(("text", "term", "expected", "why"), NOUNS, ids=[n[3] for n in NOUNS])
def test_event_verbs_used_as_nouns(text: str, term: str, expected: bool, why: str) -> None:
    (cue,) = _cues(text, (term, "verb", 1.0))
    assert event_used_as_noun(text, cue) is expected, why
