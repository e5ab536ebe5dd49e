"""Stance tagging: ``sentences`` -> ``stances`` (who says what about whom).

A transparent rule-based tagger, built from reference data passed in by the caller:

- a ``Gazetteer`` of actors: countries (names, capitals, demonyms), organisations
  (NATO, EU, OSCE, UN, "Western powers" = WEST, ...), institutions that stand for a
  country (the Kremlin, the State Department) and people with their affiliation;
- a ``CueLexicon``: reporting verbs (said, told: no polarity of their own), attitude
  verbs (warned, accused: against; praised, welcomed: favor) and cue words (threat,
  aggression: against; support, cooperation: favor), each with a weight.

Per sentence, each clause is read around its verbs: the **source** is the actor just
before a reporting/attitude verb (a he/she is resolved to the last person named
earlier in the article; a clause with no subject of its own inherits the previous
one), the **target** is the first other actor after the verb (else in the quote or
report the verb attributes), and the **stance** is the sign of the summed weights
of the verb and the cue words in that scope. Capitals used as places ("near
Stockholm") or as names of things ("the Minsk accords") are not actors.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, pairwise
from typing import Any

import pandas as pd

from stages import patterns as P
from stages.schemas import columns

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
# Words just before a verb form that make it a noun ("the attacks", "its claims", "Russia's phony claims").
NOUN_MARKERS = frozenset("the a an its his her their our my your these those this such".split())
# Subject pronouns that cannot be resolved to an actor: a verb after them has no known source.
UNRESOLVED_PRONOUNS = frozenset("it they we i you one which that this".split())
# Negation: a cue within NEGATION_WINDOW words after one of these counts NEGATION_FACTOR times.
NEGATIONS = frozenset("not no never without neither nor".split())
NEGATION_WINDOW = 3
NEGATION_FACTOR = -0.5
# A source-target pair the rules do not link takes the model's label only above this |score|
# (P(favor) - P(against)); chosen on NewsMTSC dev, where it keeps precision above 0.8.
MODEL_FALLBACK_MIN_SCORE = 0.6
# Actor ids of the two spans given to StanceTagger.stance_between.
PAIR_SOURCE = "@SOURCE"
PAIR_TARGET = "@TARGET"
# The language the tagger reads; sentences in any other language are left untagged.
TAGGED_LANGUAGE = "en"
# A passive agent ("praised by other European nations") starts within this many characters after "by".
PASSIVE_AGENT_MAX_CHARS = 30
# Reporting phrases whose source comes after them, at most MAX_SOURCE_AFTER_GAP words after.
SOURCE_AFTER_VERBS = frozenset({"according to"})
MAX_SOURCE_AFTER_GAP = 3
# At most this many words between a subject and its verb ("Antony Blinken on Thursday warned").
MAX_SUBJECT_GAP = 6
# A clause subject without a verb cue must start the clause (after at most this many words).
MAX_SUBJECT_OFFSET = 1


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

    @property
    def is_person(self) -> bool:
        return self.kind in ("person", "pronoun")


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
        entries: list[tuple[str, str, str, str]] = []
        if custom is not None:
            for row in custom.itertuples(index=False):
                kind = str(row.kind)
                if kind not in MENTION_KINDS:
                    raise ValueError(
                        f"custom actor {row.surface!r}: kind must be one of {MENTION_KINDS}, not {kind!r}"
                    )
                entries.append((str(row.surface), str(row.actor_id), kind, str(row.name or row.surface)))
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


def _is_actor_use(text: str, mention: Mention) -> bool:
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


@dataclass(frozen=True)
class Cue:
    """A cue term found in text: span, the term, its kind (report|verb|word) and weight."""

    start: int
    end: int
    term: str
    kind: str
    weight: float


class CueLexicon:
    """Reporting verbs, attitude verbs and cue words with weights, matched case-insensitively."""

    def __init__(self, entries: Iterable[tuple[str, str, float]]) -> None:
        """``entries``: (term, kind, weight) with kind in report | verb | word."""
        self._entries: dict[str, tuple[str, float]] = {}
        for term, kind, weight in entries:
            if kind not in ("report", "verb", "word"):
                raise ValueError(f"cue {term!r}: kind must be report, verb or word, not {kind!r}")
            self._entries[term.lower()] = (kind, float(weight))
        self._pattern = re.compile(
            r"(?<![\w-])" + P.trie_pattern(self._entries) + r"(?![\w-])", re.IGNORECASE
        )

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_frame(cls, cues: pd.DataFrame) -> CueLexicon:
        """Build from ``data/reference/cues.csv`` (columns term, kind, weight)."""
        return cls(
            (str(t), str(k), float(w))
            for t, k, w in zip(cues["term"], cues["kind"], cues["weight"], strict=True)
        )

    def find(self, text: str) -> list[Cue]:
        out = []
        for match in self._pattern.finditer(text):
            kind, weight = self._entries[match.group().lower()]
            out.append(Cue(match.start(), match.end(), match.group(), kind, weight))
        return out


@dataclass
class ArticleContext:
    """What the tagger remembers while reading one article: the last person named."""

    last_person: Mention | None = None


@dataclass(frozen=True)
class StanceRow:
    sentence_index: int
    speaker: str | None
    source_actor: str
    target_actor: str
    stance: str
    score: float
    cue: str
    is_quote: bool


@dataclass
class _Sentence:
    """One sentence as the tagger reads it. Lookups are sorted sweeps (bisect over positions
    computed once per sentence), not scans of every mention or cue per verb: a long sentence
    costs about linearly more, not quadratically (see ``stages.sentences`` for the length cap)."""

    text: str
    mentions: list[Mention]  # sorted by start
    cues: list[Cue]
    quotes: list[tuple[int, int]]
    masked: list[tuple[int, int]]
    pronouns: list[Mention] = field(default_factory=list)  # complete before the first lookup
    _blockers: dict[int, list[int]] = field(default_factory=dict)  # per clause start

    def in_quote(self, pos: int) -> bool:
        return _in_spans(self.quotes, pos)

    def in_mask(self, pos: int) -> bool:
        return _in_spans(self.masked, pos)

    def words_between(self, start: int, end: int) -> int:
        return sum(
            1 for m in P.COUNTED_WORD.finditer(self.text[start:end]) if not self.in_mask(start + m.start())
        )

    @cached_property
    def _subjects(self) -> list[tuple[int, int, Mention]]:
        """(end, -order, mention) of the mentions and resolved pronouns outside quotes and masks,
        sorted: among those ending together, the first listed sorts last."""
        listed = [*self.mentions, *self.pronouns]
        return sorted(
            (m.end, -i, m)
            for i, m in enumerate(listed)
            if not self.in_quote(m.start) and not self.in_mask(m.start)
        )

    @cached_property
    def _subject_ends(self) -> list[int]:
        return [end for end, _, _ in self._subjects]

    @cached_property
    def _mention_starts(self) -> list[int]:
        return [m.start for m in self.mentions]

    @cached_property
    def _cue_starts(self) -> list[int]:
        return [c.start for c in self.cues]

    def nearest_subject(self, lo: int, hi: int) -> Mention | None:
        """The mention or resolved pronoun outside quotes and masks, within ``lo..hi``, that ends
        last (the first listed of those ending together, mentions before pronouns)."""
        i = bisect_right(self._subject_ends, hi) - 1
        while i >= 0:
            m = self._subjects[i][2]
            if m.end <= lo:  # every earlier one ends before ``lo`` too
                return None
            if m.start >= lo:
                return m
            i -= 1
        return None

    def last_blocker(self, clause_start: int, clause_end: int, before: int) -> int | None:
        """Where the last unresolvable subject pronoun ("it", "they", ...) outside quotes and masks
        stands in the clause before ``before``; the clause's pronouns are found once."""
        found = self._blockers.get(clause_start)
        if found is None:
            found = []
            for m in P.LETTERS.finditer(self.text[clause_start:clause_end]):
                pos = clause_start + m.start()
                if (
                    m.group().lower() in UNRESOLVED_PRONOUNS
                    and not self.in_quote(pos)
                    and not self.in_mask(pos)
                ):
                    found.append(pos)
            self._blockers[clause_start] = found
        i = bisect_left(found, before) - 1
        return found[i] if i >= 0 else None

    def cues_within(self, *ranges: tuple[int, int]) -> list[Cue]:
        """The cues starting inside any of ``ranges``, in sentence order."""
        starts = self._cue_starts
        picked: set[int] = set()
        for lo, hi in ranges:
            picked.update(range(bisect_left(starts, lo), bisect_left(starts, hi)))
        return [self.cues[i] for i in sorted(picked)]

    def target(self, lo: int, hi: int, source: str, *, last: bool) -> Mention | None:
        """The first (or ``last``) mention of another actor than ``source`` inside ``lo..hi``, outside masks."""
        i, j = bisect_left(self._mention_starts, lo), bisect_left(self._mention_starts, hi)
        span = range(j - 1, i - 1, -1) if last else range(i, j)
        for k in span:
            m = self.mentions[k]
            if m.end <= hi and m.actor != source and not self.in_mask(m.start):
                return m
        return None


def _covered(mentions: Sequence[Mention]) -> Callable[[int], bool]:
    """A test of whether a position lies inside one of ``mentions`` (sorted by start, possibly
    overlapping): the largest end among the mentions starting at or before it, by bisection."""
    starts = [m.start for m in mentions]
    reach = list(accumulate((m.end for m in mentions), max))

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and reach[i] > pos

    return inside


def _in_spans(spans: Sequence[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` lies in one of ``spans`` (few, in order, not overlapping: quotes, masked clauses)."""
    for start, end in spans:
        if pos < start:
            return False
        if pos < end:
            return True
    return False


def _clauses(text: str, quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    bounds = [0]
    for match in P.CLAUSE_BREAK.finditer(text):
        if not _in_spans(quotes, match.start()):
            bounds.append(match.end())
    bounds.append(len(text))
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def _negated(text: str, cue: Cue) -> Cue:
    """A cue after a negation within three words: a verb says nothing ("did not criticise"),
    a word counts half, reversed ("not a threat")."""
    before = text[max(0, cue.start - 30) : cue.start].lower().split()[-NEGATION_WINDOW:]
    if any(word in NEGATIONS or word.endswith("n't") or word.endswith("n’t") for word in before):
        weight = 0.0 if cue.kind == "verb" else NEGATION_FACTOR * cue.weight
        return Cue(cue.start, cue.end, f"not {cue.term}", cue.kind, weight)
    return cue


def _used_as_noun(text: str, cue: Cue) -> bool:
    """A verb form after a determiner or a possessive within two words is a noun ("Russia's phony claims")."""
    before = P.WORD_OR_POSSESSIVE.findall(text[max(0, cue.start - 40) : cue.start])[-2:]
    if before and before[-1].lower() in NOUN_MARKERS:
        return True
    return any(w.endswith(("'s", "’s")) for w in before)


def _remember_last_person(
    ctx: ArticleContext, mentions: Sequence[Mention], quotes: Sequence[tuple[int, int]]
) -> None:
    """The last person named outside quotes is who a later he/she refers to."""
    people = [m for m in mentions if m.kind == "person" and not _in_spans(quotes, m.start)]
    if people:
        ctx.last_person = max(people, key=lambda m: m.start)


def _quotes(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in P.QUOTED_SPAN.finditer(text)]


def _holds_no_pair(text: str, mentions: Sequence[Mention], ctx: ArticleContext) -> bool:
    """True when a sentence names fewer than two actors, counting a he/she as the last person
    named: it can hold no stance (most sentences are such)."""
    actors = {m.actor for m in mentions}
    return len(actors) < 2 and (
        ctx.last_person is None or ctx.last_person.actor in actors or not P.PRONOUN_SUBJECT.search(text)
    )


def _sign(value: float) -> str:
    if value < 0:
        return "against"
    if value > 0:
        return "favor"
    return "neutral"


class StanceTagger:
    """Tags the stances of one article's sentences; see the module doc for the rules."""

    def __init__(self, gazetteer: Gazetteer, lexicon: CueLexicon, sentiment: Any = None) -> None:
        """``sentiment``: an optional ``stages.stance.sentiment.TargetSentimentModel`` for a sentence's own
        attitude toward a target (used by ``stance_between`` without a source)."""
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.sentiment = sentiment

    def _analyse(
        self,
        text: str,
        ctx: ArticleContext,
        extra: Sequence[Mention] = (),
        found: Sequence[Mention] | None = None,
        *,
        pairs_only: bool = False,
    ) -> _Sentence:
        """Mentions, cues, quotes and masked spans of a sentence. With ``pairs_only``, a sentence
        naming fewer than two actors (counting a he/she as the last person named) can hold no
        stance, and its cues and masked spans are not looked for: most sentences are such."""
        gazetteer = self.gazetteer.find(text) if found is None else found
        mentions = sorted(
            [*(m for m in gazetteer if not any(m.start < x.end and x.start < m.end for x in extra)), *extra],
            key=lambda m: m.start,
        )
        quotes = _quotes(text)
        if pairs_only and _holds_no_pair(text, mentions, ctx):
            return _Sentence(text, mentions, [], quotes, [])
        masked = [
            (m.start(), m.end()) for m in P.RELATIVE_CLAUSE.finditer(text) if not _in_spans(quotes, m.start())
        ]
        # A cue word inside an actor's name ("... Security and Cooperation in Europe") is part of the name.
        inside = _covered(mentions)
        cues = [_negated(text, c) for c in self.lexicon.find(text) if not inside(c.start)]
        sent = _Sentence(text, mentions, cues, quotes, masked)
        for m in P.PRONOUN_SUBJECT.finditer(text):
            if ctx.last_person is not None and not sent.in_quote(m.start()):
                person = ctx.last_person
                sent.pronouns.append(
                    Mention(m.start(), m.end(), m.group(), person.actor, "pronoun", person.name)
                )
        return sent

    def _passive_agent(self, sent: _Sentence, verb: Cue, clause_end: int) -> Mention | None:
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

    def _source_after(self, sent: _Sentence, verb: Cue, clause_end: int) -> Mention | None:
        """The actor right after a verb that names its source ("according to the Kremlin")."""
        for m in sorted(sent.mentions, key=lambda m: m.start):
            if verb.end <= m.start < clause_end and not sent.in_quote(m.start):
                return m if sent.words_between(verb.end, m.start) <= MAX_SOURCE_AFTER_GAP else None
        return None

    def _source_before(
        self, sent: _Sentence, clause_start: int, clause_end: int, verb: Cue
    ) -> Mention | bool | None:
        """The subject of ``verb``: a Mention, None (no candidate) or False (an unresolvable pronoun)."""
        nearest = sent.nearest_subject(clause_start, verb.start)
        blocker = sent.last_blocker(clause_start, clause_end, verb.start)
        if blocker is not None and (nearest is None or blocker > nearest.start):
            return False
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
        return nearest

    def _stance(
        self,
        sent: _Sentence,
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
        if target is None:
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
        return target, sum(c.weight for c in used), used

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
        target_m = Mention(
            *target, text[target[0] : target[1]], PAIR_TARGET, "person", text[target[0] : target[1]]
        )
        extra = [target_m]
        if source is not None:
            extra.append(
                Mention(
                    *source, text[source[0] : source[1]], PAIR_SOURCE, "person", text[source[0] : source[1]]
                )
            )
            aimed_elsewhere = False
            for row in self.tag_sentence(0, text, ArticleContext(), extra):
                if row.source_actor == PAIR_SOURCE and row.stance != "neutral":
                    if row.target_actor == PAIR_TARGET:
                        return row.stance, row.score, row.cue
                    aimed_elsewhere = True
            if fallback and self.sentiment is not None and not aimed_elsewhere:
                label, score = self.sentiment.predict([(text, target)])[0]
                if label != "neutral" and abs(score) > MODEL_FALLBACK_MIN_SCORE:
                    return str(label), round(score, 4), "model"
            return "neutral", 0.0, ""
        if self.sentiment is not None:
            label, score = self.sentiment.predict([(text, target)])[0]
            return str(label), round(score, 4), "model"
        sent = self._analyse(text, ArticleContext(), extra)
        clause = next(((a, b) for a, b in _clauses(text, sent.quotes) if a <= target[0] < b), (0, len(text)))
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
            if _holds_no_pair(text, hits, ctx):  # what _analyse would find, without its quotes and cues
                if any(m.kind == "person" for m in hits):
                    _remember_last_person(ctx, hits, _quotes(text))
                return []
            gazetteer_hits = hits
        sent = self._analyse(text, ctx, extra, gazetteer_hits, pairs_only=True)
        if len({m.actor for m in [*sent.mentions, *sent.pronouns]}) < 2:  # no other actor to aim at
            _remember_last_person(ctx, sent.mentions, sent.quotes)
            return []
        rows: dict[tuple[str, str], StanceRow] = {}
        previous_source: Mention | None = None
        for c_start, c_end in _clauses(text, sent.quotes):
            verbs = [
                c
                for c in sent.cues_within((c_start, c_end))
                if c.kind in ("report", "verb")
                and not sent.in_quote(c.start)
                and not sent.in_mask(c.start)
                and not _used_as_noun(text, c)
            ]
            found: list[tuple[Mention, Cue | None, tuple[int, int], tuple[int, int]]] = []
            for verb in verbs:
                agent = self._passive_agent(sent, verb, c_end)
                if agent is not None:
                    # "Kerry's speech was praised by European nations": the agent after "by" is the
                    # source, and the target is what comes before the verb.
                    previous_source = agent
                    found.append((agent, verb, (agent.end, agent.end), (c_start, verb.start)))
                    continue
                if verb.term.lower() in SOURCE_AFTER_VERBS:
                    # "According to the Kremlin, NATO is a threat": the source follows the verb.
                    named = self._source_after(sent, verb, c_end)
                    if named is not None:
                        previous_source = named
                        found.append((named, verb, (named.end, c_end), (c_start, c_start)))
                    continue
                participle = verb.term.lower().endswith("ing") and sent.text[: verb.start].rstrip().endswith(
                    ","
                )
                # ", warning of ...": a participle phrase shares the subject of the verb before it.
                source = previous_source if participle else self._source_before(sent, c_start, c_end, verb)
                if source is False:
                    continue
                if source is None:
                    source = previous_source
                if not isinstance(source, Mention):
                    continue
                previous_source = source
                found.append((source, verb, (verb.end, c_end), (c_start, min(source.start, verb.start))))
            if not verbs:
                subject = self._clause_subject(sent, c_start, c_end)
                if subject is not None:
                    found.append((subject, None, (subject.end, c_end), (c_start, c_start)))
            for source, head, after, before in found:
                result = self._stance(sent, source, head, after, before)
                if result is None:
                    continue
                target, weight, used = result
                if head is None and weight == 0:
                    continue  # a bare subject with no cue says nothing
                row = StanceRow(
                    sentence_index=index,
                    speaker=source.name,
                    source_actor=source.actor,
                    target_actor=target.actor,
                    stance=_sign(weight),
                    score=round(math.tanh(weight), 4),
                    cue="; ".join(c.term for c in used) if used else (head.term if head else ""),
                    is_quote=sent.in_quote(target.start) or any(sent.in_quote(c.start) for c in used),
                )
                key = (row.source_actor, row.target_actor)
                if key not in rows or abs(row.score) > abs(rows[key].score):
                    rows[key] = row
        _remember_last_person(ctx, sent.mentions, sent.quotes)
        return list(rows.values())

    def _clause_subject(self, sent: _Sentence, c_start: int, c_end: int) -> Mention | None:
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

    def tag_article(self, sentences: Iterable[tuple[int, str, bool]]) -> Iterator[StanceRow]:
        """Tag one article's ``(sentence_index, text, is_heading)`` in reading order; headings are skipped."""
        ctx = ArticleContext()
        for index, text, is_heading in sentences:
            if not is_heading:
                yield from self.tag_sentence(index, text, ctx)


def tag_sentences(sentences: pd.DataFrame, tagger: StanceTagger) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(stances, mentions)`` of a ``sentences`` frame, with one gazetteer pass per sentence.

    Needs ``article_id``, ``sentence_index``, ``text``, ``is_heading`` and ``language``; the
    input frame is not modified. Only English sentences are read (the gazetteer and the cue
    lexicon are English). Mentions include headings (coverage counts them); stances skip them.
    """
    english = sentences[sentences["language"] == TAGGED_LANGUAGE]
    ordered = english.sort_values(["article_id", "sentence_index"], kind="stable")
    stance_rows: list[dict[str, Any]] = []
    cols: dict[str, list[Any]] = {name: [] for name in columns("mentions")}
    ctx, current = ArticleContext(), None
    for article_id, index, text, is_heading in zip(
        ordered["article_id"].tolist(),
        ordered["sentence_index"].tolist(),
        ordered["text"].tolist(),
        ordered["is_heading"].tolist(),
        strict=True,
    ):
        if article_id != current:
            ctx, current = ArticleContext(), article_id
        hits = tagger.gazetteer.find(text)
        _add_mentions(cols, article_id, index, hits)
        if not is_heading:
            for row in tagger.tag_sentence(int(index), text, ctx, gazetteer_hits=hits):
                stance_rows.append({"article_id": article_id, **row.__dict__})
    stances = pd.DataFrame(stance_rows, columns=columns("stances"))
    stances["sentence_index"] = stances["sentence_index"].astype("int32")
    stances["score"] = stances["score"].astype("float64")
    stances["is_quote"] = stances["is_quote"].astype(bool)
    return stances, _mentions_frame(cols)


def tag_stances(sentences: pd.DataFrame, tagger: StanceTagger) -> pd.DataFrame:
    """The ``stances`` of a ``sentences`` frame (see ``tag_sentences``)."""
    return tag_sentences(sentences, tagger)[0]


def find_mentions(sentences: pd.DataFrame, gazetteer: Gazetteer) -> pd.DataFrame:
    """Every actor named in the English sentences (``char_start``/``char_end`` into the sentence).

    Needs ``article_id``, ``sentence_index``, ``text`` and ``language``; headings are included
    (coverage counts them), the input frame is not modified.
    """
    cols: dict[str, list[Any]] = {name: [] for name in columns("mentions")}
    english = sentences[sentences["language"] == TAGGED_LANGUAGE]
    for article_id, index, text in zip(
        english["article_id"].tolist(),
        english["sentence_index"].tolist(),
        english["text"].tolist(),
        strict=True,
    ):
        _add_mentions(cols, article_id, index, gazetteer.find(text))
    return _mentions_frame(cols)


def _add_mentions(
    cols: dict[str, list[Any]], article_id: str, index: int, mentions: Sequence[Mention]
) -> None:
    """Append one sentence's mentions to the columns of a ``mentions`` frame."""
    for mention in mentions:
        cols["article_id"].append(article_id)
        cols["sentence_index"].append(index)
        cols["actor_id"].append(mention.actor)
        cols["kind"].append(mention.kind)
        cols["surface"].append(mention.surface)
        cols["char_start"].append(mention.start)
        cols["char_end"].append(mention.end)


def _mentions_frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(cols)
    for col in ("sentence_index", "char_start", "char_end"):
        frame[col] = frame[col].astype("int32")
    return frame
