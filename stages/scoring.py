"""Scores for stage output against gold data: pure functions, no IO.

- Paragraphs (seed-style data): exact match after folding whitespace, counted as
  multisets, micro-averaged over the dataset; ``leaked_noise`` counts gold noise
  lines whose text survives inside any output paragraph.
- Article bodies (page dumps, HTML): precision / recall / F1 of word 4-gram
  shingles, each document's counts normalised to sum to 1 and averaged over
  documents, F1 taken from the averaged precision and recall: the method of
  scrapinghub's article-extraction-benchmark (MIT), reimplemented here.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stages import patterns as P

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE_N = 4


def fold(text: str) -> str:
    """Whitespace folded to single spaces, ends stripped: how paragraphs are compared."""
    return P.WHITESPACE_RUN.sub(" ", text).strip()


@dataclass(frozen=True)
class ParagraphCounts:
    """Per-document paragraph matches and leaked noise."""

    true_positive: int
    predicted: int
    gold: int
    leaked_noise: int


def paragraph_counts(
    predicted: Sequence[str], gold: Sequence[str], noise_lines: Sequence[str] = ()
) -> ParagraphCounts:
    """Exact (whitespace-folded) paragraph matches, and how many noise lines survive into ``predicted``."""
    pred = Counter(fold(p) for p in predicted)
    want = Counter(fold(g) for g in gold)
    matched = sum((pred & want).values())
    joined = "\n".join(fold(p) for p in predicted)
    leaked = sum(1 for line in noise_lines if fold(line) and fold(line) in joined)
    return ParagraphCounts(matched, sum(pred.values()), sum(want.values()), leaked)


def _micro(items: Sequence[ParagraphCounts] | Sequence[SentenceCase]) -> tuple[float, float, float]:
    """Micro-averaged precision, recall and F1 over items with true_positive/predicted/gold counts
    (an empty side scores 1: nothing was missed or invented)."""
    true_positive = sum(c.true_positive for c in items)
    predicted = sum(c.predicted for c in items)
    gold = sum(c.gold for c in items)
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def paragraph_scores(counts: Iterable[ParagraphCounts]) -> dict[str, float]:
    """Micro-averaged paragraph precision, recall, F1 and total leaked noise over documents."""
    items = list(counts)
    precision, recall, f1 = _micro(items)
    return {
        "n": len(items),
        "paragraph_precision": precision,
        "paragraph_recall": recall,
        "paragraph_f1": f1,
        "leaked_noise": sum(c.leaked_noise for c in items),
    }


def _shingles(text: str, n: int = SHINGLE_N) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text)
    return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)) if words[i : i + n])


def shingle_counts(predicted: str, gold: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over word 4-gram shingles, normalised to sum to 1 (all zero for two empty texts)."""
    pred, want = _shingles(predicted), _shingles(gold)
    tp = float(sum((pred & want).values()))
    fp = float(sum((pred - want).values()))
    fn = float(sum((want - pred).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def token_scores(counts: Iterable[tuple[float, float, float]]) -> dict[str, float]:
    """Mean per-document precision and recall (documents where each is defined), and their F1."""
    items = list(counts)

    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    precisions = [precision(*c) for c in items if c[0] + c[1] > 0]
    recalls = [recall(*c) for c in items if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return {
        "n": len(items),
        "token_precision": p,
        "token_recall": r,
        "token_f1": 2 * p * r / (p + r) if p + r else 0.0,
    }


def _cut_points(sentences: Sequence[str]) -> set[int]:
    """Where each sentence but the first starts, counted in non-space characters."""
    points: set[int] = set()
    position = 0
    for sentence in sentences[:-1]:
        position += len("".join(sentence.split()))
        points.add(position)
    return points


@dataclass(frozen=True)
class SentenceCase:
    """One scored case: exact match and its boundary counts."""

    exact: bool
    true_positive: int
    predicted: int
    gold: int


def sentence_case(predicted: Sequence[str], expected: Sequence[str]) -> SentenceCase:
    """Exact match (whitespace folded) and boundary matches of one case."""
    got, want = _cut_points(predicted), _cut_points(expected)
    exact = [fold(s) for s in predicted] == [fold(s) for s in expected]
    return SentenceCase(exact, len(got & want), len(got), len(want))


def sentence_scores(cases: Iterable[SentenceCase]) -> dict[str, float]:
    """Exact-match count and micro-averaged boundary precision, recall and F1."""
    items = list(cases)
    precision, recall, f1 = _micro(items)
    return {
        "n": len(items),
        "exact": sum(c.exact for c in items),
        "boundary_precision": precision,
        "boundary_recall": recall,
        "boundary_f1": f1,
    }


def classification_scores(
    predicted: Sequence[Any], gold: Sequence[Any], labels: Sequence[Any]
) -> dict[str, Any]:
    """Accuracy, macro-F1 over ``labels`` and per-class precision/recall/F1/support."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold differ in length")
    per_class: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p == label and g == label)
        n_pred = sum(1 for p in predicted if p == label)
        n_gold = sum(1 for g in gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[str(label)] = {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}
    correct = sum(1 for p, g in zip(predicted, gold, strict=True) if p == g)
    return {
        "n": len(gold),
        "accuracy": correct / len(gold) if gold else 0.0,
        "macro_f1": statistics.mean(c["f1"] for c in per_class.values()) if per_class else 0.0,
        "per_class": per_class,
    }
