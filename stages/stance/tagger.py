"""The ``StanceTagger``: the rules that read a source, a target and a stance in each clause
(see the package doc), and the stance between two given spans of a sentence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from stages import patterns as P
from stages.stance.actors import Gazetteer, Mention, names_a_pair, same_entity
from stages.stance.cues import Cue, CueLexicon, used_as_noun
from stages.stance.rows import StanceRow
from stages.stance.sentence import (
    ArticleContext,
    Sentence,
    analyse,
    clauses,
    find_quotes,
    holds_no_pair,
    remember_last_person,
)
from stages.stance.signing import sign_rows

# A source-target pair the rules do not link takes the model's label only above this |score|
# (P(favor) - P(against)); chosen on NewsMTSC dev, where it keeps precision above 0.8.
MODEL_FALLBACK_MIN_SCORE = 0.6
# Actor ids of the two spans given to StanceTagger.stance_between.
PAIR_SOURCE = "@SOURCE"
PAIR_TARGET = "@TARGET"
# A passive agent ("praised by other European nations") starts within this many characters after "by".
PASSIVE_AGENT_MAX_CHARS = 30
# Reporting phrases whose source comes after them, at most MAX_SOURCE_AFTER_GAP words after.
SOURCE_AFTER_VERBS = frozenset({"according to"})
MAX_SOURCE_AFTER_GAP = 3
# At most this many words between a subject and its verb ("Antony Blinken on Thursday warned").
MAX_SUBJECT_GAP = 6
# A clause subject without a verb cue must start the clause (after at most this many words).
MAX_SUBJECT_OFFSET = 1
# What a report says its target must do is a demand of it (CAMEO 10): this weight.
DEMAND_WEIGHT = -1.0
# A claim's head event (its first weighted verb) counts this many times the other cues.
HEAD_EVENT_FACTOR = 2.0
# Words before a verb that make it non-finite ("to help", "aimed at establishing"): it has no
# subject of its own and shares the source of the verb before it.
NON_FINITE_BEFORE = frozenset(
    "to at of for by in on with without from after before into against about over toward towards despite".split()
)
# Auxiliaries before an -ing form that make it finite ("is suing"); without one, it is a participle.
BE_FORMS = frozenset("is are was were be been being am 's".split())
# Words that make a lower-case run before a verb no noun phrase (", has denied", ", and then").
NOT_NOUN_PHRASE = frozenset(
    "is are was were be been being am has have had do does did will would shall should can could may "
    "might must to and or but also then who which that not never it they he she we i you".split()
)
# Words before a verb form that make it a verb: auxiliaries, modals and "to".
AUXILIARIES = BE_FORMS | frozenset(
    "to will would shall should can could may might must has have had do does did".split()
)


def _following_suit(sent: Sentence, clause: tuple[int, int], before: list[StanceRow]) -> list[StanceRow]:
    """A clause whose actor "follows suit" ("the EU agreed on sanctions against Belarus, and the
    US would follow suit") takes the stances of the clause before, as its own source's."""
    match = P.FOLLOW_SUIT.search(sent.text, *clause)
    if match is None:
        return []
    subjects = [m for m in sent.mentions if clause[0] <= m.start < match.start()]
    if not subjects:
        return []
    source = subjects[-1]
    return [
        replace(
            row, speaker=source.surface, source_actor=source.actor, source_name=source.name, cue=match.group()
        )
        for row in before
        if row.stance != "neutral" and row.target_actor != source.actor
    ]


class _Claim(NamedTuple):
    """A source read around a verb (``verb`` None: a clause's bare subject), with the spans its
    target and cues are looked for in: ``after`` the verb first, then ``before`` it."""

    source: Mention
    verb: Cue | None
    after: tuple[int, int]
    before: tuple[int, int]


def _given(text: str, span: tuple[int, int], actor: str) -> Mention:
    """A span given to ``stance_between``, as a person mention of a made-up actor."""
    return Mention(*span, text[span[0] : span[1]], actor, "person", text[span[0] : span[1]])


def _other_person(sent: Sentence, source: Mention, after: tuple[int, int]) -> Mention | None:
    """The first person after the verb who is of the source's own actor (``Sentence.target``
    skips them) and is not ``same_entity`` as the source, outside masks; or None."""
    lo, hi = after
    for m in sent.mentions:
        if lo <= m.start and m.end <= hi and m.kind == "person" and not sent.in_mask(m.start):
            if same_entity(m, source):
                continue
            return m
    return None


def _keep_strongest(rows: dict[tuple[str | None, ...], StanceRow], row: StanceRow | None) -> None:
    """Keep ``row`` unless a row of the same source and target (``StanceRow.key``) with a larger
    ``|score|`` is kept."""
    if row is None:
        return
    key = row.key()
    if key not in rows or abs(row.score) > abs(rows[key].score):
        rows[key] = row


def _head_event(text: str, used: Sequence[Cue], verb: Cue | None) -> Cue | None:
    """The event a claim reports: its own verb when that has a weight, else the first weighted verb
    in its scope that an auxiliary or "to" makes a verb ("it had paid compensation", "is willing to
    withdraw"); then, along "to", the verb it introduces ("decided to invade": invade)."""
    weighted = [c for c in used if c.weight]
    head = verb if verb is not None and verb.kind == "verb" and verb.weight else None
    if head is None:
        head = next((c for c in weighted if c.kind == "verb" and _word_before(text, c) in AUXILIARIES), None)
    while head is not None:
        nxt = next((c for c in weighted if c.start >= head.end), None)
        if nxt is None or P.WORD.findall(text[head.end : nxt.start]) != ["to"]:
            break
        head = nxt
    return head


def _weigh(text: str, used: Sequence[Cue], verb: Cue | None) -> tuple[float, list[Cue]]:
    """The summed weight of a claim's cues and the cues summed. The head event (``_head_event``)
    counts HEAD_EVENT_FACTOR times: the event is the verb, the other cues describe it ("Syria is
    willing to withdraw its troops ... after years of occupation": withdraw, not occupation).
    Event verbs (``Cue.event``) other than the head are left out: they are other events, often
    of other actors ("... that would make Russia think twice")."""
    head = _head_event(text, used, verb)
    kept = [c for c in used if not c.event or c is head]
    total = sum(c.weight for c in kept)
    return (total if head is None else total + (HEAD_EVENT_FACTOR - 1) * head.weight), kept


def _word_before(text: str, cue: Cue) -> str:
    before = P.WORD_OR_POSSESSIVE.findall(text[max(0, cue.start - 30) : cue.start])
    return before[-1].lower() if before else ""


def _sign(value: float) -> str:
    if value < 0:
        return "against"
    if value > 0:
        return "favor"
    return "neutral"


def _passive(text: str, verb: Cue) -> bool:
    """Whether ``verb`` is a passive participle: a form in -ed, -en or -wn after a form of "be",
    adverbs in -ly aside ("were killed", "was reportedly attacked"; not "is ready")."""
    if not verb.term.split()[0].lower().endswith(("ed", "en", "wn")):
        return False
    before = [w.lower() for w in P.WORD_OR_POSSESSIVE.findall(text[max(0, verb.start - 40) : verb.start])]
    while before and before[-1].endswith("ly"):
        before.pop()
    return bool(before) and before[-1] in ("is", "are", "was", "were", "be", "been", "being")


def _non_finite(text: str, verb: Cue) -> bool:
    """Whether ``verb`` is an infinitive or a participle by the word before it ("to help",
    "charging its neighbour", "at establishing"), not a finite verb with a subject of its own."""
    prev = _word_before(text, verb)
    if prev in NON_FINITE_BEFORE:
        return True
    first = verb.term.split()[0].lower()
    return first.endswith("ing") and prev not in BE_FORMS and not prev.endswith(("'s", "’s"))


def _reported_subjects(claims: list[_Claim]) -> list[_Claim]:
    """Without the claims whose subject stands in what an earlier report of the clause reports
    ("China demanded that the US cancel plans to sell arms to Taiwan": the US is reported on, it
    takes no stance toward Taiwan here); the report's own row reads that content."""
    reports = [c for c in claims if c.verb is not None and c.verb.kind == "report"]
    return [
        c
        for c in claims
        if not any(
            r is not c
            and r.source is not c.source
            and r.verb is not None
            and r.verb.end <= c.source.start
            and c.verb is not None
            and c.source.start < c.verb.start
            for r in reports
        )
    ]


def _trailing_reports(claims: list[_Claim]) -> list[_Claim]:
    """A report verb after the events it reports ("Jordan and Britain have agreed ..., a
    Jordanian official confirmed"): its subject is no object of those events (their scopes end
    where it starts), and the events' own sources are not its targets (it takes none before it)."""
    out = list(claims)
    for j, claim in enumerate(claims):
        if claim.verb is None or claim.verb.kind != "report" or claim.source.start > claim.verb.start:
            continue
        if any(other.source is claim.source for other in claims[:j]):
            continue  # an inherited source: no subject of its own after the events
        earlier = [k for k in range(j) if (v := claims[k].verb) is not None and v.end <= claim.source.start]
        if not any((v := claims[k].verb) is not None and v.kind == "verb" for k in earlier):
            continue
        for k in earlier:
            after = out[k].after
            out[k] = out[k]._replace(after=(after[0], max(after[0], min(after[1], claim.source.start))))
        out[j] = claim._replace(before=(claim.before[0], claim.before[0]))
    return out


class StanceTagger:
    """Tags the stances of one article's sentences; see the module doc for the rules."""

    def __init__(
        self, gazetteer: Gazetteer, lexicon: CueLexicon, sentiment: Any = None, signs_rows: bool = False
    ) -> None:
        """``sentiment``: an optional model of a sentence's attitude toward a target (``predict``),
        used by ``stance_between`` without a source, and where the rules link no pair. With
        ``signs_rows`` (the sentence model, ``stages.stance.minilm``) it also signs the pairs the
        rules find, as the stage does (``stages.stance.signing.sign_rows``)."""
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.sentiment = sentiment
        self.signs_rows = signs_rows and sentiment is not None

    def _passive_agent(self, sent: Sentence, verb: Cue, clause_end: int) -> Mention | None:
        """The agent of a passive attitude verb ("was praised by X"), or None."""
        if verb.kind != "verb" or not verb.term.lower().endswith("ed"):
            return None
        by = P.PASSIVE_BY.match(sent.text, verb.end, clause_end)
        if by is None:
            return None
        for m in sent.mentions:
            if by.end() <= m.start < by.end() + PASSIVE_AGENT_MAX_CHARS and not sent.in_quote(m.start):
                return m
        return None

    def _source_after(self, sent: Sentence, verb: Cue, clause_end: int) -> Mention | None:
        """The actor right after a verb that names its source ("according to the Kremlin")."""
        for m in sorted(sent.mentions, key=lambda m: m.start):
            if verb.end <= m.start < clause_end and not sent.in_quote(m.start):
                return m if sent.words_between(verb.end, m.start) <= MAX_SOURCE_AFTER_GAP else None
        return None

    def _source_before(
        self, sent: Sentence, clause_start: int, clause_end: int, verb: Cue
    ) -> Mention | bool | None:
        """The subject of ``verb``: a Mention, None (no candidate) or False (an unresolvable pronoun)."""
        nearest = sent.nearest_subject(clause_start, verb.start)
        blocker = sent.last_blocker(clause_start, clause_end, verb.start)
        if blocker is not None and (nearest is None or blocker > nearest.start):
            return False
        phrase = P.NEW_NOUN_PHRASE.search(sent.text, nearest.end if nearest else clause_start, verb.start)
        if (
            phrase is not None
            and not NOT_NOUN_PHRASE.intersection(P.WORD.findall(phrase.group().lower()))
            and not any(c.kind in ("report", "verb") for c in sent.cues_within((phrase.start(), verb.start)))
        ):
            return False  # "... Croatian Serb refugees, a human rights group protested": that group
        if nearest is None:
            return None
        gap_start = nearest.end
        # "Carl Blackstone, president of the Chamber of Commerce, applauded ...": an appositive
        # between the subject and its verb does not count toward the gap.
        appositive = P.APPOSITIVE.match(sent.text, gap_start, verb.start)
        if appositive is not None:
            gap_start = appositive.end()
        if sent.words_between(gap_start, verb.start) > MAX_SUBJECT_GAP:
            return None
        if any(
            c.kind in ("report", "verb") and not sent.in_mask(c.start)
            for c in sent.cues_within((gap_start, verb.start))
        ):
            return (
                None  # "to help him oust": another verb stands between, its actor is not this one's subject
            )
        return nearest

    def _stance(
        self,
        sent: Sentence,
        source: Mention,
        verb: Cue | None,
        after: tuple[int, int],
        before: tuple[int, int],
    ) -> tuple[Mention, float, list[Cue]] | None:
        """The target, the summed weight and the cues used; None when there is no other actor."""

        # After the verb the first actor is its object; before it, the nearest one
        # ("Like many US firms, Ford was criticized by Trump": Ford, not the US).
        target = sent.target(*after, source.actor, last=False)
        from_before = target is None
        if target is None:
            target = sent.target(*before, source.actor, last=True)
        if target is None and verb is not None and not verb.event and source.kind == "person":
            # No other actor: another person of the source's own after its verb ("Biden praised
            # Blinken"); not for a he/she or a bare subject, whose readings are the least sure,
            # nor for an event verb, which codes acts between actors ("Biden met Blinken").
            target, from_before = _other_person(sent, source, after), False
        if target is None:
            return None
        if (
            from_before
            and verb is not None
            and verb.event
            and "," not in sent.text[target.end : source.start]
        ):
            # An event verb's target is its object, after it; one before it only in a fronted
            # phrase ("In response to Russia's claims, Washington announced sanctions"), not a
            # co-subject ("Jordan and Britain have agreed") or an earlier clause's actor.
            return None
        used = [
            c
            for c in sent.cues_within(after, before)
            if c.kind != "report"
            and c is not verb
            and not sent.in_mask(c.start)
            and (
                after[0] <= c.start < after[1]
                or (before[0] <= c.start < before[1] and (from_before or sent.in_quote(c.start)))
            )
            and not (source.start <= c.start < source.end)
        ]
        if verb is not None and verb.kind == "verb":
            used.insert(0, verb)
        demand = P.DEMAND_MODAL.match(sent.text, target.end)
        if verb is not None and verb.kind == "report" and demand is not None and not from_before:
            # "Britain reiterated that Libya must hand over the suspects": what the target must do
            # is demanded of it (CAMEO 10, demand): against, whatever the demanded act is.
            modal = Cue(demand.start(1), demand.end(1), demand.group(1), "word", DEMAND_WEIGHT)
            return target, DEMAND_WEIGHT, [modal]
        weight, kept = _weigh(sent.text, used, verb)
        if weight > 0 and not from_before and P.THREAT_CONDITION.search(sent.text, target.end, after[1]):
            # "Nigeria will withdraw its force from Chad unless ...": an act on a condition is a
            # threat (CAMEO 13), whatever the act.
            weight = -weight
        return target, weight, kept

    def stance_between(
        self,
        text: str,
        target: tuple[int, int],
        source: tuple[int, int] | None = None,
        *,
        fallback: bool = True,
    ) -> tuple[str, float, str]:
        """(stance, score, cue) of ``source`` toward ``target``, two character spans of one sentence.

        With a source, the same clause rules as ``tag_sentence`` decide, the two spans taking
        the place of any gazetteer actor they overlap. Without a source, it is the sentence's
        own attitude toward the target: the learned model's when the tagger has one, else the
        summed cue weights of the target's clause. With a source but no rule linking the two,
        and no rule aiming the source's stance at another actor instead, a confident model
        (``|score| > MODEL_FALLBACK_MIN_SCORE``) decides, else ``neutral``.
        """
        target_m = _given(text, target, PAIR_TARGET)
        if source is not None:
            return self._pair_stance(text, target, [target_m, _given(text, source, PAIR_SOURCE)], fallback)
        if self.sentiment is not None:
            label, score = self.sentiment.predict([(text, target)])[0]
            return str(label), round(score, 4), "model"
        return self._clause_stance(text, target, [target_m])

    def _pair_stance(
        self, text: str, target: tuple[int, int], extra: list[Mention], fallback: bool
    ) -> tuple[str, float, str]:
        """``stance_between`` with a source: the rules' stance of PAIR_SOURCE toward PAIR_TARGET
        (signed by the sentence model when it ``signs_rows``), else (when the source's stance is
        aimed at no other actor either) a confident model's."""
        aimed_elsewhere = False
        for row in self.tag_sentence(0, text, ArticleContext(), extra):
            if row.source_actor != PAIR_SOURCE:
                continue
            if row.target_actor == PAIR_TARGET and self.signs_rows:
                row = sign_rows([text], [row], self.sentiment)[0]
                if row.stance != "neutral":
                    return row.stance, row.score, row.cue
                continue
            if row.stance == "neutral":
                continue
            if row.target_actor == PAIR_TARGET:
                return row.stance, row.score, row.cue
            aimed_elsewhere = True
        if fallback and self.sentiment is not None and not aimed_elsewhere:
            label, score = self.sentiment.predict([(text, target)])[0]
            if label != "neutral" and abs(score) > MODEL_FALLBACK_MIN_SCORE:
                return str(label), round(score, 4), "model"
        return "neutral", 0.0, ""

    def _clause_stance(
        self, text: str, target: tuple[int, int], extra: list[Mention]
    ) -> tuple[str, float, str]:
        """``stance_between`` without a source or a model: the summed cue weights of the target's clause."""
        sent = analyse(text, ArticleContext(), self.gazetteer, self.lexicon, extra, events=False)
        clause = next(((a, b) for a, b in clauses(text, sent.quotes) if a <= target[0] < b), (0, len(text)))
        used = [c for c in sent.cues if clause[0] <= c.start < clause[1] and c.kind != "report"]
        weight = sum(c.weight for c in used)
        return _sign(weight), round(math.tanh(weight), 4), "; ".join(c.term for c in used)

    def tag_sentence(
        self,
        index: int,
        text: str,
        ctx: ArticleContext,
        extra: Sequence[Mention] = (),
        gazetteer_hits: Sequence[Mention] | None = None,
    ) -> list[StanceRow]:
        """Stances of one sentence; updates ``ctx`` with the last person it names.

        ``extra`` are mentions found by the caller (they replace gazetteer matches they overlap);
        ``gazetteer_hits`` is the gazetteer's result for ``text`` when the caller already has it.
        """
        if not extra:
            hits = self.gazetteer.find(text) if gazetteer_hits is None else gazetteer_hits
            if holds_no_pair(text, hits, ctx):  # what analyse would find, without its quotes and cues
                if any(m.kind == "person" for m in hits):
                    remember_last_person(ctx, hits, find_quotes(text))
                return []
            gazetteer_hits = hits
        # Event verbs (CAMEO) code what political actors do to each other: the gazetteer's actors,
        # not any two names a caller gives ("Samsung paid Apple", "Trump met the sheriffs").
        sent = analyse(
            text, ctx, self.gazetteer, self.lexicon, extra, gazetteer_hits, pairs_only=True, events=not extra
        )
        rows: dict[tuple[str | None, ...], StanceRow] = {}
        if names_a_pair([*sent.mentions, *sent.pronouns]):  # else no other entity to aim at
            previous_source: Mention | None = None
            before: list[StanceRow] = []
            for clause in clauses(text, sent.quotes):
                claims, previous_source = self._clause_claims(sent, clause, previous_source)
                made = [row for row in (self._row(index, sent, claim) for claim in claims) if row is not None]
                made += _following_suit(sent, clause, before)
                for row in made:
                    _keep_strongest(rows, row)
                before = made
        remember_last_person(ctx, sent.mentions, sent.quotes)
        return list(rows.values())

    def _clause_claims(
        self, sent: Sentence, clause: tuple[int, int], previous_source: Mention | None
    ) -> tuple[list[_Claim], Mention | None]:
        """Who speaks around each verb of a clause (or, with no verb, the clause's subject), and
        the source a later verb without a subject of its own inherits."""
        c_start, c_end = clause
        verbs = [
            c
            for c in sent.cues_within(clause)
            if c.kind in ("report", "verb")
            and not sent.in_quote(c.start)
            and not sent.in_mask(c.start)
            and not used_as_noun(sent.text, c)
        ]
        claims: list[_Claim] = []
        for verb in verbs:
            claim = self._verb_claim(sent, verb, clause, previous_source)
            if claim is not None:
                previous_source = claim.source
                claims.append(claim)
        if not verbs:
            subject = self._clause_subject(sent, c_start, c_end)
            if subject is not None:
                claims.append(_Claim(subject, None, (subject.end, c_end), (c_start, c_start)))
        return _reported_subjects(_trailing_reports(claims)), previous_source

    def _verb_claim(
        self, sent: Sentence, verb: Cue, clause: tuple[int, int], previous_source: Mention | None
    ) -> _Claim | None:
        """The source of one verb and the scopes its target and cues are looked for in."""
        c_start, c_end = clause
        agent = self._passive_agent(sent, verb, c_end)
        if agent is not None:
            # "Kerry's speech was praised by European nations": the agent after "by" is the
            # source, and the target is what comes before the verb.
            return _Claim(agent, verb, (agent.end, agent.end), (c_start, verb.start))
        if verb.term.lower() in SOURCE_AFTER_VERBS:
            # "According to the Kremlin, NATO is a threat": the source follows the verb.
            named = self._source_after(sent, verb, c_end)
            return None if named is None else _Claim(named, verb, (named.end, c_end), (c_start, c_start))
        # ", warning of ...", "to help", "aimed at establishing": a participle or an infinitive
        # shares the subject of the verb before it.
        inherits = previous_source is not None and _non_finite(sent.text, verb)
        if verb.kind == "verb" and _passive(sent.text, verb):
            return None  # "Three US servicemen were killed by a bomb": the subject is no source
        participle = verb.term.lower().endswith("ing") and sent.text[: verb.start].rstrip().endswith(",")
        source = (
            previous_source if participle or inherits else self._source_before(sent, c_start, c_end, verb)
        )
        if source is None:  # no subject of its own: the previous one (False, an unresolvable pronoun: none)
            source = previous_source
        if not isinstance(source, Mention):
            return None
        return _Claim(source, verb, (verb.end, c_end), (c_start, min(source.start, verb.start)))

    def _row(self, index: int, sent: Sentence, claim: _Claim) -> StanceRow | None:
        """The stance row of a claim; None without another actor, or for a bare subject without a cue."""
        result = self._stance(sent, claim.source, claim.verb, claim.after, claim.before)
        if result is None:
            return None
        target, weight, used = result
        if claim.verb is None and weight == 0:
            return None  # a bare subject with no cue says nothing
        return StanceRow(
            sentence_index=index,
            speaker=claim.source.name,
            source_actor=claim.source.actor or None,
            target_actor=target.actor or None,
            stance=_sign(weight),
            score=round(math.tanh(weight), 4),
            cue="; ".join(c.term for c in used) if used else (claim.verb.term if claim.verb else ""),
            is_quote=sent.in_quote(target.start) or any(sent.in_quote(c.start) for c in used),
            source_name=claim.source.name,
            target_name=target.name,
            target_start=target.start,
            target_end=target.end,
        )

    def _clause_subject(self, sent: Sentence, c_start: int, c_end: int) -> Mention | None:
        """The actor that opens a clause with no verb cue, unless it is one of a list of co-subjects."""
        ordered = sorted([*sent.mentions, *sent.pronouns], key=lambda m: m.start)
        for i, m in enumerate(ordered):
            if c_start <= m.start < c_end and not sent.in_quote(m.start):
                lead = P.LETTERS.findall(sent.text[c_start : m.start])
                lead = [w for w in lead if w.lower() not in ("the", "a", "an")]
                if len(lead) >= MAX_SUBJECT_OFFSET:
                    return None
                nxt = ordered[i + 1] if i + 1 < len(ordered) else None
                if nxt is not None and P.COORDINATION.fullmatch(sent.text[m.end : nxt.start]):
                    return None  # "The U.S., Russia and Ukraine were ...": co-subjects, not source and target
                return m
        return None
