"""Sentence splitting: ``paragraphs`` -> ``sentences``.

Each paragraph is split on its own (a sentence never crosses a paragraph), with a
segmenter passed in by the caller (``make_segmenter`` builds the default, pySBD's
rule-based English segmenter). A heading is one sentence. ``char_start``/``char_end``
are offsets into the paragraph's text, so ``paragraph.text[char_start:char_end] == text``.
``sentence_index`` counts sentences of the article in reading order, headings included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from stages.schemas import columns

# A segmenter takes a paragraph's text and returns (start, end) character spans of its sentences.
Segmenter = Callable[[str], Iterable[tuple[int, int]]]


def make_segmenter() -> Segmenter:
    """The default segmenter: pySBD (English golden rules), spans trimmed of surrounding whitespace."""
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def split(text: str) -> list[tuple[int, int]]:
        spans = []
        for span in seg.segment(text):
            piece = span.sent
            lead = len(piece) - len(piece.lstrip())
            start = span.start + lead
            end = span.start + len(piece.rstrip())
            if end > start:
                spans.append((start, end))
        return spans

    return split


def split_sentences(paragraphs: pd.DataFrame, segmenter: Segmenter) -> pd.DataFrame:
    """Split every paragraph into sentences; the input frame is not modified.

    Needs ``article_id``, ``paragraph_index``, ``kind``, ``text`` and ``language``;
    rows of one article must be in paragraph order (as cleanup writes them).
    """
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for article_id, paragraph_index, kind, text, language in zip(
        paragraphs["article_id"],
        paragraphs["paragraph_index"],
        paragraphs["kind"],
        paragraphs["text"],
        paragraphs["language"],
        strict=True,
    ):
        text = str(text)
        is_heading = kind == "heading"
        spans = [(0, len(text))] if is_heading else list(segmenter(text))
        for start, end in spans:
            index = counters.get(article_id, 0)
            counters[article_id] = index + 1
            rows.append(
                {
                    "article_id": article_id,
                    "sentence_index": index,
                    "paragraph_index": int(paragraph_index),
                    "text": text[start:end],
                    "char_start": start,
                    "char_end": end,
                    "is_heading": is_heading,
                    "language": language,
                }
            )
    out = pd.DataFrame(rows, columns=columns("sentences"))
    for col in ("sentence_index", "paragraph_index", "char_start", "char_end"):
        out[col] = out[col].astype("int32")
    out["is_heading"] = out["is_heading"].astype(bool)
    return out
