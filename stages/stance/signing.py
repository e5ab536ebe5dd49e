"""The sentence model's part in the stance stage: reading the sign of the stances the rules leave open.

The rules (``stages.stance.tagger``) say who holds a stance toward whom and which words
show it; a sentence model (``stages.stance.minilm``: anything with
``predict([(sentence, target span)]) -> [(label, score)]``) reads the whole sentence with
the target marked and says which way it leans toward the target. ``sign_rows`` runs it
once, in length-bucketed batches, on every row of a chunk:

- a row the rules left neutral (a source and a target linked by a verb that carries no sign,
  "X said of Y", "X met Y") takes the model's label and score;
- a row the rules signed keeps its sign: the verb that links the two ("warned", "rejected",
  "welcomed") is the holder's own act, while the model reads the sentence's attitude toward
  the target, which is not always the holder's ("Argentina apologized to Brazil for one of
  its gunboats intercepting a Brazilian ship" reads against Brazil). It takes the model's
  score when the model reads the same sign;
- the rules' cue words stay in ``cue`` as the evidence.

``holderless_targets`` gives each actor a sentence names, in a sentence where the rules find
no holder, a row without a source ("Russia's brutal war" is the sentence's own attitude).
Only those the model reads as favor or against are kept: a neutral mention is no stance,
and ``mentions`` already lists it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from stages.stance.actors import Mention
from stages.stance.rows import StanceRow
from stages.stance.sentence import find_quotes, in_spans


def holderless_targets(index: int, text: str, hits: Sequence[Mention]) -> list[StanceRow]:
    """One source-less row per actor (or, without an actor id, per name) of ``hits``, at its
    first mention, to be signed by ``sign_rows``; pronouns name no target."""
    quotes = find_quotes(text)
    rows: dict[str, StanceRow] = {}
    for m in sorted(hits, key=lambda m: m.start):
        key = m.actor or m.name
        if m.kind == "pronoun" or not key or key in rows:
            continue
        rows[key] = StanceRow(
            sentence_index=index,
            speaker=None,
            source_actor=None,
            target_actor=m.actor or None,
            stance="neutral",
            score=0.0,
            cue="",
            is_quote=in_spans(quotes, m.start),
            source_name=None,  # no holder: the column is null
            target_name=m.name,
            target_start=m.start,
            target_end=m.end,
        )
    return list(rows.values())


def sign_rows(texts: Sequence[str], rows: Sequence[StanceRow], model: Any) -> list[StanceRow]:
    """``rows`` (row i in sentence ``texts[i]``) signed by the model where the rules left them
    neutral; a row the rules signed keeps its sign, and takes the model's score when the model
    reads the same sign. Rows without a target span are not read."""
    if len(texts) != len(rows):
        raise ValueError("sign_rows: one sentence per row")
    todo = [i for i, row in enumerate(rows) if 0 <= row.target_start < row.target_end]
    readings = model.predict([(texts[i], (rows[i].target_start, rows[i].target_end)) for i in todo])
    signed = list(rows)
    for i, (label, score) in zip(todo, readings, strict=True):
        row = rows[i]
        if row.stance == "neutral":
            signed[i] = dataclasses.replace(row, stance=str(label), score=round(float(score), 4))
        elif row.stance == label:
            signed[i] = dataclasses.replace(row, score=round(float(score), 4))
    return signed
