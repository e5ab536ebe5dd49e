"""The reporting and attitude verbs that make a statement an attribution, and the cheap test
of which sentences are worth parsing (a cue word's form or a quotation mark)."""

from __future__ import annotations

import re

# Lemmas of the verbs that report or attribute a statement or a belief (spaCy lemmas). Left
# out, as PolNeAR almost never marks them a cue: think, continue, figure, mean, guess, rule,
# decide ("I think", "continue to", "figure out", "it means" are mostly not attribution).
CUE_LEMMAS: tuple[str, ...] = tuple(
    """
    say tell add state claim accuse warn reject deny insist announce report note argue believe
    urge call condemn praise criticise criticize threaten promise confirm explain write ask reply
    respond suggest acknowledge admit declare predict estimate learn reveal show allege
    assert contend maintain recall demand vow pledge tweet testify describe indicate stress
    emphasise emphasize complain concede speculate dismiss blame welcome fear hope expect know
    feel find conclude worry doubt mention comment observe caution boast joke wonder charge
    signal disclose propose recommend advise inform assure predict quote cite agree disagree
    tout hint question deplore decry denounce applaud reiterate repeat counter retort
    acknowledge recount lament proclaim brag suspect imply encourage defend mock
    discuss view insist advocate support oppose slam attack lambast
    plan want
    """.split()
)
CUE_SET = frozenset(CUE_LEMMAS)

# Inflected forms the lemmatizer maps to a cue but a prefix test would miss.
_IRREGULAR = "said told wrote written knew known found felt shown sought"
# A sentence is a candidate when a word starts like a cue lemma (a deliberately loose prefix
# test: the parse decides), says "according to", or holds a double quotation mark.
_STEMS = sorted(
    {lemma.rstrip("e") if len(lemma) > 4 else lemma for lemma in CUE_LEMMAS} | set(_IRREGULAR.split())
)
CANDIDATE = re.compile(
    r"[\"“”―]|\baccording\s+to\b|\b(?:" + "|".join(map(re.escape, _STEMS)) + r")",
    re.IGNORECASE,
)

# A transcript's turn: "NAME: words", the name in capitals (initials, hyphens, spaces).
TURN = re.compile(r"^\s*[\"“]?([A-Z][A-Z.'’\- ]{0,30}[A-Z.]):\s+\S")


def is_candidate(text: str) -> bool:
    """Whether ``text`` may hold an attribution: a cue word's form, a double quote, a signing
    dash or a transcript's turn in it."""
    return CANDIDATE.search(text) is not None or TURN.match(text) is not None
