"""Evaluation and benchmark runners behind ``stancewire eval`` and ``stancewire bench``.

They read datasets (IO) and hand the text to the same stage functions the
pipeline uses; the scoring itself is in ``stages.scoring``; the
dataset readers are in ``flows.datasets``.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flows.datasets import DatasetError, name_span, news_texts, read_cases, read_jsonl, target_span
from flows.resources import load_language_model
from stages.cleanup import clean_article, cleanup, make_language_identifier
from stages.ingest import extract_html
from stages.schemas import STANCE_LABELS
from stages.scoring import (
    classification_scores,
    paragraph_counts,
    paragraph_scores,
    sentence_case,
    sentence_scores,
    shingle_counts,
    token_scores,
)
from stages.sentences import Segmenter
from stages.split_text import split_text
from stages.stance import StanceTagger


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

    texts = news_texts(corpus, limit)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    identify = make_language_identifier(load_language_model())
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
        p["text"] for t in news_texts(corpus, limit) for p in clean_article(t)[0] if p["kind"] == "body"
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


def _marked_spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The sentence without DSE's [brackets], and the spans the brackets marked, in order."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for char in marked:
        if char == "[":
            start = len(text)
        elif char == "]":
            spans.append((start, len(text)))
        else:
            text.append(char)
    return "".join(text), spans


def _pair(row: dict[str, Any]) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None, dict[str, Any]]:
    """(sentence, source span, target span, spans of DSE's p and q) of one evaluation row."""
    sentence = row["sentence"]
    extra = row.get("extra") or {}
    if "marked_sentence" in extra:
        text, marks = _marked_spans(extra["marked_sentence"])
        if text == sentence and len(marks) == 2:
            names = [sentence[a:b] for a, b in marks]
            by_name = dict(zip(names, marks, strict=True))
            p, q = by_name.get(extra.get("p")), by_name.get(extra.get("q"))
            source = by_name.get(row["source"]) if row.get("source") else None
            return sentence, source, by_name.get(row["target"]), {"p": p, "q": q}
    source = name_span(sentence, row["source"]) if row.get("source") else None
    return sentence, source, target_span(row), {}


def _direction(tagger: StanceTagger, sentence: str, p: tuple[int, int], q: tuple[int, int]) -> int:
    """DSE's 5 labels: 0 none, 1/3 p favors/opposes q, 2/4 q favors/opposes p.

    The rules know who holds a stance; the model's fallback only knows the target, so a
    reverse (q -> p) stance is taken from the rules alone, and it wins over a forward stance
    that only the model supplied; between two rule stances the stronger wins.
    """
    forward = tagger.stance_between(sentence, q, p)
    backward = tagger.stance_between(sentence, p, q, fallback=False)
    forward_label = 0 if forward[0] == "neutral" else (1 if forward[0] == "favor" else 3)
    backward_label = 0 if backward[0] == "neutral" else (2 if backward[0] == "favor" else 4)
    if not backward_label:
        return forward_label
    if not forward_label or forward[2] == "model" or abs(backward[1]) > abs(forward[1]):
        return backward_label
    return forward_label


def evaluate_stance(dataset: Path, tagger: StanceTagger) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class scores of the tagger on ``{"sentence","source","target","stance"}``
    rows; for DSE rows (``extra.label5``) also the 5-class macro-F1 that scores direction.

    Names are located by DSE's bracket marks, NewsMTSC's target span, or else their first
    occurrence; a row whose name is not in its sentence is predicted neutral and counted
    in ``unlocated``.
    """
    rows = list(read_jsonl(dataset))
    if not rows:
        raise DatasetError(f"dataset {dataset} has no rows")
    predicted: list[str] = []
    gold: list[str] = []
    predicted5: list[int] = []
    gold5: list[int] = []
    unlocated = 0
    for row in rows:
        sentence, source, target, pq = _pair(row)
        if target is None or (row.get("source") and source is None):
            unlocated += 1  # a name that is not in its sentence: nothing to tag, so neutral
            stance = "neutral"
        else:
            stance, _, _ = tagger.stance_between(sentence, target, source)
        predicted.append(stance)
        gold.append(row["stance"])
        label5 = (row.get("extra") or {}).get("label5")
        if label5 is not None and pq.get("p") and pq.get("q"):
            predicted5.append(_direction(tagger, sentence, pq["p"], pq["q"]))
            gold5.append(int(label5))
    scores = classification_scores(predicted, gold, STANCE_LABELS)
    scores["unlocated"] = unlocated
    if gold5:
        scores["macro_f1_5"] = classification_scores(predicted5, gold5, range(5))["macro_f1"]
    return scores


def benchmark_stance(
    corpus: Path,
    segmenter: Segmenter,
    tagger: StanceTagger,
    model: Any,
    *,
    limit: int = 1000,
    repeats: int = 3,
) -> dict[str, float]:
    """Speed of the stance stage on the cleaned, split sentences of a corpus' articles, in this
    process, best of ``repeats`` runs: sentences/s with ``--tagger fast`` (rules alone) and with
    ``--tagger model`` (rules, then ``model`` signing every row), and pairs/s of ``model`` alone on
    the (sentence, target) pairs that run gives it, in its length-bucketed batches."""
    import pandas as pd

    from stages.sentences import split_sentences
    from stages.stance import tag_sentences

    texts = news_texts(corpus, limit)
    frame = pd.DataFrame({"article_id": [f"{i:016x}" for i in range(len(texts))], "raw_text": texts})
    paragraphs, _ = cleanup(frame, lambda text: "en")
    sentences = split_sentences(paragraphs, segmenter)
    recorder = _Recorder(model)
    stances = tag_sentences(sentences, tagger, model=recorder)[0]
    pairs = recorder.pairs
    fast_s = _timed(lambda: tag_sentences(sentences, tagger), repeats)
    model_s = _timed(lambda: tag_sentences(sentences, tagger, model=model), repeats)
    pairs_s = _timed(lambda: model.predict(pairs), repeats)
    return {
        "articles": len(texts),
        "sentences": len(sentences),
        "stances": len(stances),
        "pairs": len(pairs),
        "sentences_per_s_fast": round(len(sentences) / fast_s),
        "sentences_per_s_model": round(len(sentences) / model_s),
        "model_pairs_per_s": round(len(pairs) / pairs_s, 1),
        "model_threads": getattr(model, "threads", None) or 0,
    }


class _Recorder:
    """A sentence model that remembers the pairs it is asked about."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.pairs: list[tuple[str, tuple[int, int]]] = []

    def predict(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> list[tuple[str, float]]:
        self.pairs += pairs
        return list(self.model.predict(pairs))
