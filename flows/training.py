"""``stancewire train stance``: fit the target-sentiment model on NewsMTSC-format rows and save it.

Reproducible: the data are read in file order, the solver is deterministic, and the
saved arrays are what ``flows.resources`` loads. Only train on data whose licence allows
shipping the result (NewsMTSC is MIT; DSE is not: measure with it, never train on it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from flows.datasets import DatasetError, read_jsonl, target_span
from flows.resources import STANCE_MODEL_NAME, make_vader
from stages.schemas import STANCE_LABELS
from stages.stance.sentiment import new_model, to_arrays


def train_stance(train: Path, out_dir: Path, *, c: float = 1.0) -> dict[str, Any]:
    """Fit on ``train`` (rows with sentence, target, stance) and write ``<out_dir>/stance_newsmtsc.{json,npz}``."""
    pairs, labels = [], []
    for row in read_jsonl(train):
        span = target_span(row)
        if span is not None and row.get("stance") in STANCE_LABELS:
            pairs.append((row["sentence"], span))
            labels.append(row["stance"])
    if len(set(labels)) < len(STANCE_LABELS):
        raise DatasetError(f"{train}: training needs rows of all three stances")
    model = new_model(make_vader(), c=c)
    model.classifier.fit(model.features(pairs, fit=True), labels)
    meta, arrays = to_arrays(model)
    meta.update({"trained_on": train.name, "rows": len(pairs), "c": c})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{STANCE_MODEL_NAME}.json").write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
    np.savez_compressed(
        out_dir / f"{STANCE_MODEL_NAME}.npz",
        whole_idf=arrays["whole_idf"],
        window_idf=arrays["window_idf"],
        chars_idf=arrays["chars_idf"],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
    )
    return {
        "rows": len(pairs),
        "features": int(arrays["coef"].shape[1]),
        "out": str(out_dir / STANCE_MODEL_NAME),
    }
