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
# Verbs that reverse what their object says ("prohibit aid", "halt cooperation", "lifted the
# blockade", "refused to back"): the object's cue within REVERSAL_WINDOW words after one counts
# reversed, and the two are read as one verb cue (the reversing verb's own weight is dropped).
REVERSING_VERBS = frozenset(
    (
        "prohibit prohibits prohibited prohibiting ban bans banned banning bar bars barred barring "
        "halt halts halted halting suspend suspends suspended suspending stop stops stopped stopping "
        "cut cuts cutting cancel cancels cancelled canceled cancelling canceling end ends ended ending "
        "lift lifts lifted lifting ease eases eased easing drop drops dropped dropping scrap scraps "
        "scrapped scrapping revoke revokes revoked revoking withhold withholds withheld withholding "
        "freeze freezes froze frozen freezing block blocks blocked blocking refuse refuses refused "
        "refusing renounce renounces renounced renouncing abandon abandons abandoned abandoning "
        "prevent prevents prevented preventing"
    ).split()
)
REVERSAL_WINDOW = 3
_REVERSER = re.compile(r"(?<![\w-])" + P.trie_pattern(REVERSING_VERBS) + r"(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    """A cue term found in text: span, the term, its kind (report|verb|word) and weight;
    ``event``: an event verb of the CAMEO list (``cameo_verbs.csv``), not of the hand lexicon."""

    start: int
    end: int
    term: str
    kind: str
    weight: float
    event: bool = False


class CueLexicon:
    """Reporting verbs, attitude verbs and cue words with weights, matched case-insensitively."""

    def __init__(
        self,
        entries: Iterable[tuple[str, str, float]],
        events: Iterable[tuple[str, str, float]] = (),
    ) -> None:
        """``entries``: (term, kind, weight) with kind in report | verb | word; ``events``: the
        same for event verbs (``Cue.event``), which an entry of the same term replaces."""
        self._entries: dict[str, tuple[str, float, bool]] = {}
        verb_forms: set[str] = set()
        for is_event, listed in ((True, events), (False, entries)):
            for term, kind, weight in listed:
                if kind not in ("report", "verb", "word"):
                    raise ValueError(f"cue {term!r}: kind must be report, verb or word, not {kind!r}")
                self._entries[term.lower()] = (kind, float(weight), is_event)
                if is_event and kind == "verb":
                    verb_forms.add(term.lower())
        # Cue words that are also event verb forms ("arrested", "invade"): read as verbs in events.
        self.verb_forms = frozenset(verb_forms)
        self._pattern = re.compile(
            r"(?<![\w-])" + P.trie_pattern(self._entries) + r"(?![\w-])", re.IGNORECASE
        )

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_frame(cls, cues: pd.DataFrame, extra: pd.DataFrame | None = None) -> CueLexicon:
        """Build from ``data/reference/cues.csv`` (columns term, kind, weight) and, when given,
        ``extra`` cues of the same columns (``cameo_verbs.csv``): ``cues`` wins where both list a term."""

        def rows(f: pd.DataFrame | None) -> list[tuple[str, str, float]]:
            if f is None:
                return []
            return [
                (str(t), str(k), float(w)) for t, k, w in zip(f["term"], f["kind"], f["weight"], strict=True)
            ]

        return cls(rows(cues), rows(extra))

    def find(self, text: str) -> list[Cue]:
        out = []
        for match in self._pattern.finditer(text):
            kind, weight, event = self._entries[match.group().lower()]
            out.append(Cue(match.start(), match.end(), match.group(), kind, weight, event))
        return out


def reversed_objects(text: str, cues: list[Cue]) -> list[Cue]:
    """``cues`` (in text order) with each cue that follows a reversing verb within
    ``REVERSAL_WINDOW`` words read together with it, reversed: "prohibit all aid" is one verb
    cue of the weight of -aid, "lifted a day-old blockade" of +1. A reversing verb that is a cue
    itself ("prohibit", "rejected") is consumed; with no cue after it, it keeps its own weight."""
    out: list[Cue] = []
    skip_until = -1
    for verb in _REVERSER.finditer(text):
        if verb.start() < skip_until or any(c.start <= verb.start() and c.end > verb.end() for c in cues):
            continue  # inside a reversal already read, or a phrase cue of its own ("cut aid")
        before = P.WORD_OR_POSSESSIVE.findall(text[max(0, verb.start() - 20) : verb.start()])
        if before and before[-1].lower() in NOUN_MARKERS:
            continue  # a noun: "at the end of the war", "a ban"
        following = [c for c in cues if c.start >= verb.end() and c.kind != "report" and c.weight]
        if not following:
            continue
        obj = following[0]
        if len(P.WORD.findall(text[verb.end() : obj.start])) > REVERSAL_WINDOW:
            continue
        out.append(Cue(verb.start(), obj.end, text[verb.start() : obj.end], "verb", -obj.weight, False))
        skip_until = obj.end
    if not out:
        return cues
    merged = [c for c in cues if not any(m.start <= c.start < m.end for m in out)]
    return sorted([*merged, *out], key=lambda c: c.start)


def negated(text: str, cue: Cue) -> Cue:
    """A cue after a negation within three words: a verb says nothing ("did not criticise"),
    a word counts half, reversed ("not a threat")."""
    before = text[max(0, cue.start - 30) : cue.start].lower().split()[-NEGATION_WINDOW:]
    if any(word in NEGATIONS or word.endswith("n't") or word.endswith("n’t") for word in before):
        weight = 0.0 if cue.kind == "verb" else NEGATION_FACTOR * cue.weight
        return Cue(cue.start, cue.end, f"not {cue.term}", cue.kind, weight, cue.event)
    return cue


# Before an event verb's form, these also make it a noun ("other issues", "at a NATO meeting").
EVENT_NOUN_MARKERS = NOUN_MARKERS | frozenset(
    "other some many all any each every new no two three several of on in at for with from by against "
    "about over toward towards than despite without".split()
)


def event_used_as_noun(text: str, cue: Cue) -> bool:
    """An event verb's form is a noun after a determiner, a quantifier or a preposition ("the
    talks", "other issues", "aimed at resolving"), after a possessive, or two words after "a"
    ("a U.S. request") or, an -ing form, after another determiner ("the NATO meeting")."""
    # Words as split by spaces, so that "a U.S. request" has "U.S." before "request".
    before = [w.strip(',;:()"“”') for w in text[max(0, cue.start - 40) : cue.start].split()[-2:]]
    if not before:
        return False
    if before[-1].lower() in EVENT_NOUN_MARKERS or any(w.endswith(("'s", "’s")) for w in before):
        return True
    if len(before) < 2 or before[0].lower() not in NOUN_MARKERS:
        return False
    # "a U.S. request" (no finite verb follows "a" and a name), "a NATO meeting"
    return before[0].lower() in ("a", "an") or cue.term.lower().endswith("ing")


def used_as_noun(text: str, cue: Cue) -> bool:
    """A verb form after a determiner or a possessive within two words is a noun ("Russia's phony claims")."""
    before = P.WORD_OR_POSSESSIVE.findall(text[max(0, cue.start - 40) : cue.start])[-2:]
    if before and before[-1].lower() in NOUN_MARKERS:
        return True
    return any(w.endswith(("'s", "’s")) for w in before)
