"""Cleanup: raw article text -> ``paragraphs`` (body/heading) and ``removed`` (noise with its kind).

The raw text is read line by line, keeping each line's offsets in ``raw_text``.
Each line is either blank, noise (a whole line of a known kind: related-article
link, bare URLs, read-more prompt, promo, credit) or text. Consecutive text lines
form a paragraph: hard line wraps are reflowed into one line, a blank line or a
noise line ends the paragraph, and a short line without final punctuation that
stands on its own is a ``heading``. Each kept paragraph and each removed line keep
``raw_start``/``raw_end`` into ``raw_text`` so any sentence can be traced back.

The text of a paragraph is normalised by a chain of small ``str -> str`` cleaners
(``normalize``): HTML entities and mojibake are fixed with ftfy, whitespace folded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ftfy
import pandas as pd

from stages import patterns as P
from stages.schemas import columns

HEADING_MAX_WORDS = 10
# A line shorter than this share of the paragraph's longest line cannot be a hard-wrapped
# first line, so a short unpunctuated first line of a block is a heading glued to a paragraph.
HEADING_MAX_WIDTH_SHARE = 0.6


# --- the str -> str cleaners, chained by normalize() ------------------------------------------------
def fix_encoding(text: str) -> str:
    """Fix mojibake (``â€™`` -> ``’``) and HTML entities (``&amp;`` -> ``&``) with ftfy; keep curly quotes."""
    return ftfy.fix_text(text, uncurl_quotes=False, unescape_html=True, normalization="NFC")


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace (hard wraps included) to one space and strip the ends."""
    return P.WHITESPACE_RUN.sub(" ", text).strip()


CLEANERS: tuple[Callable[[str], str], ...] = (fix_encoding, fold_whitespace)


def normalize(text: str) -> str:
    """Apply every cleaner in ``CLEANERS``, in order."""
    for clean in CLEANERS:
        text = clean(text)
    return text


# --- line classification ----------------------------------------------------------------------------
NOISE_KINDS: tuple[tuple[str, Any], ...] = (
    ("url", P.URL_LINE),
    ("related_link", P.RELATED_LINE),
    ("read_more", P.READ_MORE_LINE),
    ("promo", P.PROMO_LINE),
    ("credit", P.CREDIT_LINE),
)


def noise_kind(line: str) -> str | None:
    """The kind of noise a whole line is (``url``, ``related_link``, ...), or None for story text."""
    for kind, pattern in NOISE_KINDS:
        if pattern.match(line):
            return kind
    return None


@dataclass(frozen=True)
class Line:
    """One non-blank line of raw text, stripped, with its offsets into the raw text."""

    text: str
    start: int
    end: int


def _lines(raw: str) -> Iterator[Line | None]:
    """Yield stripped non-blank lines with offsets, and None for each blank line."""
    pos = 0
    for chunk in raw.splitlines(keepends=True):
        body = chunk.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            yield Line(stripped, pos + lead, pos + lead + len(stripped))
        else:
            yield None
        pos += len(chunk)


def _looks_like_heading(text: str) -> bool:
    inner = P.WRAPPING_QUOTES.sub(r"\1", text)
    n_words = len(P.WORD.findall(inner))
    return 0 < n_words <= HEADING_MAX_WORDS and not P.ENDS_LIKE_SENTENCE.search(inner) and inner[:1].isupper()


def _split_block(block: list[Line]) -> Iterator[tuple[str, list[Line]]]:
    """Split a block of consecutive text lines into (kind, lines) paragraphs.

    A block of one short unpunctuated line is a heading. In a longer block, a first
    line that is a heading and much shorter than the block's longest line cannot be
    a hard-wrapped start of a paragraph: it is a heading glued to the paragraph below.
    """
    if len(block) == 1:
        yield ("heading" if _looks_like_heading(block[0].text) else "body"), block
        return
    widest = max(len(line.text) for line in block)
    first = block[0]
    if _looks_like_heading(first.text) and len(first.text) < HEADING_MAX_WIDTH_SHARE * widest:
        yield "heading", [first]
        block = block[1:]
    yield "body", block


def clean_article(raw: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Clean one article: ``(paragraphs, removed)`` as lists of row dicts (no article_id)."""
    paragraphs: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    block: list[Line] = []

    def flush() -> None:
        for kind, lines in _split_block(block):
            text = normalize(" ".join(line.text for line in lines))
            if text:
                paragraphs.append(
                    {
                        "paragraph_index": len(paragraphs),
                        "kind": kind,
                        "text": text,
                        "raw_start": lines[0].start,
                        "raw_end": lines[-1].end,
                    }
                )
        block.clear()

    for line in _lines(raw):
        if line is None:
            if block:
                flush()
            continue
        kind = noise_kind(line.text)
        if kind is None:
            block.append(line)
            continue
        if block:
            flush()
        removed.append(
            {
                "removed_index": len(removed),
                "kind": kind,
                "text": line.text,
                "raw_start": line.start,
                "raw_end": line.end,
            }
        )
    if block:
        flush()
    return paragraphs, removed


def cleanup(articles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean every article of an ``articles`` frame: ``(paragraphs, removed)`` frames.

    Needs the columns ``article_id`` and ``raw_text``; the input frame is not modified.
    """
    para_rows: list[dict[str, Any]] = []
    removed_rows: list[dict[str, Any]] = []
    for article_id, raw in zip(articles["article_id"], articles["raw_text"], strict=True):
        paragraphs, removed = clean_article(str(raw))
        para_rows.extend({"article_id": article_id, **row} for row in paragraphs)
        removed_rows.extend({"article_id": article_id, **row} for row in removed)
    para = pd.DataFrame(para_rows, columns=columns("paragraphs"))
    rem = pd.DataFrame(removed_rows, columns=columns("removed"))
    for frame, index_col in ((para, "paragraph_index"), (rem, "removed_index")):
        frame[index_col] = frame[index_col].astype("int32")
        frame["raw_start"] = frame["raw_start"].astype("int64")
        frame["raw_end"] = frame["raw_end"].astype("int64")
    return para, rem
