"""One parsed sentence -> its statements: for each cue, who speaks, the cue, what is said.

The rules, read off spaCy's dependency parse (English, ClearNLP labels):

- a cue is a verb (a ``VB*`` tag) that is a form of a lemma in ``cues.CUE_LEMMAS`` (read off
  ``cues.CUE_LEMMAS_OF_FORM``, so no lemmatizer is needed; not an adjective use: "the said
  document" is ``amod``), outside any quotation (a quoted person's own "we know" is part of
  their words), or the phrase "according to";
- the speaker is the verb's ``nsubj``; of a passive verb, the ``pobj`` of its ``agent`` ("was
  told by the minister"); a verb without a subject of its own (``xcomp``, ``conj``, ``advcl``:
  "went on to say", "denied it and accused", "..., saying") takes its head's; a relative
  clause's "who"/"which" is the noun it hangs on. The speaker is that noun phrase without its
  relative clauses, appositions and edge punctuation; of a relative clause, the "who" itself
  (as PolNeAR marks it; its head names it, ``speaker_head``). A cue with no speaker is no
  statement; one with no content has it in another sentence (``content_in``): the next when
  a colon ends the cue ("He said:"), else the one before ('"We will win." / He said.');
- the content is, in order: the clause the verb governs (``ccomp``, else ``xcomp``); the
  clause a parenthetical cue sits in ("The decision, he said, was final"); a quotation of the
  sentence that hangs on the cue ("'We will win,' he said"); the verb's objects;
- "according to X": X is the speaker and the rest of the clause the content;
- two cues need no verb, read off the text: a transcript's turn, a speaker's name in capitals
  and a colon opening the sentence ("PENCE: Well, ..."), the rest being the words; and a
  quotation signed with a dash ("... we will win.” ― Jane Doe"), the name after the dash
  speaking the quotation before it (none when the sentence opens with the dash);
- the kind: ``direct`` when the content lies in one quotation, ``mixed`` when a quotation is
  inside it, ``indirect`` otherwise; ``according_to`` for that phrase.

Offsets are character offsets into the sentence's text (the ``Doc``'s text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing stages never imports spaCy
    from spacy.tokens import Doc, Span, Token

from stages.attribution.cues import CLAUSE_CUES, CUE_LEMMAS_OF_FORM, IDIOM_CUES, IDIOM_OF_FORM, TURN

# Dependency labels of a verb's own subject, and of clauses that borrow their head's.
_SUBJECTS = ("nsubj", "csubj")
_BORROWS_SUBJECT = ("xcomp", "conj", "advcl")
# Parts of a subject's subtree that are not the speaker's name.
_NOT_SPEAKER = frozenset(("relcl", "acl", "appos", "punct", "advcl", "parataxis"))
# Children of a cue verb whose subtrees are its content when it governs no clause.
_OBJECTS = ("dobj", "dative", "prep", "pcomp", "iobj", "attr", "oprd")
_ADJECTIVAL = ("amod", "compound", "nmod")
# Children after a cue verb that it acts on: with one, the verb has no content elsewhere.
_ACTED_ON = frozenset(("dobj", "dative", "iobj", "attr", "oprd", "xcomp", "ccomp"))
PRONOUNS = frozenset("he she they it we i".split())
RELATIVE = frozenset("who which that whom".split())
# What a span's edges shed besides whitespace: leading, and trailing (a period too). Trimmed by
# ``_trimmed``, not by a regex anchored at the end, which searches from every position (20% of
# reading a long sentence).
_LEAD = ",;:-–—"
_TRAIL = _LEAD + "."
_TEXT_KEY = "stancewire.text"
# Quotation marks: straight double quotes pair up in order; curly ones open and close.
_QUOTE_MARK = re.compile(r"[\"“”]")
# A signed quotation: a dash after a closing quote (or opening the sentence), then a name of
# capitalised words, then the end of the sentence or the next quotation.
_SIGNED = re.compile(r"(?:^|[”\"])\s*(―|—)\s*([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})\.?\s*(?=[“\"]|$)")


@dataclass(frozen=True)
class Statement:
    """One reported statement in a sentence; spans are (start, end) offsets into its text."""

    kind: str
    cue: tuple[int, int]
    speaker: tuple[int, int] | None
    content: tuple[int, int] | None
    speaker_is_pronoun: bool
    speaker_head: int | None  # the speaker's head token index, for naming it
    # Where the content is when the sentence has none: "next" (the cue ends in a colon: "He
    # said:"), "previous" (nothing follows the cue: '"We will win." He said.' split in two).
    content_in: str | None = None


def quotations(text: str) -> list[tuple[int, int]]:
    """The quoted spans of ``text``, marks included; an unclosed quote runs to the end, a
    closing quote with no opening one (a quotation continued from before) from the start."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for mark in _QUOTE_MARK.finditer(text):
        char, at = mark.group(), mark.start()
        if opened is None and char != "”":
            opened = at
        elif opened is not None and char != "“":
            spans.append((opened, at + 1))
            opened = None
        elif opened is None:  # a closing mark first: the quote began before this sentence
            spans.append((0, at + 1))
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def _span(doc: Doc, first: int, last: int) -> tuple[int, int] | None:
    """The characters of tokens ``first..last`` (inclusive), edge punctuation trimmed."""
    if first > last:
        return None
    start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
    first_kept, last_kept = _trimmed(_text(doc), start, end)
    return (first_kept, last_kept) if last_kept > first_kept else None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without whitespace and ``_LEAD`` at its start, whitespace and
    ``_TRAIL`` at its end, as offsets."""
    while start < end and (text[start].isspace() or text[start] in _LEAD):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _TRAIL):
        end -= 1
    return start, end


def _text(doc: Doc) -> str:
    """``doc.text``, made once per doc (spaCy joins its tokens again on every call)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return str(text)


def _subject(verb: Token, quotes: list[tuple[int, int]], depth: int = 0) -> Token | None:
    """The token that speaks for ``verb`` (see the module doc), or None. A subject is not
    borrowed from inside a quotation the verb is outside of."""
    for child in verb.children:
        if child.dep_ in _SUBJECTS:
            if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head
            return child
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if any(child.dep_ == "nsubjpass" for child in verb.children):
        return None
    borrowable = verb.head is not verb and depth < 3 and _quoted(quotes, verb.head) <= _quoted(quotes, verb)
    if verb.dep_ in _BORROWS_SUBJECT and borrowable:
        return _subject(verb.head, quotes, depth + 1)
    if verb.dep_ == "acl" and verb.head.tag_.startswith("NN"):  # "officials, saying ..."
        return verb.head
    return None


def _relative_word(verb: Token, subject: Token) -> Token | None:
    """The "who" that is ``verb``'s subject when ``verb`` is a relative clause on ``subject``."""
    if verb.dep_ != "relcl" or subject.i != verb.head.i:
        return None
    return next((c for c in verb.children if c.dep_ in _SUBJECTS and c.lower_ in RELATIVE), None)


def noun_phrase(doc: Doc, head: Token) -> tuple[int, int] | None:
    """``head``'s noun phrase: its subtree without clauses and appositions, contiguous around it."""
    kept = {head.i}
    stack = [head]
    while stack:
        for child in stack.pop().children:
            if child.dep_ not in _NOT_SPEAKER:
                kept.add(child.i)
                stack.append(child)
    first = last = head.i
    while first - 1 in kept:
        first -= 1
    while last + 1 in kept:
        last += 1
    return _span(doc, first, last)


def _clause_without(doc: Doc, clause: Token, inner: Token) -> tuple[int, int] | None:
    """``clause``'s subtree without ``inner``'s when that sits at an edge of it, else all of it."""
    first, last = clause.left_edge.i, clause.right_edge.i
    while first < last and doc[last].is_punct:
        last -= 1
    while first < last and doc[first].is_punct:
        first += 1
    inner_first, inner_last = inner.left_edge.i, inner.right_edge.i
    if inner_first <= first:
        first = inner_last + 1
    elif inner_last >= last:
        last = inner_first - 1
    return _span(doc, first, last)


def _outside(quote: tuple[int, int], token: Token) -> bool:
    return not quote[0] <= token.idx < quote[1]


def _governs(verb: Token, quote: tuple[int, int]) -> bool:
    """Whether the quotation hangs on ``verb``: a token of it (a mark included) is its child,
    or the verb is a parenthetical ("parataxis") of a word in it."""
    inside = [c for c in verb.children if not _outside(quote, c)]
    return bool(inside) or (verb.dep_ == "parataxis" and not _outside(quote, verb.head))


def _quoted(quotes: list[tuple[int, int]], token: Token) -> bool:
    """Whether ``token`` is inside a quotation (the words of someone quoted)."""
    return any(not _outside(q, token) for q in quotes)


def _content(doc: Doc, verb: Token, quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
    """What ``verb`` reports (see the module doc), or None. A verb of ``CLAUSE_CUES`` reports
    only a clause, a quotation or the clause it is a parenthesis in: "she knows that it is
    hard" is a statement, "she knows the history" and "he wants to win" are not."""
    clause_only = not CUE_LEMMAS_OF_FORM.get(verb.lower_, frozenset()).isdisjoint(CLAUSE_CUES)
    for dep in ("ccomp",) if clause_only else ("ccomp", "xcomp"):
        clause = next((c for c in verb.children if c.dep_ == dep), None)
        if clause is not None:
            return _span(doc, clause.left_edge.i, clause.right_edge.i)
    if verb.dep_ == "parataxis":
        return _clause_without(doc, verb.head, verb)
    attached = [q for q in quotes if _outside(q, verb) and _governs(verb, q)]
    if attached:
        return min(attached, key=lambda q: min(abs(q[0] - verb.idx), abs(q[1] - verb.idx)))
    objects = [c for c in verb.children if c.dep_ in _OBJECTS and c.i > verb.i]
    if objects and not clause_only:
        return _span(doc, min(c.left_edge.i for c in objects), max(c.right_edge.i for c in objects))
    return None


def _kind(content: tuple[int, int] | None, quotes: list[tuple[int, int]], text: str) -> str:
    """direct, mixed or indirect: how ``content`` stands to the sentence's quotations."""
    if content is None:
        return "indirect"
    start, end = content
    for q_start, q_end in quotes:
        if q_start <= start and end <= q_end:
            return "direct"
        if start <= q_start and q_end <= end:
            inside = len(text[q_start:q_end].strip('"“” ,.'))
            return "direct" if inside >= 0.9 * len(text[start:end].strip('"“” ,.')) else "mixed"
    return "indirect"


def _introduces(doc: Doc, verb: Token) -> bool:
    """Whether the cue ends in a colon, what it reports following it ("He said: ...")."""
    after = verb.i + 1
    return after < len(doc) and doc[after].text == ":"


def _content_elsewhere(doc: Doc, verb: Token) -> str | None:
    """Where a cue without content in its sentence has it (``Statement.content_in``): "next"
    after a colon, "previous" when nothing the verb acts on follows it, else nowhere (None: a
    clause cue with an object only, "the video shows the explosion")."""
    if _introduces(doc, verb):
        return "next"
    acted_on = [c for c in verb.children if c.i > verb.i and c.dep_ in _ACTED_ON]
    return None if acted_on else "previous"


def _cue_span(verb: Token) -> tuple[int, int]:
    """The verb, with its particle ("pointed out")."""
    last = max([verb, *(c for c in verb.children if c.dep_ == "prt")], key=lambda t: t.i)
    return verb.idx, last.idx + len(last.text)


def _according_to(doc: Doc, word: Token) -> Statement | None:
    """The statement of "according to X": X speaks the rest of the clause."""
    to = next((c for c in word.children if c.lower_ == "to"), None)
    source = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if to is None or source is None:
        return None
    clause = word.head if word.head is not word else word
    content = _clause_without(doc, clause, word) if clause is not word else None
    return Statement(
        "according_to",
        (word.idx, to.idx + len(to.text)),
        noun_phrase(doc, source),
        content,
        source.lower_ in PRONOUNS,
        source.i,
    )


def _unparsed(text: str, quotes: list[tuple[int, int]]) -> list[Statement]:
    """The statements whose cue is punctuation: a transcript's turn, a signed quotation."""
    found = []
    turn = TURN.match(text)
    if turn is not None:
        colon = turn.end(1)
        rest = text[colon + 1 :].strip(' "“”')
        words = rest[slice(*_trimmed(rest, 0, len(rest)))]
        start = text.index(words, colon) if words else colon + 1
        content = (start, start + len(words)) if words else None
        found.append(Statement("direct", (colon, colon + 1), turn.span(1), content, False, None))
    for signed in _SIGNED.finditer(text):
        before = [q for q in quotes if q[1] <= signed.start(1)]
        content = before[-1] if before else None
        found.append(Statement("direct", signed.span(1), signed.span(2), content, False, None))
    return found


def is_cue(token: Token) -> bool:
    """Whether ``token`` is a cue verb: a form of a lexicon lemma tagged as a verb, not used as
    an adjective, or an idiom's verb with its object ("sounded the alarm"). Only the tagger's
    tag is read (no part of speech, no lemma)."""
    if not token.tag_.startswith("VB") or token.dep_ in _ADJECTIVAL:
        return False
    if token.lower_ in CUE_LEMMAS_OF_FORM:
        return True
    idiom = IDIOM_OF_FORM.get(token.lower_)
    return idiom is not None and any(
        c.dep_ == "dobj" and c.lower_ in IDIOM_CUES[idiom] for c in token.children
    )


def read(doc: Doc | Span) -> list[Statement]:
    """The statements of one parsed sentence, in the order of their cues."""
    sent = doc.as_doc() if hasattr(doc, "as_doc") else doc  # a Span: read it as a Doc of its own
    text = _text(sent)
    quotes = quotations(text)
    found: list[Statement] = _unparsed(text, quotes)
    for token in sent:
        if token.lower_ == "according":
            statement = _according_to(sent, token)
            if statement is not None:
                found.append(statement)
            continue
        if not is_cue(token) or _quoted(quotes, token):
            continue
        subject = _subject(token, quotes)
        content = _content(sent, token, quotes)
        if subject is None:
            continue
        content_in = None if content is not None else _content_elsewhere(sent, token)
        if content is None and content_in is None:
            continue
        relative = _relative_word(token, subject)
        found.append(
            Statement(
                "direct" if content is None else _kind(content, quotes, text),
                _cue_span(token),
                _span(sent, relative.i, relative.i) if relative is not None else noun_phrase(sent, subject),
                content,
                subject.lower_ in PRONOUNS and subject.tag_ == "PRP",
                subject.i,
                content_in,
            )
        )
    return found
