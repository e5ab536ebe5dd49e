"""The reporting and attitude verbs that make a statement an attribution, and the cheap test
of which sentences are worth parsing (a cue verb's form, "according to", a signed quotation
or a transcript's turn)."""

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
    shout yell scream whisper mutter chant exclaim echo point speak remark quip muse underscore
    highlight elaborate affirm reaffirm rebut refute dispute endorse blast bemoan liken
    characterize characterise label brand refer reference detail outline summarize summarise
    decline refuse
    """.split()
)
# Cue lemmas that report a statement or belief only when they govern a clause or a quotation:
# their object or infinitive is what they act on, not what someone says ("shows the need",
# "found a way", "wants to win", "plans a visit").
CLAUSE_CUES = frozenset(
    """
    show find know want plan support learn oppose discuss recommend encourage defend disclose
    """.split()
)

# Irregular forms of cue lemmas, which the regular rules in ``_forms`` do not make.
_IRREGULAR: dict[str, str] = {
    "said": "say",
    "told": "tell",
    "wrote": "write",
    "written": "write",
    "knew": "know",
    "known": "know",
    "found": "find",
    "felt": "feel",
    "shown": "show",
    "quipped": "quip",
    "quipping": "quip",
    "echoes": "echo",
}
# Forms that news mostly uses as nouns ("the United States", "a tweet", "his plans"): alone,
# they do not make a sentence worth parsing (on 3,000 candidate sentences of news_unified,
# "state"/"states" triggered 438 parses for one cue). A sentence parsed for another word still
# has them read as cues where the parse makes them verbs.
NOUN_FORMS = frozenset(
    """
    state states tweet tweets plan plans attack attacks comment comments question questions
    view views report reports claim claims note notes charge charges quote quotes
    signal signals demand demands estimate estimates
    """.split()
)
_VOWELS = frozenset("aeiou")


def _forms(lemma: str) -> set[str]:
    """The regular inflections of a verb lemma (a few too many is harmless: the parse decides)."""
    forms = {lemma, lemma + "s", lemma + "ed", lemma + "ing"}
    if lemma.endswith("e"):
        forms |= {lemma + "d", lemma[:-1] + "ing"}
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        forms.add(lemma + "es")
    if lemma.endswith("y") and lemma[-2:-1] not in _VOWELS:
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    last = lemma[-1]
    if last not in _VOWELS and last not in "wxy" and lemma[-2:-1] in _VOWELS and lemma[-3:-2] not in _VOWELS:
        forms |= {lemma + last + "ed", lemma + last + "ing"}  # "admitted", "regretting"
    return forms


def _lemmas_of_forms() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for lemma in CUE_LEMMAS:
        for form in _forms(lemma):
            found.setdefault(form, set()).add(lemma)
    for form, lemma in _IRREGULAR.items():
        found.setdefault(form, set()).add(lemma)
    return {form: frozenset(lemmas) for form, lemmas in found.items()}


# Every inflected form of a cue lemma -> its lemmas: how a parsed token is known to be a cue
# without a lemmatizer (the pipeline's lemmatizer and the attribute ruler it needs cost a
# quarter of the parse and serve nothing else).
CUE_LEMMAS_OF_FORM: dict[str, frozenset[str]] = _lemmas_of_forms()

# Verbs that report a statement or an attitude only with one of these objects ("sounded the
# alarm", "voiced concern", "expressed support"): the verb is the cue, the object says so.
IDIOM_CUES: dict[str, frozenset[str]] = {
    "sound": frozenset(("alarm", "warning")),
    "raise": frozenset(("alarm", "concern", "concerns", "doubts", "question", "questions")),
    "voice": frozenset(("concern", "concerns", "support", "opposition", "doubts", "hope")),
    "express": frozenset(("concern", "concerns", "support", "regret", "hope", "doubts", "outrage")),
}
IDIOM_OF_FORM: dict[str, str] = {form: verb for verb in IDIOM_CUES for form in _forms(verb)}
CUE_FORMS = (frozenset(CUE_LEMMAS_OF_FORM) | frozenset(IDIOM_OF_FORM)) - NOUN_FORMS
# A sentence is a candidate when it holds a word that may be a cue verb, says "according to",
# or may sign a quotation with a dash before a name. A quotation mark alone is no reason: a quotation without a
# cue is either no statement or one continued from the sentence before, read without a parse.
CANDIDATE = re.compile(
    r"[―—]\s*[A-Z]|\baccording\s+to\b|\b(?:"
    + "|".join(map(re.escape, sorted(CUE_FORMS, key=lambda f: (-len(f), f))))
    + r")\b",
    re.IGNORECASE,
)

# A transcript's turn: "NAME: words", the name in capitals (initials, hyphens, spaces).
TURN = re.compile(r"^\s*[\"“]?([A-Z][A-Z.'’\- ]{0,30}[A-Z.]):\s+\S")


def is_candidate(text: str) -> bool:
    """Whether ``text`` may hold an attribution: a cue verb's form, "according to", a signing
    dash or a transcript's turn in it."""
    return CANDIDATE.search(text) is not None or TURN.match(text) is not None
