"""Cleanup: raw article text -> ``paragraphs`` (body/heading) and ``removed`` (noise with its kind).

The raw text is cut into blocks at blank lines. Inside a block, whole lines of
known noise (related-article links, bare URLs, read-more prompts, promo and
furniture, credits) are removed. In what is left, a single newline is a hard wrap:
wrapped lines are reflowed into one paragraph, and a word broken after its hyphen
is re-joined. A headline (a short unpunctuated capitalised line that the next line
does not continue) is a ``heading`` paragraph of its own, never glued to the text
below; menus and lists of headlines therefore come out one line per unit.

Whole-page dumps (menus, footers, cookie banners, lists of other stories around
the article) are recognised by their many short menu-like lines; in such a
document only the best-scoring contiguous run of prose-like units is kept (a
maximum-sum segment: prose scores its length, anything else a penalty), and the
rest is removed as ``boilerplate``. An ordinary article is never cut this way:
recall of the story comes first.

Every kept paragraph and every removed piece keeps ``raw_start``/``raw_end`` into
``raw_text``. Paragraph text goes through a chain of small ``str -> str`` cleaners
(``normalize``): mojibake and HTML entities fixed by ftfy, whitespace folded.
Each article's language is identified on its kept text by a classifier passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import ftfy
import pandas as pd

from stages import patterns as P
from stages.schemas import PARAGRAPH_KINDS, columns, frame

HEADING_MAX_WORDS = 10
# A headline inside a block of wrapped lines is shorter than this share of the widest line;
# a block whose widest line is under WRAP_MIN_WIDTH characters is a list, not a wrap.
HEADING_MAX_WIDTH_SHARE = 0.6
WRAP_MIN_WIDTH = 40
HEADING_MAX_CHARS = 120
# Dump mode: a document with at least this many short menu-like units is a whole-page dump.
DUMP_MIN_MENU_UNITS = 5
MENU_MAX_WORDS = 4
MENU_MAX_CHARS = 60
# Scoring of units in dump mode: prose scores its length; other units lose
# DUMP_PENALTY_PER_CHAR per character plus DUMP_PENALTY_PER_UNIT.
PROSE_MIN_WORDS = 8
PROSE_MIN_CHARS_UNPUNCTUATED = 150
PROSE_MIN_INNER_STOPS = 3
DUMP_PENALTY_PER_CHAR = 1.0
DUMP_PENALTY_PER_UNIT = 60.0
COOKIE_BANNER_MAX_CHARS = 400
# Characters of kept text the language identifier looks at.
LANGUAGE_SAMPLE_CHARS = 300

# English fast path of the default language identifier (see make_language_identifier).
ENGLISH_FUNCTION_WORDS = frozenset(
    (
        "the of and to a in is that for on with was as by at it from his he she said be are have has "
        "were an this which will not but they their who been had its after would or we more about also"
    ).split()
)
FAST_PATH_MIN_WORDS = 20
FAST_PATH_MIN_SHARE = 0.25
# A language identifier: text -> ISO 639-1 code (or "und").
LanguageIdentifier = Callable[[str], str]


def make_language_identifier(model: Any) -> LanguageIdentifier:
    """The default language identifier: py3langid (langid.py's model), with an English fast path.

    Most of what stancewire reads is English, and the model costs as much as the whole
    text cleanup. A sample of at least ``FAST_PATH_MIN_WORDS`` words of which at least
    ``FAST_PATH_MIN_SHARE`` are English function words ("the", "of", "and", ...) is
    English without asking the model; anything else goes to the model.

    ``model``: a py3langid ``LanguageIdentifier``, loaded by the caller
    (``flows.resources.load_language_model``; the stage workers share one).
    """

    def identify(text: str) -> str:
        words = text.lower().split()
        if len(words) >= FAST_PATH_MIN_WORDS:
            hits = sum(1 for word in words if word in ENGLISH_FUNCTION_WORDS)
            if hits >= FAST_PATH_MIN_SHARE * len(words):
                return "en"
        return str(model.classify(text)[0])

    return identify


# --- the str -> str cleaners, chained by normalize() ------------------------------------------------
def fix_encoding(text: str) -> str:
    """Fix mojibake (``â€™`` -> ``’``) and HTML entities (``&amp;`` -> ``&``) with ftfy; keep curly quotes.

    ftfy is only called when the text holds something it could fix (``patterns.MAYBE_MOJIBAKE``):
    it is by far the slowest step, and most text needs nothing.
    """
    if not P.MAYBE_MOJIBAKE.search(text):
        return text
    return ftfy.fix_text(text, uncurl_quotes=False, unescape_html=True, normalization="NFC")


def join_hyphen_wraps(text: str) -> str:
    """Re-join words that a hard wrap broke after their hyphen (``third-\\nparty`` -> ``third-party``)."""
    return P.HYPHEN_WRAP.sub("", text) if "-\n" in text or "- \n" in text else text


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace (hard wraps included) to one space and strip the ends."""
    return " ".join(text.split())


CLEANERS: tuple[Callable[[str], str], ...] = (fix_encoding, join_hyphen_wraps, fold_whitespace)
# The same chain for an article in which ``fix_encoding`` has nothing to fix (checked once per article).
CLEANERS_WITHOUT_ENCODING: tuple[Callable[[str], str], ...] = (join_hyphen_wraps, fold_whitespace)


def normalize(text: str, cleaners: tuple[Callable[[str], str], ...] = CLEANERS) -> str:
    """Apply every cleaner of the chain, in order."""
    for clean in cleaners:
        text = clean(text)
    return text


# --- units: what becomes a paragraph or a removed piece ----------------------------------------------
class Unit(NamedTuple):
    """A span of the raw text: a paragraph to keep (body/heading) or a piece to remove (its noise kind).
    A named tuple: an article makes one per line or paragraph, and a tuple is the cheapest to make."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def kept(self) -> bool:
        return self.kind in PARAGRAPH_KINDS


def _words(text: str) -> int:
    return max(len(text.split()), len(P.CJK_CHAR.findall(text)) // 2)


def _ends_like_sentence(text: str) -> bool:
    """Final punctuation, ignoring closing quotes and brackets after it (checked from the end only)."""
    body = text.rstrip(P.CLOSING_MARKS)
    return bool(body) and body[-1] in P.SENTENCE_FINAL


def _looks_like_heading(text: str) -> bool:
    if len(text) > HEADING_MAX_CHARS or _ends_like_sentence(text):
        return False
    inner = P.WRAPPING_QUOTES.sub(r"\1", text)
    first = P.LIST_LABEL.sub("", inner).lstrip(P.OPENERS)[:1]
    return (
        0 < len(inner.split()) <= HEADING_MAX_WORDS
        and not _ends_like_sentence(inner)
        and (first.isupper() or first.isdigit())
        and len(P.LIST_MARKER.findall(inner)) < 2  # "1. The first item 2. The second item" is a list
    )


def _is_prose(text: str) -> bool:
    if _ends_like_sentence(text) and _words(text) >= PROSE_MIN_WORDS:
        return True
    return (
        len(text) >= PROSE_MIN_CHARS_UNPUNCTUATED and len(P.INNER_STOP.findall(text)) >= PROSE_MIN_INNER_STOPS
    )


def _is_menu_item(unit: Unit) -> bool:
    return (
        len(unit.text) <= MENU_MAX_CHARS
        and _words(unit.text) <= MENU_MAX_WORDS
        and not _ends_like_sentence(unit.text)
    )


def _lines(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line in raw[start:end], stripped of surrounding whitespace."""
    spans = []
    pos = start
    for line in raw[start:end].split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            spans.append((pos + lead, pos + lead + len(stripped)))
        pos += len(line) + 1
    return spans


def _starts_new_line_of_text(text: str) -> bool:
    """Whether a line can start something new (capital, digit, quote, bullet), not continue a wrap."""
    first = P.LIST_LABEL.sub("", text).lstrip(P.OPENERS)[:1]
    return not first or first.isupper() or first.isdigit() or not first.isalpha()


def _text_units(raw: str, lines: list[tuple[int, int]]) -> list[Unit]:
    """Units of a run of consecutive story lines.

    A single newline is a hard wrap, and wrapped lines are reflowed into one paragraph,
    except around a headline: a short unpunctuated capitalised line, at the start of
    the run or after a finished sentence or another headline, that the next line does
    not continue ("Storm Knocks Out Power\nA powerful storm ...") and that is clearly
    shorter than the wrap width (a line of a hard-wrapped paragraph is nearly full).
    Menus and lists of headlines in page dumps come out as one unit per line this way.
    """
    texts = [raw[s:e] for s, e in lines]
    widest = max(len(t) for t in texts)
    units: list[Unit] = []
    run_start = -1  # index of the first line of the body text being reflowed, -1 for none

    previous_heading = False
    for i, text in enumerate(texts):
        after_break = i == 0 or previous_heading or _ends_like_sentence(texts[i - 1])
        is_last = i + 1 == len(texts)
        if (
            after_break
            and _looks_like_heading(text)
            and (is_last or _starts_new_line_of_text(texts[i + 1]))
            and (widest < WRAP_MIN_WIDTH or len(text) < HEADING_MAX_WIDTH_SHARE * widest)
        ):
            if run_start >= 0:
                units.append(_body(raw, lines[run_start][0], lines[i - 1][1]))
                run_start = -1
            units.append(Unit("heading", *lines[i], text))
            previous_heading = True
            continue
        previous_heading = False
        if run_start < 0:
            run_start = i
    if run_start >= 0:
        units.append(_body(raw, lines[run_start][0], lines[-1][1]))
    return units


def _body(raw: str, start: int, end: int) -> Unit:
    return Unit("body", start, end, raw[start:end])


def _block_units(raw: str, start: int, end: int) -> Iterator[Unit]:
    """Units of one block (text between blank lines): noise lines removed, the rest as text units."""
    lines = _lines(raw, start, end)
    story: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        s, e = lines[i]
        match = P.NOISE_LINE.fullmatch(raw, s, e)
        if match is None:
            story.append((s, e))
            i += 1
            continue
        if story:
            yield from _text_units(raw, story)
            story = []
        # A wire credit "(Reporting by ...; Editing by" may wrap: it runs to its closing bracket.
        if match.lastgroup == "credit" and raw[s] == "(" and ")" not in raw[s:e]:
            while i + 1 < len(lines) and ")" not in raw[lines[i][0] : lines[i][1]]:
                i += 1
            e = lines[i][1]
        yield Unit(str(match.lastgroup), s, e, raw[s:e])
        i += 1
    if story:
        yield from _text_units(raw, story)


def _keep_main_run(units: list[Unit]) -> list[Unit]:
    """In a page dump, keep the maximum-sum run of units and mark the rest ``boilerplate``."""
    text_units = [u for u in units if u.kept]
    if sum(1 for u in text_units if _is_menu_item(u)) < DUMP_MIN_MENU_UNITS:
        return units
    best, best_start, best_end = 0.0, 0, 0
    run, run_start = 0.0, 0
    for i, unit in enumerate(text_units):
        banner = P.COOKIE_BANNER.search(unit.text) and len(unit.text) < COOKIE_BANNER_MAX_CHARS
        if _is_prose(unit.text) and not banner:
            score = float(len(unit.text))
        else:
            score = -(DUMP_PENALTY_PER_CHAR * len(unit.text) + DUMP_PENALTY_PER_UNIT)
        if run <= 0:
            run, run_start = 0.0, i
        run += score
        if run > best:
            best, best_start, best_end = run, run_start, i + 1
    keep = {id(u) for u in text_units[best_start:best_end]}
    return [u if not u.kept or id(u) in keep else Unit("boilerplate", u.start, u.end, u.text) for u in units]


def clean_article(
    raw: str, *, page_dump: bool = True, noise: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Clean one article: ``(paragraphs, removed)`` as lists of row dicts (no article_id).

    ``page_dump=False`` turns off the whole-page-dump cut, for text that an HTML
    extractor has already reduced to the article; ``noise=False`` keeps noise lines as
    text (reflow and heading detection only, as sentence evaluation wants it).
    """
    units: list[Unit] = []
    pos = 0
    for gap in [*P.BLANK_LINES.finditer(raw), None]:
        end = gap.start() if gap else len(raw)
        if noise:
            units.extend(_block_units(raw, pos, end))
        elif lines := _lines(raw, pos, end):
            units.extend(_text_units(raw, lines))
        pos = gap.end() if gap else len(raw)
    paragraphs: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    cleaners = CLEANERS if P.MAYBE_MOJIBAKE.search(raw) else CLEANERS_WITHOUT_ENCODING
    for unit in _keep_main_run(units) if page_dump else units:
        if unit.kept:
            text = normalize(unit.text, cleaners)
            if text:
                paragraphs.append(
                    {
                        "paragraph_index": len(paragraphs),
                        "kind": unit.kind,
                        "text": text,
                        "raw_start": unit.start,
                        "raw_end": unit.end,
                    }
                )
        else:
            removed.append(
                {
                    "removed_index": len(removed),
                    "kind": unit.kind,
                    "text": fold_whitespace(unit.text),
                    "raw_start": unit.start,
                    "raw_end": unit.end,
                }
            )
    return paragraphs, removed


def _language_sample(paragraphs: list[dict[str, Any]]) -> str:
    sample: list[str] = []
    size = 0
    for row in paragraphs:
        if row["kind"] == "body":
            sample.append(row["text"])
            size += len(row["text"])
            if size >= LANGUAGE_SAMPLE_CHARS:
                break
    return " ".join(sample)[:LANGUAGE_SAMPLE_CHARS]


def cleanup(
    articles: pd.DataFrame, identify_language: LanguageIdentifier
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean every article of an ``articles`` frame: ``(paragraphs, removed)`` frames.

    Needs the columns ``article_id`` and ``raw_text``, and uses ``format`` when present:
    text extracted from HTML is not cut as a page dump. The input frame is not modified.
    Every paragraph row carries its article's ``language`` (``und`` when no body text).
    """
    para_cols: dict[str, list[Any]] = {name: [] for name in columns("paragraphs")}
    removed_cols: dict[str, list[Any]] = {name: [] for name in columns("removed")}
    formats = articles["format"] if "format" in articles.columns else pd.Series("txt", index=articles.index)
    for article_id, raw, fmt in zip(
        articles["article_id"].tolist(), articles["raw_text"].tolist(), formats.tolist(), strict=True
    ):
        paragraphs, removed = clean_article(str(raw), page_dump=fmt != "html")
        sample = _language_sample(paragraphs)
        language = identify_language(sample) if sample else "und"
        for row in paragraphs:
            para_cols["article_id"].append(article_id)
            para_cols["language"].append(language)
            for key, value in row.items():
                para_cols[key].append(value)
        for row in removed:
            removed_cols["article_id"].append(article_id)
            for key, value in row.items():
                removed_cols[key].append(value)
    return frame("paragraphs", para_cols), frame("removed", removed_cols)
