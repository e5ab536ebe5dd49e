"""``stancewire eval attribution``: PolNeAR-style articles through the real nightly flow, scored.

Each row of the dataset, ``{"id", "outlet", "date", "text", "attributions": [{"source", "cue",
"content"}]}`` with each span ``{"start", "end", "text"}`` (and optionally ``"segments": [[start,
end], ...]``, its text then the segments joined by a space) or null, becomes one line of a
JSON-lines inbox, ``{"text", "published_at": date, "outlet"}``; the real ``nightly`` flow writes
a temporary warehouse, and its ``attributions`` rows are read back by each article's line. For
JSON lines ``articles.raw_text`` is the ``text`` field as it is, so the rows' offsets and the
gold ones count the same characters. ``stages.attribution_scoring`` scores them; an article the
flow rejects (a duplicate, a bad date) predicts nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.datasets import DatasetError, read_jsonl
from flows.evaluate_pipeline import run_flow_on_lines
from stages.attribution_scoring import (
    GoldAttribution,
    PredictedAttribution,
    Span,
    attribution_scores,
    predicted_statements,
)

ATTRIBUTION_COLUMNS = (
    "sentence_index",
    "continued_quote",
    "cue",
    "cue_start",
    "cue_end",
    "speaker",
    "speaker_start",
    "speaker_end",
    "content",
    "content_start",
    "content_end",
)
SPAN_PARTS = ("source", "cue", "content")


@dataclass(frozen=True)
class GoldArticle:
    """One dataset row: the inbox line it becomes and its gold attributions."""

    line: dict[str, Any]
    gold: tuple[GoldAttribution, ...]


def _offset(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"offset {value!r} is not an integer")
    return value


def gold_span(value: Any, text: str) -> Span | None:
    """A gold span (None for null); a ``ValueError`` says what is wrong with it."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("a span is an object {start, end, text} or null")
    raw_segments = value.get("segments") or [[value.get("start"), value.get("end")]]
    if not isinstance(raw_segments, list) or not all(
        isinstance(s, list | tuple) and len(s) == 2 for s in raw_segments
    ):
        raise ValueError("segments must be a list of [start, end] pairs")
    segments = tuple((_offset(s[0]), _offset(s[1])) for s in raw_segments)
    if not all(0 <= start < end <= len(text) for start, end in segments):
        raise ValueError(f"span {list(segments)} is outside the text (length {len(text)})")
    written = " ".join(text[start:end] for start, end in segments)
    if value.get("text") != written:
        raise ValueError(f"span text {value.get('text')!r} is not the text at its offsets, {written!r}")
    return Span(segments, written)


def _gold_attribution(value: Any, text: str) -> GoldAttribution:
    if not isinstance(value, dict):
        raise ValueError("an attribution is an object {source, cue, content}")
    source, cue, content = (gold_span(value.get(part), text) for part in SPAN_PARTS)
    return GoldAttribution(cue=cue, source=source, content=content)


def gold_articles(dataset: Path) -> list[GoldArticle]:
    """The rows of a PolNeAR-format file (see the module); a bad row is a ``DatasetError``."""
    articles = []
    for number, row in enumerate(read_jsonl(dataset), start=1):
        text = row.get("text") if isinstance(row, dict) else None
        found = row.get("attributions") if isinstance(row, dict) else None
        if not isinstance(text, str) or not text.strip() or not isinstance(found, list):
            raise DatasetError(f"{dataset}: row {number} needs a non-empty 'text' and an 'attributions' list")
        try:
            gold = tuple(_gold_attribution(a, text) for a in found)
        except ValueError as err:
            raise DatasetError(f"{dataset}: row {number}: {err}") from None
        line = {"text": text, "published_at": row.get("date"), "outlet": row.get("outlet")}
        articles.append(GoldArticle(line=line, gold=gold))
    if not articles:
        raise DatasetError(f"dataset {dataset} has no rows")
    return articles


def evaluate_attribution(dataset: Path) -> dict[str, Any]:
    """Cue, source and content scores of the whole pipeline on a PolNeAR-format file
    (``stages.attribution_scoring`` defines them), with ``articles_rejected``."""
    articles = gold_articles(dataset)
    with tempfile.TemporaryDirectory(prefix="stancewire-eval-") as folder:
        rows = run_flow_on_lines(
            [a.line for a in articles], Path(folder), "attributions", ATTRIBUTION_COLUMNS
        )
    predicted: list[list[PredictedAttribution]] = [
        predicted_statements(article_rows or ()) for article_rows in rows
    ]
    scores: dict[str, Any] = attribution_scores((p, a.gold) for p, a in zip(predicted, articles, strict=True))
    scores["articles_rejected"] = sum(article_rows is None for article_rows in rows)
    return scores
