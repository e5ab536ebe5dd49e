"""How the sentence model reads a pair (``stages.stance.encoding``): markers, masks, windows, batches."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from flows.settings import PROJECT_ROOT
from stages.stance.encoding import PairEncoder

TOKENIZER = PROJECT_ROOT / "data" / "models" / "stance_minilm" / "tokenizer.json"


@pytest.fixture(scope="module")
def encoder() -> PairEncoder:
    return PairEncoder(Tokenizer.from_file(str(TOKENIZER)))


def _read(encoder: PairEncoder, text: str, target: str, max_tokens: int | None = None) -> tuple[str, str]:
    """(the marked input as text, the tokens under the target mask)."""
    if max_tokens is not None:
        encoder = PairEncoder(Tokenizer.from_file(str(TOKENIZER)), max_tokens)
    start = text.index(target)
    (enc,) = encoder.encode([(text, (start, start + len(target)))])
    tokens = [encoder.tokenizer.id_to_token(i) for i in enc.ids]
    masked = [t for t, m in zip(tokens, enc.target_mask, strict=True) if m]
    return " ".join(tokens), " ".join(masked)


CASES = [
    (
        "Putin praised Xi.",
        "Xi",
        "[CLS] putin praised [unused0] xi [unused1] . [SEP]",
        "[unused0] xi [unused1]",
        "the markers close round the target's tokens; the mask covers them and the target",
    ),
    (
        "Merkel met Macron.",
        "Merkel",
        "[CLS] [unused0] mer ##kel [unused1] met macro ##n . [SEP]",
        "[unused0] mer ##kel [unused1]",
        "a target at the start of the sentence, in word pieces",
    ),
    (
        "The Kremlin's envoy left.",
        "Kremlin",
        "[CLS] the [unused0] k ##rem ##lin [unused1] ' s envoy left . [SEP]",
        "[unused0] k ##rem ##lin [unused1]",
        "near-miss: the possessive stays outside the target",
    ),
    (
        "Sanders' plan failed.",
        "Sanders",
        "[CLS] [unused0] sanders [unused1] ' plan failed . [SEP]",
        "[unused0] sanders [unused1]",
        "a trailing apostrophe is its own token",
    ),
    (
        "McConnell spoke.",
        "Connell",
        "[CLS] [unused0] mcconnell [unused1] spoke . [SEP]",
        "[unused0] mcconnell [unused1]",
        "a span inside a word marks the whole word piece it touches",
    ),
]


@pytest.mark.parametrize(("text", "target", "marked", "masked", "reason"), CASES, ids=[c[4] for c in CASES])
def test_marked_input(
    encoder: PairEncoder, text: str, target: str, marked: str, masked: str, reason: str
) -> None:
    assert _read(encoder, text, target) == (marked, masked), reason


def test_a_long_sentence_keeps_a_window_round_the_target(encoder: PairEncoder) -> None:
    words = [f"w{i}" for i in range(60)]
    text = " ".join([*words, "Obama", *words])
    marked, masked = _read(encoder, text, "Obama", max_tokens=32)
    tokens = marked.split()
    assert len(tokens) == 32
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert masked == "[unused0] obama [unused1]"
    centre = tokens.index("obama")
    assert abs(centre - 16) <= 2, "the target sits in the middle of the window"


def test_empty_input(encoder: PairEncoder) -> None:
    assert encoder.encode([]) == []


def test_batches_are_bucketed_by_length_and_padded_to_their_longest(encoder: PairEncoder) -> None:
    texts = ["A long sentence about Putin and many other things in it.", "Putin spoke.", "Putin left today."]
    encoded = encoder.encode([(t, (t.index("Putin"), t.index("Putin") + 5)) for t in texts])
    batches = list(encoder.batches(encoded, 2))
    assert [list(index) for index, _ in batches] == [[1, 2], [0]], "shortest first"
    first = batches[0][1]
    assert first["input_ids"].shape == (2, len(encoded[2].ids))
    assert first["attention_mask"].sum(axis=1).tolist() == [len(encoded[1].ids), len(encoded[2].ids)]
    assert first["input_ids"][0, -1] == encoder.pad, "the shorter pair is padded"
    assert all(a.dtype == np.int64 for a in first.values())
