"""Sentence splitting: ``paragraphs`` -> ``sentences``.

Each paragraph is split on its own (a sentence never crosses a paragraph) by a
segmenter passed in by the caller; a heading is always one sentence. The default
segmenter is ``SentenceSplitter``: rules for English news, with its word lists as
data (``data/reference/sentence_rules.csv``, read by the caller into ``SentenceRules``).

How ``SentenceSplitter`` decides. One compiled regex (``patterns.TERMINAL``) finds
every candidate: a run of ``.``/``!``/``?``/``…`` (or a spaced ellipsis), closing
quotes or brackets, then whitespace. For each candidate, a small decision looks at
the word before it and the word after it:

- a lower-case next word never starts a sentence (``"Why now?" he asked.``);
- ``?``/``!`` otherwise end a sentence; so does an unspaced ellipsis, or a spaced one
  of four dots, before a capital; a spaced three-dot ellipsis or ``[...]`` does not;
- after a period: a title (``Mr.``, ``Gen.``, ``Sen.``, ``Mt.``) never ends a sentence;
  a number prefix (``No.``, ``p.``) does not before a digit; an initial (``E.``) does
  not, except the pronoun ``I`` before a sentence starter; an abbreviation (``U.S.``,
  ``Co.``, ``a.m.``, ``Calif.``, also after a hyphen as in ``D-Mass.``) ends one only
  when the next word usually starts a sentence (``It``, ``The``, ``He``, ...);
  anything else ends one.

A paragraph that opens with a list marker (``1.``, ``a)``, ``2.)``) is also split
before each next marker of the sequence, and before every bullet (``•``).
``char_start``/``char_end`` are offsets into the paragraph's text, so
``paragraph.text[char_start:char_end] == text``; the sentences of a paragraph cover
every non-space character of it exactly once.

No sentence is longer than ``max_chars`` (a setting, 2,000 by default): text with no
sentence end within that many characters — a scraped table, a log, a run-on list — is
cut into pieces (``cut_at_limit``), after the last clause mark (``,;:``, a dash) in the
window's second half, else at its last space, else (one token that long) at the limit.
Each search is of one window, so the cost is linear in the paragraph's length.
The stages after this one then do bounded work per sentence, whatever the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stages import patterns as P
from stages.schemas import columns, frame

# A segmenter takes a paragraph's text and returns (start, end) character spans of its sentences.
Segmenter = Callable[[str], Iterable[tuple[int, int]]]

RULE_KINDS = ("title", "abbreviation", "numeric", "starter")
# The longest sentence the later stages are given (see the module doc).
DEFAULT_MAX_SENTENCE_CHARS = 2000
# Where a piece of an over-long sentence may end: after a clause mark and a space, else at a space.
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014](?=\s)")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class SentenceRules:
    """The word lists the splitter decides with; lower case, without the final period."""

    titles: frozenset[str]
    abbreviations: frozenset[str]
    numeric: frozenset[str]
    starters: frozenset[str]

    @classmethod
    def from_frame(cls, rules: pd.DataFrame) -> SentenceRules:
        """From ``sentence_rules.csv``: columns ``term`` and ``kind`` (title|abbreviation|numeric|starter)."""
        unknown = sorted(set(rules["kind"]) - set(RULE_KINDS))
        if unknown:
            raise ValueError(f"sentence rules: unknown kind(s) {unknown}; expected one of {RULE_KINDS}")
        sets = {
            kind: frozenset(str(t).lower() for t in rules.loc[rules["kind"] == kind, "term"])
            for kind in RULE_KINDS
        }
        return cls(sets["title"], sets["abbreviation"], sets["numeric"], sets["starter"])


ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
LIST_FIRST_LABELS = frozenset({"1", "a", "i"})


def _next_labels(label: str) -> set[str]:
    """The labels that may follow ``label`` in a list (lower case): 3 -> 4, c -> d, iv -> v (or j after i)."""
    if label.isdigit():
        return {str(int(label) + 1)}
    following = set()
    if label in ROMAN[:-1]:
        following.add(ROMAN[ROMAN.index(label) + 1])
    if len(label) == 1 and label < "z":
        following.add(chr(ord(label) + 1))
    return following


def _decimal(text: str, start: int, note: str) -> bool:
    """Whether the "note" (not empty) of a candidate at ``start`` is a decimal ("$1.2 billion"),
    not a footnote number after a full stop."""
    before = text[start - 1 : start]
    return note[0].isdigit() and not (before.isalpha() or before == ")")


class _Quotations:
    """The quotation spans of a text, found when a "!" or "?" first needs them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._spans: list[tuple[int, int]] | None = None

    def around(self, position: int) -> bool:
        """Whether ``position`` is inside a quotation that goes on after it."""
        if self._spans is None:
            self._spans = [m.span() for m in P.scan(P.QUOTATION, P.QUOTATION_START, self.text)]
        return any(q_start < position < q_end - 1 for q_start, q_end in self._spans)


class SentenceSplitter:
    """Rule-based English sentence splitter for news; call it with a paragraph's text."""

    def __init__(self, rules: SentenceRules) -> None:
        self.rules = rules

    def _is_starter(self, word: str) -> bool:
        core = P.CLITIC.sub("", word.lstrip(P.OPENERS)).rstrip(",;:.!?\"'”’)").lower()
        return core in self.rules.starters

    def _period_ends_sentence(self, text: str, term_start: int, next_word: str) -> bool:
        space = text.rfind(" ", 0, term_start)
        word = text[space + 1 : term_start].lstrip(P.OPENERS)
        lower = word.lower()
        core = lower.rsplit("-", 1)[-1]  # "D-Mass" -> "mass"
        first = next_word.lstrip(P.OPENERS)[:1]
        if core in self.rules.titles:
            return False
        if core in self.rules.numeric and first.isdigit():
            return False
        if len(word) == 1 and word.isalpha():
            # an initial ("Alfred E. Sloan"), but "you and I. Did you ..." ends a sentence
            return word == "I" and self._is_starter(next_word)
        if P.TIME_OF_DAY.fullmatch(core):
            return first.isupper() or first.isdigit()  # "at 8 p.m. Results are ..."
        if core in self.rules.abbreviations or P.DOTTED_ABBREVIATION.fullmatch(word):
            return self._is_starter(next_word)
        return True

    def _boundaries(self, text: str) -> list[int]:
        skip: set[int] = set()
        quotes = _Quotations(text)
        listed = "•" in text or "⁃" in text or (P.may_hold_list_marker(text) and P.LIST_MARKER.search(text))
        cuts = self._list_cuts(text, skip) if listed else []
        for match in P.scan(P.TERMINAL, P.TERMINAL_START, text):
            cut = self._cut(text, match, skip, quotes)
            if cut is not None:
                cuts.append(cut)
        return sorted(set(cuts))

    def _cut(self, text: str, match: re.Match[str], skip: set[int], quotes: _Quotations) -> int | None:
        """Where the candidate ``match`` (of ``patterns.TERMINAL``) ends a sentence, or None."""
        start, end = match.start(), match.end()
        if match.group("wide"):
            return end if end < len(text) else None
        if start in skip:
            return None
        note = match.group("note")
        if note and _decimal(text, start, note):
            return None
        following = P.NEXT_WORD.match(text, end)
        if following is None:
            return None
        next_word = following.group(1)
        first = next_word.lstrip(P.OPENERS)[:1]
        if not first or first.islower():
            return None
        term, close = match.group("term"), match.group("close")
        if text[start - 1 : start] == "[" and close.startswith("]"):
            return None  # "[...]" marks an omission inside a sentence
        if "." not in term and "…" not in term and not close and quotes.around(start):
            return None  # "!"/"?" inside a quotation that goes on: "'Well! How brave ...!' she said"
        if " " in term:  # spaced ellipsis: ". . ." continues a sentence, ". . . ." ends one
            if term.count(".") < 4:
                return None
            # "compounds. . . . The": the full stop, then ". . . The"
            return start + 1 if text[start - 1 : start].strip() else end
        if term == "." and not close and not note and not self._period_ends_sentence(text, start, next_word):
            return None
        return end

    def _list_cuts(self, text: str, skip: set[int]) -> list[int]:
        """Cuts before each item of a list (1., 2., ... / a), b), ... / (i), (ii), ...) and before bullets.

        A list starts at a first item ("1", "a", "i", "A") that opens the paragraph or follows
        a finished sentence, and goes on while the next label follows in sequence. The period
        of an item's label is not a sentence end; nor is that of a label opening the paragraph.
        """
        cuts = [m.start() for m in P.BULLET.finditer(text) if m.start() > 0]
        expected: set[str] = set()
        for marker in P.LIST_MARKER.finditer(text):
            label = marker.group("label").lower()
            before = text[: marker.start()].rstrip()
            opens = label in LIST_FIRST_LABELS and (
                not before or before[-1] in ".!?:;" or marker.group("bullet") is not None or bool(expected)
            )
            if label in expected or opens or marker.start() == 0:
                expected = _next_labels(label)
                skip.add(marker.start("mark"))
                if marker.start() > 0 and not marker.group("bullet"):
                    cuts.append(marker.start())
            elif marker.group("bullet"):
                skip.add(marker.start("mark"))
        return cuts

    def __call__(self, text: str) -> list[tuple[int, int]]:
        spans = []
        start = 0
        for cut in [*self._boundaries(text), len(text)]:
            piece = text[start:cut]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((start + lead, start + lead + len(stripped)))
            start = cut
        return spans


def bounded(text: str, spans: Iterable[tuple[int, int]], max_chars: int) -> list[tuple[int, int, bool]]:
    """``(start, end, cut)`` of ``spans`` (into ``text``), a span longer than ``max_chars`` cut
    into pieces of at most that length (``cut`` true for each); every piece is stripped, so
    ``text[start:end]`` still begins and ends with a non-space character."""
    out: list[tuple[int, int, bool]] = []
    for start, end in spans:
        if end - start <= max_chars:
            out.append((start, end, False))
            continue
        pos = start
        while pos < end:
            if end - pos <= max_chars:
                stop = end
            else:
                limit = pos + max_chars
                half = pos + max_chars // 2
                # The last clause mark in the window's second half, else its last space, else a hard cut.
                stop = (
                    _last_match(_CLAUSE_END, text, half, limit, after=True)
                    or _last_match(_SPACE, text, pos + 1, limit, after=False)
                    or limit
                )
            piece = text[pos:stop]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                out.append((pos + lead, pos + lead + len(stripped), True))
            pos = stop
    return out


def _last_match(pattern: re.Pattern[str], text: str, lo: int, hi: int, *, after: bool) -> int | None:
    """The end (``after``) or start of the last match of ``pattern`` in ``text[lo:hi]``, or None."""
    found = None
    for match in pattern.finditer(text, lo, hi):
        found = match.end() if after else match.start()
    return found


def split_sentences(
    paragraphs: pd.DataFrame, segmenter: Segmenter, max_chars: int = DEFAULT_MAX_SENTENCE_CHARS
) -> pd.DataFrame:
    """Split every paragraph into sentences of at most ``max_chars`` characters (see the module
    doc); the input frame is not modified.

    Needs ``article_id``, ``paragraph_index``, ``kind``, ``text`` and ``language``;
    rows of one article must be in paragraph order (as cleanup writes them).
    """
    cols: dict[str, list[Any]] = {name: [] for name in columns("sentences")}
    counters: dict[str, int] = {}
    for article_id, paragraph_index, kind, text, language in zip(
        paragraphs["article_id"].tolist(),
        paragraphs["paragraph_index"].tolist(),
        paragraphs["kind"].tolist(),
        paragraphs["text"].tolist(),
        paragraphs["language"].tolist(),
        strict=True,
    ):
        text = str(text)
        is_heading = kind == "heading"
        whole = [(0, len(text))] if is_heading else segmenter(text)
        # Nearly every paragraph is shorter than the limit: none of its sentences needs cutting.
        spans = (
            [(a, b, False) for a, b in whole] if len(text) <= max_chars else bounded(text, whole, max_chars)
        )
        n = len(spans)
        first = counters.get(article_id, 0)
        counters[article_id] = first + n
        cols["article_id"] += [article_id] * n
        cols["sentence_index"] += range(first, first + n)
        cols["paragraph_index"] += [int(paragraph_index)] * n
        cols["text"] += [text[start:end] for start, end, _ in spans]
        cols["char_start"] += [start for start, _, _ in spans]
        cols["char_end"] += [end for _, end, _ in spans]
        cols["is_heading"] += [is_heading] * n
        cols["language"] += [language] * n
        cols["cut_at_limit"] += [cut for _, _, cut in spans]
    return frame("sentences", cols)
