"""Evaluation and benchmark runners behind ``stancewire eval`` and ``stancewire bench``.

They read datasets (IO) and hand the text to the same stage functions the
pipeline uses; the scoring itself is in ``stages.evaluate``.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from stages.cleanup import clean_article, cleanup, make_language_identifier
from stages.evaluate import (
    paragraph_counts,
    paragraph_scores,
    sentence_case,
    sentence_scores,
    shingle_counts,
    token_scores,
)
from stages.ingest import extract_html
from stages.sentences import Segmenter, split_text


class DatasetError(ValueError):
    """A dataset file that cannot be evaluated; the message says why."""


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON-lines file; a bad line is a ``DatasetError`` naming the line."""
    if not path.is_file():
        raise DatasetError(f"dataset {path} is not a file")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise DatasetError(f"{path}:{number}: not JSON ({err.msg})") from None


def _body(paragraphs: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in paragraphs)


def evaluate_cleanup(dataset: Path, *, html: bool = False) -> dict[str, float]:
    """Score cleanup on a dataset of either format (see ``stancewire eval cleanup --help``)."""
    rows = list(read_jsonl(dataset))
    if not rows:
        raise DatasetError(f"dataset {dataset} has no rows")
    first = rows[0]
    if {"raw", "gold_paragraphs"} <= first.keys():
        if html:
            raise DatasetError(
                "--html needs a page dataset (gold_body + raw_html_text), not raw/gold_paragraphs"
            )
        return paragraph_scores(
            paragraph_counts(
                [p["text"] for p in clean_article(row["raw"])[0]],
                row["gold_paragraphs"],
                row.get("noise_lines", []),
            )
            for row in rows
        )
    if {"gold_body", "raw_html_text"} <= first.keys():
        counts = []
        for row in rows:
            if html:
                page = dataset.parent / "html" / f"{row['id']}.html.gz"
                if not page.is_file():
                    raise DatasetError(f"--html: no page {page} for row {row['id']}")
                text = extract_html(gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")).text
                predicted = _body(clean_article(text, page_dump=False)[0])
            else:
                predicted = _body(clean_article(row["raw_html_text"])[0])
            counts.append(shingle_counts(predicted, row["gold_body"]))
        return token_scores(counts)
    raise DatasetError(
        f"dataset {dataset}: rows need either raw + gold_paragraphs or gold_body + raw_html_text, "
        f"got {sorted(first)}"
    )


def _timed(fn: Callable[[], object], repeats: int) -> float:
    """Best of ``repeats`` wall-clock runs, in seconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def benchmark_cleanup(corpus: Path, *, limit: int = 3000, repeats: int = 3) -> dict[str, float]:
    """Throughput of cleanup on the ``text`` of a JSON-lines corpus, against a read-and-fold baseline.

    All passes run in this process on the same texts; each is timed as the best of
    ``repeats`` runs. Ratios are against the baseline, which only folds whitespace.
    """
    import pandas as pd

    texts = []
    for row in read_jsonl(corpus):
        if isinstance(row.get("text"), str):
            texts.append(row["text"])
            if len(texts) >= limit:
                break
    if not texts:
        raise DatasetError(f"corpus {corpus} has no rows with a 'text' field")
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    identify = make_language_identifier()
    frame = pd.DataFrame({"article_id": [f"{i:016x}" for i in range(len(texts))], "raw_text": texts})
    baseline = _timed(lambda: [" ".join(t.split()) for t in texts], repeats)
    text_only = _timed(lambda: [clean_article(t) for t in texts], repeats)
    stage = _timed(lambda: cleanup(frame, identify), repeats)
    return {
        "n": len(texts),
        "megabytes": round(megabytes, 3),
        "baseline_mb_per_s": round(megabytes / baseline, 2),
        "clean_article_mb_per_s": round(megabytes / text_only, 2),
        "cleanup_stage_mb_per_s": round(megabytes / stage, 2),
        "clean_article_vs_baseline": round(baseline / text_only, 4),
        "cleanup_stage_vs_baseline": round(baseline / stage, 4),
    }


def read_cases(path: Path) -> list[dict[str, Any]]:
    """A sentence dataset: a JSON list of ``{"text", "expected": [sentences]}``."""
    if not path.is_file():
        raise DatasetError(f"dataset {path} is not a file")
    try:
        cases = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(cases, list) or not all(
        isinstance(c, dict) and isinstance(c.get("text"), str) and isinstance(c.get("expected"), list)
        for c in cases
    ):
        raise DatasetError(f'{path}: expected a JSON list of {{"text": ..., "expected": [...]}} objects')
    return cases


def evaluate_sentences(dataset: Path, segmenter: Segmenter) -> dict[str, Any]:
    """Exact matches, boundary P/R/F1 and the failing cases, text fed as the pipeline would see it."""
    cases = read_cases(dataset)
    scored = []
    failures = []
    for case in cases:
        produced = split_text(case["text"], segmenter)
        result = sentence_case(produced, case["expected"])
        scored.append(result)
        if not result.exact:
            failures.append(
                {
                    "id": case.get("id", case.get("name")),
                    "text": case["text"],
                    "expected": case["expected"],
                    "produced": produced,
                }
            )
    return {**sentence_scores(scored), "failures": failures}


def _news_texts(corpus: Path, limit: int) -> list[str]:
    texts = []
    for row in read_jsonl(corpus):
        if isinstance(row.get("text"), str):
            texts.append(row["text"])
            if len(texts) >= limit:
                break
    if not texts:
        raise DatasetError(f"corpus {corpus} has no rows with a 'text' field")
    return texts


def benchmark_sentences(
    corpus: Path, segmenter: Segmenter, *, limit: int = 2000, repeats: int = 3
) -> dict[str, float]:
    """Characters per second of stancewire's splitter, pySBD and blingfire on the same paragraphs.

    The texts are the cleaned body paragraphs of the corpus articles (what the splitter gets
    in the pipeline); every splitter runs in this process, best of ``repeats`` runs (pySBD,
    about 30 times slower, once). Ratios are stancewire's speed over each other's.
    """
    import blingfire
    import pysbd

    paragraphs = [
        p["text"] for t in _news_texts(corpus, limit) for p in clean_article(t)[0] if p["kind"] == "body"
    ]
    chars = sum(len(p) for p in paragraphs)
    pysbd_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    ours = _timed(lambda: [segmenter(p) for p in paragraphs], repeats)
    bling = _timed(lambda: [blingfire.text_to_sentences_and_offsets(p) for p in paragraphs], repeats)
    sbd = _timed(lambda: [pysbd_segmenter.segment(p) for p in paragraphs], 1)
    return {
        "paragraphs": len(paragraphs),
        "chars": chars,
        "stancewire_chars_per_s": round(chars / ours),
        "blingfire_chars_per_s": round(chars / bling),
        "pysbd_chars_per_s": round(chars / sbd),
        "stancewire_vs_blingfire": round(bling / ours, 3),
        "stancewire_vs_pysbd": round(sbd / ours, 3),
    }
