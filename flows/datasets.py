"""Reading the datasets that ``stancewire eval``, ``bench`` and ``train`` take: JSON lines, JSON
sentence cases and news corpora, with the one error a bad file raises (``DatasetError``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


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


def news_texts(corpus: Path, limit: int) -> list[str]:
    """The ``text`` of the first ``limit`` rows of a JSON-lines corpus that have one."""
    texts = []
    for row in read_jsonl(corpus):
        if isinstance(row.get("text"), str):
            texts.append(row["text"])
            if len(texts) >= limit:
                break
    if not texts:
        raise DatasetError(f"corpus {corpus} has no rows with a 'text' field")
    return texts


def name_span(sentence: str, name: str) -> tuple[int, int] | None:
    """The span of the first occurrence of ``name`` in ``sentence``, or None."""
    at = sentence.find(name)
    return (at, at + len(name)) if at >= 0 and name else None


def target_span(row: dict[str, Any]) -> tuple[int, int] | None:
    """The target's span in a NewsMTSC-style row: its target_span, extra.from/to, or its first occurrence."""
    extra = row.get("extra") or {}
    if "target_span" in row:
        return int(row["target_span"][0]), int(row["target_span"][1])
    if "from" in extra:
        return int(extra["from"]), int(extra["to"])
    return name_span(row["sentence"], row["target"])
