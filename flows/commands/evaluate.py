"""``stancewire eval``, ``bench`` and ``train``: score a stage on gold data, time it, train a model."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from flows.commands import UserError
from flows.settings import load_settings


def cmd_eval(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.evaluation import evaluate_cleanup, evaluate_sentences, evaluate_stance
    from flows.resources import load_resources, load_splitter, load_tagger

    settings = load_settings()
    try:
        if args.stage == "cleanup":
            scores: dict[str, Any] = evaluate_cleanup(args.dataset, html=args.html)
        elif args.stage == "sentences":
            scores = evaluate_sentences(args.dataset, load_splitter(settings.reference_dir))
        elif args.stage == "pipeline":
            from flows.evaluate_pipeline import evaluate_pipeline

            scores = evaluate_pipeline(
                args.dataset,
                load_resources(settings.reference_dir, settings.models_dir),
                args.tagger or settings.tagger,
            )
        elif args.stage == "attribution":
            from flows.evaluate_attribution import evaluate_attribution

            scores = evaluate_attribution(args.dataset)
        else:
            kind = args.tagger or settings.tagger
            scores = evaluate_stance(
                args.dataset, load_tagger(settings.reference_dir, settings.models_dir, kind)
            )
            scores["tagger"] = kind
    except DatasetError as err:
        raise UserError(str(err)) from None
    print_scores(scores, args.json)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.evaluation import benchmark_cleanup, benchmark_sentences, benchmark_stance
    from flows.resources import load_splitter, load_tagger

    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    settings = load_settings()
    try:
        if args.stage == "cleanup":
            figures = benchmark_cleanup(args.corpus, limit=args.limit)
        elif args.stage == "sentences":
            figures = benchmark_sentences(
                args.corpus, load_splitter(settings.reference_dir), limit=args.limit
            )
        else:
            from flows.resources import load_sentence_model
            from stages.stance.minilm import MINILM_DIR_NAME

            figures = benchmark_stance(
                args.corpus,
                load_splitter(settings.reference_dir),
                load_tagger(settings.reference_dir),
                load_sentence_model(settings.models_dir / MINILM_DIR_NAME, os.cpu_count() or 1),
                limit=args.limit,
            )
    except DatasetError as err:
        raise UserError(str(err)) from None
    print_scores(figures, args.json)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.training import train_stance

    out = args.out or load_settings().models_dir
    try:
        if args.model == "minilm":
            from flows.train_minilm import TrainSettings, train_minilm
            from stages.stance.minilm import MINILM_DIR_NAME

            settings = TrainSettings(seed=args.seed, epochs=args.epochs)
            card = train_minilm(args.train, args.dev, out / MINILM_DIR_NAME, settings, log=_progress)
            figures = {"out": str(out / MINILM_DIR_NAME), "training_seconds": card["training_seconds"]}
            figures |= {f"{name}_{k}": v for name, d in card["dev_macro_f1"].items() for k, v in d.items()}
        else:
            figures = train_stance(args.train, out, c=args.c)
    except DatasetError as err:
        raise UserError(str(err)) from None
    print_scores(figures, False)
    return 0


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def print_scores(scores: dict[str, Any], as_json: bool) -> None:
    """Scores one per line (a per-class table indented under its key), or one JSON object."""
    if as_json:
        print(json.dumps(scores, ensure_ascii=False))
        return
    for key, value in scores.items():
        if key == "failures":
            value = len(value)
        if key == "per_class":
            for label, row in value.items():
                cells = "  ".join(
                    f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
                )
                print(f"  {label:<26} {cells}")
            continue
        print(f"{key:<28} {value:.4f}" if isinstance(value, float) else f"{key:<28} {value}")
