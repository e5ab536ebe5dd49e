"""The stance tagger's rules: the seed's core triples, and tiny cases for each rule with their near misses."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
import pytest

from stages.stance import StanceTagger, tag_stances


@pytest.fixture(scope="module")
def tagger(resources) -> StanceTagger:  # type: ignore[no-untyped-def]
    tagger: StanceTagger = resources.tagger
    return tagger


TRIPLE = ["sentence_index", "source_actor", "target_actor", "stance"]


def article(*sentences: str, headings: Collection[int] = ()) -> pd.DataFrame:
    """A ``sentences`` frame of one English article, in reading order."""
    return pd.DataFrame(
        {
            "article_id": ["a" * 16] * len(sentences),
            "sentence_index": list(range(len(sentences))),
            "text": list(sentences),
            "is_heading": [i in headings for i in range(len(sentences))],
            "language": ["en"] * len(sentences),
        }
    )


def stance_rows(tagger: StanceTagger, sentences: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in tag_stances(sentences, tagger).to_dict("records")]


def triples(tagger: StanceTagger, *sentences: str) -> list[tuple[int, str, str, str]]:
    return sorted(tag_stances(article(*sentences), tagger)[TRIPLE].itertuples(index=False, name=None))


def test_seed_core_triples(tagger: StanceTagger, gold: dict[str, Any]) -> None:
    headings = {i for i, s in enumerate(gold["sentences"]) if s == "'Nightmare scenario'"}
    stances = tag_stances(article(*gold["sentences"], headings=headings), tagger)
    got = set(stances[TRIPLE].itertuples(index=False, name=None))
    key = ("sentence_index", "source_actor", "target_actor", "stance")
    core = {tuple(c[k] for k in key) for c in gold["stances"]["core"]}
    acceptable = {tuple(c[k] for k in key) for c in gold["stances"]["acceptable"]}
    false_positives = {t for t in got - core - acceptable if t[3] != "neutral"}
    assert len(core & got) == 15, sorted(core - got)  # all of them (issue 16; issue 5 asked for 14)
    assert len(false_positives) <= 1, sorted(false_positives)  # the issue-5 ceiling; 0 at the time of writing


CASES = [
    # (sentences of one article, expected (sentence, source, target, stance), why)
    (
        ["Blinken warned Russia against invading Ukraine."],
        [(0, "USA", "RUS", "against")],
        "attitude verb: subject -> first object; the victim after 'against' is not a second target",
    ),
    (["Lavrov praised China for its support."], [(0, "RUS", "CHN", "favor")], "a favor verb"),
    (
        ['"Russia\'s aggression must stop," Biden said.'],
        [(0, "USA", "RUS", "against")],
        "a quote attributed after it: the speaker's stance toward the actor in the quote",
    ),
    (
        ['"We see this as a direct threat to Russia," Peskov told reporters.'],
        [],
        "the only actor in the quote is the speaker's own side",
    ),
    (
        ["Lavrov spoke first.", "He accused NATO of lying."],
        [(1, "RUS", "NATO", "against")],
        "'he' is the last person named",
    ),
    (["It accused NATO of lying."], [], "'it' cannot be resolved: no source"),
    (
        ["The Minsk accords were signed by Kiev and Moscow."],
        [],
        "a capital naming a thing is no actor; no cue",
    ),
    (
        ["Blinken told Lavrov on Thursday near Stockholm."],
        [(0, "USA", "RUS", "neutral")],
        "a capital after 'near' is a place, not the target",
    ),
    (
        ["The U.S., Russia and Ukraine were all in Stockholm for dialogue."],
        [],
        "co-ordinated subjects are not source and target",
    ),
    (
        ["Moscow, which is accused of backing rebels fighting Kiev, accuses NATO of provocations."],
        [(0, "RUS", "NATO", "against")],
        "a relative clause is not the main clause",
    ),
    (
        ["In response to Russia's phony claims of annexation, Washington announced sanctions."],
        [(0, "USA", "RUS", "against")],
        "'claims' after a possessive is a noun, not Russia speaking",
    ),
    (
        ["Blinken warned there would be consequences, while Kuleba said Ukraine would show restraint."],
        [],
        "no other actor after either verb: nothing to tag",
    ),
    ([], [], "an empty article"),
]


@pytest.mark.parametrize(("sentences", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_rules(
    tagger: StanceTagger, sentences: list[str], expected: list[tuple[int, str, str, str]], why: str
) -> None:
    assert triples(tagger, *sentences) == expected, why


def test_speaker_cue_score_and_quote_flag(tagger: StanceTagger) -> None:
    (row,) = stance_rows(tagger, article('"Russia\'s aggression must stop," Biden said.'))
    assert row["speaker"] == "Joe Biden" and row["cue"] == "aggression" and row["is_quote"]
    assert -1 <= row["score"] < 0


PAIR_CASES = [
    # (sentence, source name or None, target name, expected stance, why)
    (
        "Blinken warned Russia against invading Ukraine.",
        "Blinken",
        "Russia",
        "against",
        "the cue is aimed at Russia",
    ),
    ("Blinken warned Russia against invading Ukraine.", "Blinken", "Ukraine", "neutral", "not at Ukraine"),
    (
        "Jay Z praised Toig for his leadership.",
        "Jay Z",
        "Toig",
        "favor",
        "names outside the gazetteer work as actors",
    ),
    ("Kerry did not criticize Lavrov on Monday.", "Kerry", "Lavrov", "neutral", "a negated cue is no attack"),
    ("The scandal is a threat to Smith.", None, "Smith", "against", "no source: the sentence's own attitude"),
    ("Smith met voters in Ohio.", None, "Smith", "neutral", "no cue, no attitude"),
]


@pytest.mark.parametrize(
    ("sentence", "source", "target", "stance", "why"), PAIR_CASES, ids=[c[4] for c in PAIR_CASES]
)
def test_stance_between_two_given_names(
    tagger: StanceTagger, sentence: str, source: str | None, target: str, stance: str, why: str
) -> None:
    def span(name: str) -> tuple[int, int]:
        at = sentence.index(name)
        return at, at + len(name)

    got, score, _ = tagger.stance_between(sentence, span(target), span(source) if source else None)
    assert got == stance, why
    assert -1 <= score <= 1


def test_the_shipped_model_reads_a_sentences_attitude_toward_its_target(tagger: StanceTagger) -> None:
    assert tagger.sentiment is not None, "data/models/stance_newsmtsc.* is shipped and loaded"
    sentence = "Critics slammed Smith for his disastrous, corrupt handling of the crisis."
    at = sentence.index("Smith")
    label, score, cue = tagger.stance_between(sentence, (at, at + 5))
    assert (label, cue) == ("against", "model") and score < 0


def test_a_person_outside_the_gazetteer_gets_the_affiliation_before_the_title(tagger: StanceTagger) -> None:
    sentence = (
        "Belarusian opposition leader Sviatlana Tsikhanouskaya condemned Moscow for backing the crackdown."
    )
    (row,) = stance_rows(tagger, article(sentence))
    assert (row["speaker"], row["source_actor"], row["target_actor"], row["stance"]) == (
        "Sviatlana Tsikhanouskaya",
        "BLR",
        "RUS",
        "against",
    )


MORE_CASES = [
    (
        ["According to the Kremlin, NATO is a threat to Russia."],
        [(0, "RUS", "NATO", "against")],
        "'according to' names the source after it",
    ),
    (["Germany is ready to cooperate with France."], [(0, "DEU", "FRA", "favor")], "readiness to cooperate"),
    (
        ["The White House urged Moscow to de-escalate."],
        [(0, "USA", "RUS", "against")],
        "a demand is against its addressee",
    ),
    (
        ["Lavrov did not criticize NATO."],
        [(0, "RUS", "NATO", "neutral")],
        "a negated attitude verb says nothing",
    ),
    (["Lavrov thanked China for its support."], [(0, "RUS", "CHN", "favor")], "thanks"),
    (["Biden threatened Russia with sanctions."], [(0, "USA", "RUS", "against")], "threats and sanctions"),
    (
        ["Kuleba was praised by Blinken for his work."],
        [(0, "USA", "UKR", "favor")],
        "passive: the agent after 'by' is the source",
    ),
    (
        ["Like Russia, Belarus was criticized by Blinken for its role in the war."],
        [(0, "USA", "BLR", "against")],
        "passive: the target is the actor nearest before the verb, not an earlier one in the clause",
    ),
    (
        ["Dmitry Peskov, the spokesman of the presidency, condemned NATO."],
        [(0, "RUS", "NATO", "against")],
        "an appositive between subject and verb",
    ),
]


@pytest.mark.parametrize(("sentences", "expected", "why"), MORE_CASES, ids=[c[2] for c in MORE_CASES])
def test_more_rules(
    tagger: StanceTagger, sentences: list[str], expected: list[tuple[int, str, str, str]], why: str
) -> None:
    assert triples(tagger, *sentences) == expected, why


NAMED = ["sentence_index", "source_name", "source_actor", "target_name", "target_actor", "stance"]

ENTITY_CASES = [
    # (sentences of one article, expected (sentence, source_name, source, target_name, target, stance), why)
    (
        ["Biden praised Blinken."],
        [(0, "Joe Biden", "USA", "Antony Blinken", "USA", "favor")],
        "two people of one state: a row within one actor, told apart by name",
    ),
    (
        ["Lavrov spoke first.", "He criticised Putin."],
        [],
        "near-miss: a he (the least sure source) is not paired with a person of its own state",
    ),
    (
        ["Lavrov spoke first.", "He criticised Kuleba."],
        [(1, "Sergei Lavrov", "RUS", "Dmytro Kuleba", "UKR", "against")],
        "a he and a person of another state, as before",
    ),
    (
        ["Blinken, unlike Biden, criticised the plan."],
        [],
        "near-miss: a person of the source's own state before the verb is not its target",
    ),
    (
        ["Blinken said the United States will support Ukraine."],
        [(0, "Antony Blinken", "USA", "Ukraine", "UKR", "favor")],
        "near-miss: another actor after the verb is still the target, not the speaker's own state",
    ),
    (
        ["Biden praised Blinken and Ukraine."],
        [(0, "Joe Biden", "USA", "Ukraine", "UKR", "favor")],
        "near-miss: another actor wins over a person of the source's own state",
    ),
    (
        ["Kremlin spokesman Dmitry Peskov criticised the plan."],
        [],
        "a person and their institution: one side",
    ),
    (["Russia and Moscow criticised the Kremlin."], [], "names of one state are one entity"),
    (["Biden met Blinken."], [], "near-miss: no cue, no stance"),
    (["Biden praised Biden."], [], "the same person twice"),
]


@pytest.mark.parametrize(("sentences", "expected", "why"), ENTITY_CASES, ids=[c[-1] for c in ENTITY_CASES])
def test_rows_between_entities_of_one_actor(
    tagger: StanceTagger, sentences: list[str], expected: list[tuple[Any, ...]], why: str
) -> None:
    got = tag_stances(article(*sentences), tagger)
    assert sorted(got[NAMED].itertuples(index=False, name=None)) == expected, why
    assert got["source_role"].isna().all() and got["target_role"].isna().all(), "no lookup, no roles"


KEY_CASES = [
    # (sentence, expected rows, why)
    (
        "Lavrov criticised Ukraine, and Russia condemned Kyiv.",
        [(0, "Sergei Lavrov", "RUS", "Ukraine", "UKR", "against")],
        "one row per pair of actor ids, whatever names the pair goes by",
    ),
    (
        "Biden criticised Trump, and Blinken criticised Putin and Lavrov.",
        [
            (0, "Antony Blinken", "USA", "Vladimir Putin", "RUS", "against"),
            (0, "Joe Biden", "USA", "Donald Trump", "USA", "against"),
        ],
        "a pair within one actor is its own row beside the pair of two actors",
    ),
]


@pytest.mark.parametrize(("sentence", "expected", "why"), KEY_CASES, ids=[c[-1] for c in KEY_CASES])
def test_one_row_per_pair(
    tagger: StanceTagger, sentence: str, expected: list[tuple[Any, ...]], why: str
) -> None:
    got = tag_stances(article(sentence), tagger)
    assert sorted(got[NAMED].itertuples(index=False, name=None)) == expected, why


# Events (issue 16): CAMEO event verbs, the verb as the event, reversing verbs, and who is no actor.
EVENT_CASES = [
    (["Iran met Iraq."], [(0, "IRN", "IRQ", "favor")], "a CAMEO consult verb (040) is cooperation"),
    (
        ["Iran did not meet Iraq."],
        [(0, "IRN", "IRQ", "neutral")],
        "near miss: a negated event verb says nothing",
    ),
    (
        ["The United States would prohibit all aid to Albania."],
        [(0, "USA", "ALB", "against")],
        "a reversing verb turns its object cue: prohibit + aid is against",
    ),
    (
        ["Israel lifted the blockade of Lebanon."],
        [(0, "ISR", "LBN", "favor")],
        "lifting a blockade is favor, the noun 'blockade' read as the object",
    ),
    (["Germany suspended talks with Iran."], [(0, "DEU", "IRN", "against")], "suspending talks is against"),
    (
        [
            "Syria says it is willing to withdraw its troops from neighboring Lebanon, after years of occupation."
        ],
        [(0, "SYR", "LBN", "favor")],
        "the event verb (withdraw) outweighs a noun cue (occupation)",
    ),
    (
        ["Russia decided to invade Ukraine."],
        [(0, "RUS", "UKR", "against")],
        "an intent verb passes on to the verb after 'to'",
    ),
    (
        ["Syria offered its troops to Lebanon's President Elias Hrawi to help him oust General Michel Aoun."],
        [(0, "SYR", "LBN", "favor")],
        "a verb after 'to help him' has no subject of its own: no Lebanon -> Syria row",
    ),
    (
        ["Jordan and Britain have agreed to hold joint exercises."],
        [],
        "co-subjects of an event verb are not each other's targets",
    ),
    (
        ["Turkey will allow refugees to return home as part of a UN-brokered deal."],
        [],
        "a name joined by a hyphen ('UN-brokered') is a modifier, no actor",
    ),
    (
        [
            "Croatian authorities are failing to uphold the rights of Croatian Serb refugees, a rights group protested."
        ],
        [],
        "'Serb' after 'Croatian' is a group, no country; the group that protested is no actor",
    ),
    (
        ["At a NATO meeting in Riga, Blinken accused Russia of lying."],
        [(0, "USA", "RUS", "against")],
        "an event verb used as a noun ('a NATO meeting') opens no claim",
    ),
    (
        ["Nigeria will withdraw its force from Chad unless the rebels agree to a ceasefire."],
        [(0, "NGA", "TCD", "against")],
        "an act on a condition ('unless') is a threat",
    ),
    (
        ["Nigeria will withdraw its force from Chad."],
        [(0, "NGA", "TCD", "favor")],
        "near miss: without the condition a withdrawal is favor",
    ),
    (
        ["Britain mobilized reservists for a war against Iraq while UN inspectors said they needed time."],
        [(0, "GBR", "IRQ", "against")],
        "a bare 'while' starts a clause: the inspectors' report has no target of its own",
    ),
    (
        ["Officials of the Municipality Association (AKK) praised Serbia."],
        [],
        "an acronym in parentheses abbreviates the name before it, whoever else it may name",
    ),
    (
        ["A missionary was arrested in Lebanon for working with Israel, according to the Canadian Press."],
        [],
        "a demonym opening a news outlet's name is the outlet, not the country",
    ),
    (
        ["Canadian officials criticised Israel."],
        [(0, "CAN", "ISR", "against")],
        "near miss: a demonym before a common noun is the country",
    ),
    (
        ["NATO would tighten the naval blockade of Serbia with Albania's help."],
        [(0, "NATO", "SRB", "against")],
        "a blockade is conflict, as a noun too (it was no cue after 'the naval')",
    ),
    (
        ["The EU reached an agreement on new sanctions against Belarus, and the US would follow suit."],
        [(0, "EU", "BLR", "against"), (0, "USA", "BLR", "against")],
        "an actor that follows suit takes the stance of the clause before",
    ),
    (
        ["The EU reached an agreement on new sanctions against Belarus, and the US would follow."],
        [(0, "EU", "BLR", "against")],
        "near miss: 'follow' alone is no taking over",
    ),
    (
        ["Russia spoke first, and the US would follow suit."],
        [],
        "the clause before holds a claim but no stance: nothing to take over",
    ),
    (
        ["Israeli soldiers arrested 100 Palestinians, military sources said."],
        [(0, "ISR", "PSE", "against")],
        "a cue word that is an event verb form ('arrested') is a verb; the reporter is no actor",
    ),
    (
        ["A Saudi businessman is suing the United States for damages, his American lawyer said."],
        [(0, "SAU", "USA", "against")],
        "a trailing reporter takes no target from the event it reports (no USA -> SAU)",
    ),
    (
        ["Iran rejected a U.S. request, an official said."],
        [(0, "IRN", "USA", "against")],
        "'a U.S. request' is a noun, not the U.S. requesting",
    ),
    (
        ["Israeli tanks fired at targets in the West Bank city of Jericho."],
        [],
        "'the West' in 'the West Bank' is part of a longer name, no actor",
    ),
    (
        ["Britain reiterated that Libya must hand over the suspects."],
        [(0, "GBR", "LBY", "against")],
        "what a report says its target must do is a demand of it (CAMEO 10)",
    ),
    (
        ["China demanded that the US cancel plans to sell weapons to Taiwan."],
        [(0, "CHN", "USA", "against")],
        "the reported subject (the US) takes no stance of its own toward Taiwan",
    ),
    (
        ["Saudi Arabia mobilized groups in the United States."],
        [],
        "a name after 'in the' is a place",
    ),
    (
        ["Three US servicemen were killed by a bomb outside the Iraqi city of Basra."],
        [],
        "the subject of a passive with no actor after 'by' is no source",
    ),
    (
        [
            "Yemen has rejected a U.S. request to question detainees held after the escape of prisoners, a security official said."
        ],
        [(0, "YEM", "USA", "against")],
        "the reporter is the phrase before 'said', not the U.S. inherited from before (no USA -> YEM)",
    ),
    (
        ["Beirut rejected a United Nations appeal for deploying troops along its borders with Israel."],
        [(0, "LBN", "UN", "against")],
        "'a United Nations appeal' is a noun: no UN -> Israel row",
    ),
    (
        ["Aristide was accused of misusing up to US $50 million in funds by Haitian officials."],
        [],
        "'US $50 million' is money, not the US",
    ),
]


@pytest.mark.parametrize(("sentences", "expected", "why"), EVENT_CASES, ids=[c[2] for c in EVENT_CASES])
def test_event_rules(
    tagger: StanceTagger, sentences: list[str], expected: list[tuple[int, str, str, str]], why: str
) -> None:
    assert triples(tagger, *sentences) == expected, why


def test_event_verbs_code_gazetteer_actors_not_any_two_given_names(tagger: StanceTagger) -> None:
    text = "Samsung paid Apple more than $548 million."
    assert triples(tagger, "Russia paid Ukraine more than $548 million.") == [(0, "RUS", "UKR", "favor")]
    assert tagger.stance_between(text, (13, 18), (0, 7), fallback=False)[0] == "neutral"
