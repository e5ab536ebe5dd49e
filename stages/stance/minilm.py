"""The sentence stance model: fine-tuned MiniLM-L6 read through ONNX Runtime (int8).

It answers the same question as ``stages.stance.sentiment`` (a sentence's attitude toward
one target in it: favor / against / neutral) with the same interface, ``predict(pairs)``
-> ``[(label, score)]``, score = P(favor) - P(against) in -1..1. Unlike the bag-of-words
model it reads the sentence in order, with the target marked (``stages.stance.encoding``).

The ONNX session and the tokenizer are passed in (``flows.resources`` opens them from
``data/models/stance_minilm/``); nothing here imports torch. Pairs are run in
length-bucketed batches of ``batch_size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stages.stance.encoding import PairEncoder

# The classes in the order of the network's logits.
LABELS = ("against", "favor", "neutral")
MINILM_DIR_NAME = "stance_minilm"
BATCH_SIZE = 64


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


class SentenceStanceModel:
    """(label, score) of (sentence, target span) pairs from an ONNX session over marked token ids."""

    def __init__(self, session: Any, tokenizer: Any, batch_size: int = BATCH_SIZE) -> None:
        self.session = session
        self.encoder = PairEncoder(tokenizer)
        self.batch_size = batch_size
        self.inputs = [i.name for i in session.get_inputs()]
        self.threads = int(session.get_session_options().intra_op_num_threads)

    def probabilities(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> np.ndarray:
        """P(against, favor, neutral) of each pair, in order."""
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        encoded = self.encoder.encode(pairs)
        for index, arrays in self.encoder.batches(encoded, self.batch_size):
            (logits,) = self.session.run(["logits"], {k: arrays[k] for k in self.inputs})
            out[index] = _softmax(logits)
        return out

    def predict(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> list[tuple[str, float]]:
        """(label, score) per pair; score in -1..1 is P(favor) - P(against)."""
        if not pairs:
            return []
        p = self.probabilities(pairs)
        labels = [LABELS[i] for i in p.argmax(axis=1)]
        scores = p[:, LABELS.index("favor")] - p[:, LABELS.index("against")]
        return [(label, float(s)) for label, s in zip(labels, scores, strict=True)]
