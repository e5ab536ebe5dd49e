"""Raw text -> its sentences, as the pipeline would make them, for the sentence-splitting
evaluation (``flows/evaluation.py``): cleanup's reflow and headings, then a segmenter."""

from __future__ import annotations

from stages.cleanup import clean_article
from stages.sentences import Segmenter


def split_text(text: str, segmenter: Segmenter) -> list[str]:
    """The sentences the pipeline would make of ``text``: reflow and headings as cleanup does them
    (noise lines kept), then the segmenter on each paragraph; a heading is one sentence."""
    paragraphs, _ = clean_article(text, page_dump=False, noise=False)
    out: list[str] = []
    for row in paragraphs:
        para = row["text"]
        if row["kind"] == "heading":
            out.append(para)
        else:
            out.extend(para[start:end] for start, end in segmenter(para))
    return out
