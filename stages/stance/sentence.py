"""One sentence as the tagger reads it: its mentions, cues, quotes, masked relative clauses and
clauses, the lookups the rules make in them, and what is remembered from one sentence to the next."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import accumulate, pairwise

from stages import patterns as P
from stages.stance.actors import Gazetteer, Mention, names_a_pair
from stages.stance.cues import Cue, CueLexicon, event_used_as_noun, negated, reversed_objects

# Subject pronouns that cannot be resolved to an actor: a verb after them has no known source.
UNRESOLVED_PRONOUNS = frozenset("it they we i you one which that this".split())


@dataclass
class ArticleContext:
    """What the tagger remembers while reading one article: the last person named."""

    last_person: Mention | None = None


@dataclass
class Sentence:
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
        return in_spans(self.quotes, pos)

    def in_mask(self, pos: int) -> bool:
        return in_spans(self.masked, pos)

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


def covered(mentions: Sequence[Mention]) -> Callable[[int], bool]:
    """A test of whether a position lies inside one of ``mentions`` (sorted by start, possibly
    overlapping): the largest end among the mentions starting at or before it, by bisection."""
    starts = [m.start for m in mentions]
    reach = list(accumulate((m.end for m in mentions), max))

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and reach[i] > pos

    return inside


def in_spans(spans: Sequence[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` lies in one of ``spans`` (few, in order, not overlapping: quotes, masked clauses)."""
    for start, end in spans:
        if pos < start:
            return False
        if pos < end:
            return True
    return False


def clauses(text: str, quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    bounds = [0]
    for match in P.CLAUSE_BREAK.finditer(text):
        if not in_spans(quotes, match.start()):
            bounds.append(match.end())
    bounds.append(len(text))
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def remember_last_person(
    ctx: ArticleContext, mentions: Sequence[Mention], quotes: Sequence[tuple[int, int]]
) -> None:
    """The last person named outside quotes is who a later he/she refers to."""
    people = [m for m in mentions if m.kind == "person" and not in_spans(quotes, m.start)]
    if people:
        ctx.last_person = max(people, key=lambda m: m.start)


def find_quotes(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in P.QUOTED_SPAN.finditer(text)]


def holds_no_pair(text: str, mentions: Sequence[Mention], ctx: ArticleContext) -> bool:
    """True when a sentence names no two different entities (``names_a_pair``), counting a he/she
    as the last person named: it can hold no stance (most sentences are such)."""
    return not names_a_pair(mentions) and (
        ctx.last_person is None
        or not names_a_pair([*mentions, ctx.last_person])
        or not P.PRONOUN_SUBJECT.search(text)
    )


def _event_reading(text: str, cue: Cue, verb_forms: frozenset[str]) -> Cue | None:
    """An event verb used as a noun is no cue; a cue word that is an event verb form, used as a
    verb, is a verb (see ``analyse``)."""
    if cue.event and cue.kind == "verb" and event_used_as_noun(text, cue):
        return None
    if cue.kind == "word" and cue.term.lower() in verb_forms and not event_used_as_noun(text, cue):
        return replace(cue, kind="verb")
    return cue


def _after_a_name(text: str, cue: Cue, named: dict[int, Mention]) -> bool:
    """An event verb right after a name that follows "a" or "an" is a noun: "a United Nations
    appeal", "an EU proposal" (no finite verb follows "a" and a name)."""
    end = len(text[: cue.start].rstrip())
    mention = named.get(end)
    return mention is not None and P.INDEFINITE_BEFORE.search(text, 0, mention.start) is not None


def group_modifiers(mentions: Sequence[Mention]) -> set[int]:
    """Starts of the demonyms right after another demonym: "Croatian Serb refugees", "Turkish Kurd
    refugees" name a group inside the first country, not the second country."""
    return {
        b.start
        for a, b in pairwise(mentions)
        if a.kind == "demonym" and b.kind == "demonym" and b.start - a.end == 1
    }


def longer_name(text: str, mention: Mention) -> bool:
    """An organisation's name followed by a capitalised word is part of a longer name: "the West
    Bank", "the West Wing"."""
    return mention.kind == "organization" and P.CAPITALISED_NEXT.match(text, mention.end) is not None


def hyphen_modifier(text: str, mention: Mention) -> bool:
    """A name joined to a word by a hyphen modifies it and is no actor of its own: "pro-Russia
    separatists", "a UN-brokered deal", "the Belarus-EU border", "US-PRC relations"."""
    after = text[mention.end : mention.end + 2]
    before = text[max(0, mention.start - 2) : mention.start]
    return (len(after) == 2 and after[0] == "-" and after[1].isalpha()) or (
        len(before) == 2 and before[1] == "-" and before[0].isalpha()
    )


def analyse(
    text: str,
    ctx: ArticleContext,
    gazetteer: Gazetteer,
    lexicon: CueLexicon,
    extra: Sequence[Mention] = (),
    found: Sequence[Mention] | None = None,
    *,
    pairs_only: bool = False,
    events: bool = True,
) -> Sentence:
    """Mentions, cues, quotes and masked spans of a sentence. With ``pairs_only``, a sentence
    naming fewer than two actors (counting a he/she as the last person named) can hold no
    stance, and its cues and masked spans are not looked for: most sentences are such. Without
    ``events``, the lexicon's event verbs (``Cue.event``) are left out."""
    listed = sorted(gazetteer.find(text) if found is None else found, key=lambda m: m.start)
    grouped = group_modifiers(listed)
    hits = [
        m
        for m in listed
        if not hyphen_modifier(text, m)
        and not longer_name(text, m)
        and not P.LOCATIVE_THE.search(text, 0, m.start)
        and not P.CURRENCY_AFTER.match(text, m.end)
        and m.start not in grouped
    ]
    mentions = sorted(
        [*(m for m in hits if not any(m.start < x.end and x.start < m.end for x in extra)), *extra],
        key=lambda m: m.start,
    )
    quotes = find_quotes(text)
    if pairs_only and holds_no_pair(text, mentions, ctx):
        return Sentence(text, mentions, [], quotes, [])
    masked = [
        (m.start(), m.end()) for m in P.RELATIVE_CLAUSE.finditer(text) if not in_spans(quotes, m.start())
    ]
    # A cue word inside an actor's name ("... Security and Cooperation in Europe") is part of the name.
    inside = covered(mentions)
    # A reversing verb reads its object, a noun or not ("lifted the blockade"). With ``events``, an
    # event verb used as a noun ("other issues", "a NATO meeting") is no cue, and a cue
    # word that is an event verb's form, not used as a noun ("soldiers arrested"), is a verb.
    lexicon_cues = [c for c in lexicon.find(text) if not inside(c.start) and (events or not c.event)]
    verb_forms = lexicon.verb_forms if events else frozenset()
    read = [_event_reading(text, c, verb_forms) for c in reversed_objects(text, lexicon_cues)]
    named = {m.end: m for m in mentions}
    found_cues = [c for c in read if c is not None and not (c.event and _after_a_name(text, c, named))]
    cues = [negated(text, c) for c in found_cues]
    sent = Sentence(text, mentions, cues, quotes, masked)
    for m in P.PRONOUN_SUBJECT.finditer(text):
        if ctx.last_person is not None and not sent.in_quote(m.start()):
            person = ctx.last_person
            sent.pronouns.append(Mention(m.start(), m.end(), m.group(), person.actor, "pronoun", person.name))
    return sent
