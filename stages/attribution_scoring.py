"""Scores of the pipeline's ``attributions`` rows against PolNeAR-style gold attributions.

Every span is a set of character offsets into one article's text (a gold span may have
several segments; a predicted one has one). Within each article:

- **pairs**: a prediction and a gold attribution pair up when their cue spans share at least
  one character; pairs are one-to-one, taken greedily largest overlap first (ties: the
  earlier gold cue, then the earlier predicted cue, by offsets). A gold attribution without
  a cue can pair with nothing and is not scored (``gold_without_cue`` counts it);
- **cue**: P = pairs / predictions, R = pairs / gold attributions, F1 their harmonic mean;
- **source**: a *source hit* is a pair whose prediction has a speaker span sharing a
  character with the gold source (a null gold source is never hit). P = source hits /
  all predictions with a speaker (paired or not), R = source hits / all gold attributions
  with a source;
- **content**: a *content hit* is a pair whose prediction and gold both have content and
  whose ``token_f1`` is at least 0.5. P = content hits / all predictions with content
  (paired or not), R = content hits / all gold attributions with content, ``content_f1``
  their harmonic mean. The same reading as source: an unpaired prediction is wrong at every
  level, so each F1 measures the whole chain, cue first.

A prediction is a statement: a row with a cue, its content joined by the quotations that
continue it (the rows after it with ``continued_quote`` and no cue, each a segment of its
content), as PolNeAR marks a quotation that runs over several sentences as one content.

Counts are summed over articles (micro averages). A ratio with a zero denominator is 0.0.
Pure functions, no IO.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

CONTENT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Span:
    """Character offsets ``[start, end)`` of one or more segments, and the text as written
    (segments joined by a space)."""

    segments: tuple[tuple[int, int], ...]
    text: str

    @property
    def start(self) -> int:
        return min(start for start, _ in self.segments)

    @property
    def end(self) -> int:
        return max(end for _, end in self.segments)


@dataclass(frozen=True)
class GoldAttribution:
    """One gold attribution: cue, source and content spans, any of them missing."""

    cue: Span | None
    source: Span | None
    content: Span | None


@dataclass(frozen=True)
class PredictedAttribution:
    """One ``attributions`` row: its cue span, and its speaker and content spans when it has them."""

    cue: Span
    speaker: Span | None
    content: Span | None


def overlap(a: Span, b: Span) -> int:
    """How many characters the two spans share (segments of one span do not overlap)."""
    return sum(
        max(0, min(a_end, b_end) - max(a_start, b_start))
        for a_start, a_end in a.segments
        for b_start, b_end in b.segments
    )


def match_cues(
    predicted: Sequence[PredictedAttribution], gold: Sequence[GoldAttribution]
) -> list[tuple[int, int]]:
    """One-to-one ``(predicted index, gold index)`` pairs of cues that share a character,
    largest overlap first; ties go to the earlier gold cue, then the earlier predicted cue."""
    candidates = []
    for g, gold_one in enumerate(gold):
        if gold_one.cue is None:
            continue
        for p, prediction in enumerate(predicted):
            shared = overlap(prediction.cue, gold_one.cue)
            if shared > 0:
                key = (
                    -shared,
                    gold_one.cue.start,
                    gold_one.cue.end,
                    prediction.cue.start,
                    prediction.cue.end,
                    g,
                    p,
                )
                candidates.append((key, p, g))
    pairs: list[tuple[int, int]] = []
    used_predicted: set[int] = set()
    used_gold: set[int] = set()
    for _, p, g in sorted(candidates):
        if p not in used_predicted and g not in used_gold:
            pairs.append((p, g))
            used_predicted.add(p)
            used_gold.add(g)
    return sorted(pairs)


def tokens(text: str) -> list[str]:
    """Casefolded runs of letters and digits: every other character separates tokens."""
    return "".join(c if c.isalnum() else " " for c in text.casefold()).split()


def token_f1(predicted: str, gold: str) -> float:
    """F1 of the two texts' token multisets (SQuAD-style): 2 × shared / (predicted + gold);
    0.0 when either has no token."""
    a, b = tokens(predicted), tokens(gold)
    if not a or not b:
        return 0.0
    shared = sum((Counter(a) & Counter(b)).values())
    return 2 * shared / (len(a) + len(b))


@dataclass(frozen=True)
class ArticleCounts:
    """The counts of one article that the scores are made of."""

    predicted: int = 0
    gold: int = 0
    gold_without_cue: int = 0
    cue_pairs: int = 0
    predicted_with_speaker: int = 0
    gold_with_source: int = 0
    source_hits: int = 0
    predicted_with_content: int = 0
    gold_with_content: int = 0
    content_hits: int = 0


def _source_hit(prediction: PredictedAttribution, gold: GoldAttribution) -> bool:
    return (
        prediction.speaker is not None
        and gold.source is not None
        and overlap(prediction.speaker, gold.source) > 0
    )


def _content_hit(prediction: PredictedAttribution, gold: GoldAttribution) -> bool:
    return (
        prediction.content is not None
        and gold.content is not None
        and token_f1(prediction.content.text, gold.content.text) >= CONTENT_THRESHOLD
    )


def article_counts(
    predicted: Sequence[PredictedAttribution], gold: Sequence[GoldAttribution]
) -> ArticleCounts:
    """The module's counts for one article's predictions and gold attributions."""
    scored = [g for g in gold if g.cue is not None]
    pairs = match_cues(predicted, scored)
    return ArticleCounts(
        predicted=len(predicted),
        gold=len(scored),
        gold_without_cue=len(gold) - len(scored),
        cue_pairs=len(pairs),
        predicted_with_speaker=sum(p.speaker is not None for p in predicted),
        gold_with_source=sum(g.source is not None for g in scored),
        source_hits=sum(_source_hit(predicted[p], scored[g]) for p, g in pairs),
        predicted_with_content=sum(p.content is not None for p in predicted),
        gold_with_content=sum(g.content is not None for g in scored),
        content_hits=sum(_content_hit(predicted[p], scored[g]) for p, g in pairs),
    )


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _f1(hits: int, predicted: int, gold: int) -> float:
    # 2PR / (P + R) = 2 hits / (predicted + gold), without rounding P and R first
    return round(2 * hits / (predicted + gold), 4) if hits else 0.0


def attribution_scores(
    articles: Iterable[tuple[Sequence[PredictedAttribution], Sequence[GoldAttribution]]],
) -> dict[str, float | int]:
    """Cue, source and content scores (see the module) over ``(predicted, gold)`` per article,
    with the counts they are made of."""
    counts = [article_counts(predicted, gold) for predicted, gold in articles]
    total = {name: sum(getattr(c, name) for c in counts) for name in ArticleCounts.__dataclass_fields__}
    return {
        "cue_p": _ratio(total["cue_pairs"], total["predicted"]),
        "cue_r": _ratio(total["cue_pairs"], total["gold"]),
        "cue_f1": _f1(total["cue_pairs"], total["predicted"], total["gold"]),
        "source_p": _ratio(total["source_hits"], total["predicted_with_speaker"]),
        "source_r": _ratio(total["source_hits"], total["gold_with_source"]),
        "source_f1": _f1(total["source_hits"], total["predicted_with_speaker"], total["gold_with_source"]),
        "content_p": _ratio(total["content_hits"], total["predicted_with_content"]),
        "content_r": _ratio(total["content_hits"], total["gold_with_content"]),
        "content_f1": _f1(total["content_hits"], total["predicted_with_content"], total["gold_with_content"]),
        "articles": len(counts),
        **total,
    }


def _row_span(row: Mapping[str, Any], text: str, start: str, end: str) -> Span | None:
    if any(row.get(key) is None or pd.isna(row[key]) for key in (start, end)):
        return None
    written = row.get(text)
    return Span(
        ((int(row[start]), int(row[end])),), "" if written is None or pd.isna(written) else str(written)
    )


def _continues(row: Mapping[str, Any]) -> bool:
    value = row.get("continued_quote")
    return bool(value) and not pd.isna(value) and _row_span(row, "cue", "cue_start", "cue_end") is None


def _joined(first: Span | None, more: Span | None) -> Span | None:
    if first is None or more is None:
        return first or more
    return Span(first.segments + more.segments, f"{first.text} {more.text}")


def predicted_statements(rows: Sequence[Mapping[str, Any]]) -> list[PredictedAttribution]:
    """One article's ``attributions`` rows (with ``sentence_index`` and ``continued_quote``) as
    its statements: each row with a cue, its content joined by the continued quotations after
    it (see the module). A continued quotation with no statement before it is dropped."""

    def order(row: Mapping[str, Any]) -> tuple[int, bool, int]:
        cue = _row_span(row, "cue", "cue_start", "cue_end")
        return int(row["sentence_index"]), cue is None, cue.start if cue is not None else 0

    ordered = sorted(rows, key=order)
    made: list[PredictedAttribution] = []
    for row in ordered:
        if not _continues(row):
            made.append(predicted_attribution(row))
        elif made:
            last = made[-1]
            content = _row_span(row, "content", "content_start", "content_end")
            made[-1] = PredictedAttribution(last.cue, last.speaker, _joined(last.content, content))
    return made


def predicted_attribution(row: Mapping[str, Any]) -> PredictedAttribution:
    """One ``attributions`` row (a mapping of its columns; nulls as None or NA) as a prediction."""
    cue = _row_span(row, "cue", "cue_start", "cue_end")
    if cue is None:
        raise ValueError("an attributions row always has a cue span")
    return PredictedAttribution(
        cue=cue,
        speaker=_row_span(row, "speaker", "speaker_start", "speaker_end"),
        content=_row_span(row, "content", "content_start", "content_end"),
    )
