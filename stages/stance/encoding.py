"""How the sentence model reads a (sentence, target) pair: token ids with the target marked.

Shared by training (``flows/train_minilm.py``, torch) and the nightly run
(``stages/stance/minilm.py``, ONNX Runtime), so both see exactly the same input.

A pair becomes ``[CLS] … [TGT] target … [/TGT] … [SEP]``: the WordPiece tokens of the
whole sentence with two marker tokens around the tokens that overlap the target's
characters. The markers are BERT's reserved ``[unused0]`` and ``[unused1]`` (ids 1 and 2),
which no text produces, so the vocabulary and the embedding matrix keep their shape and
fine-tuning learns what the two mean. ``target_mask`` is 1 on the markers and the target's
tokens: the model pools over them beside the whole sentence. A sentence longer than
``MAX_TOKENS`` keeps a window of tokens centred on the target.

Batches are length-bucketed: pairs are sorted by length and cut into batches, each padded
only to its own longest pair, which is most of the speed on news (median ~35 tokens).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_TOKENS = 128
OPEN_MARK = "[unused0]"
CLOSE_MARK = "[unused1]"
CLS, SEP, PAD = "[CLS]", "[SEP]", "[PAD]"


@dataclass(frozen=True)
class Encoded:
    """One pair's model input: token ids and the positions of the marked target (a mask)."""

    ids: tuple[int, ...]
    target_mask: tuple[int, ...]


class PairEncoder:
    """Turns (sentence, target span) pairs into marked token ids with a ``tokenizers.Tokenizer``.

    The tokenizer is passed in (the nightly run reads it from the shipped model folder), and
    its own truncation and padding are switched off: the encoder marks, windows and pads.
    """

    def __init__(self, tokenizer: Any, max_tokens: int = MAX_TOKENS) -> None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        ids = [tokenizer.token_to_id(t) for t in (CLS, SEP, PAD, OPEN_MARK, CLOSE_MARK)]
        if any(i is None for i in ids):
            raise ValueError("the tokenizer lacks BERT's [CLS]/[SEP]/[PAD]/[unused0]/[unused1] tokens")
        self.cls, self.sep, self.pad, self.open, self.close = (int(i) for i in ids)

    def encode(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> list[Encoded]:
        """The marked ids of each (sentence, (start, end)) pair, in order."""
        if not pairs:
            return []
        batch = self.tokenizer.encode_batch([text for text, _ in pairs], add_special_tokens=False)
        return [self._mark(enc.ids, enc.offsets, span) for enc, (_, span) in zip(batch, pairs, strict=True)]

    def _mark(self, ids: Sequence[int], offsets: Sequence[tuple[int, int]], span: tuple[int, int]) -> Encoded:
        start, end = span
        inside = [i for i, (a, b) in enumerate(offsets) if a < end and b > start]
        if inside:
            first, last = inside[0], inside[-1] + 1
        else:  # a target between tokens (or outside the text): the markers meet where it would be
            first = last = next((i for i, (a, _) in enumerate(offsets) if a >= start), len(ids))
        tokens = [*ids[:first], self.open, *ids[first:last], self.close, *ids[last:]]
        mask = [0] * first + [1] * (last - first + 2) + [0] * (len(ids) - last)
        room = self.max_tokens - 2
        if len(tokens) > room:
            centre = (first + last + 2) // 2
            lo = max(0, min(centre - room // 2, len(tokens) - room))
            tokens, mask = tokens[lo : lo + room], mask[lo : lo + room]
        return Encoded((self.cls, *tokens, self.sep), (0, *mask, 0))

    def batches(
        self, encoded: Sequence[Encoded], batch_size: int
    ) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Length-bucketed batches: (positions in ``encoded``, {input_ids, attention_mask, target_mask})."""
        order = np.argsort([len(e.ids) for e in encoded], kind="stable")
        for lo in range(0, len(order), batch_size):
            index = order[lo : lo + batch_size]
            yield index, self.pad_batch([encoded[i] for i in index])

    def pad_batch(self, encoded: Sequence[Encoded]) -> dict[str, np.ndarray]:
        """int64 arrays padded to the batch's longest pair."""
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(encoded), width), self.pad, dtype=np.int64)
        attention = np.zeros((len(encoded), width), dtype=np.int64)
        target = np.zeros((len(encoded), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            n = len(e.ids)
            ids[row, :n] = e.ids
            attention[row, :n] = 1
            target[row, :n] = e.target_mask
        return {"input_ids": ids, "attention_mask": attention, "target_mask": target}
