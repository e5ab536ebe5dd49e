"""``stancewire eval pipeline``: gold sentences through the real nightly flow, scored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from flows.datasets import DatasetError
from flows.evaluate_pipeline import evaluate_pipeline, event_cases

# Written for this test (not taken from PLOVER): a conflict the tagger reads, the same
# sentence again (sent once, scored twice), and a sentence with no country pair.
ROWS = [
    {
        "id": "a",
        "sentence": "Russia condemned Ukraine for the attack on Tuesday.",
        "stance": "against",
        "extra": {"source_codes": ["RUS"], "target_codes": ["UKR"]},
    },
    {
        "id": "b",
        "sentence": "Russia condemned Ukraine for the attack on Tuesday.",
        "stance": "against",
        "extra": {"source_codes": ["RUS"], "target_codes": ["UKR"]},
    },
    {
        "id": "c",
        "sentence": "The weather in Paris was mild on Tuesday.",
        "stance": "favor",
        "extra": {"source_codes": ["FRA"], "target_codes": ["IGO"]},
    },
]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_flow_reads_each_sentence_and_a_repeat_shares_its_rows(
    prefect_harness: None, resources: Any, tmp_path: Path
) -> None:
    scores = evaluate_pipeline(write(tmp_path / "gold.jsonl", ROWS), resources)
    assert scores["sentences"] == 3
    assert scores["sentences_with_country_pair"] == 2
    # The copy is found with its original; the third sentence has no row to score.
    assert (scores["found"], scores["recall"]) == (2, 1.0)
    assert (scores["non_neutral_rows"], scores["precision"]) == (2, 1.0)


def test_eval_pipeline_prints_the_scores_as_json(
    prefect_harness: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = write(tmp_path / "gold.jsonl", ROWS[:1])
    assert main(["eval", "pipeline", "--dataset", str(dataset), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"recall", "precision"} <= printed.keys()


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ([], "no rows"),
        ([{"sentence": "x", "stance": "neutral", "extra": {}}], "a stance that is not an event's sign"),
        ([{"stance": "favor", "extra": {}}], "no sentence"),
    ],
)
def test_a_bad_dataset_is_refused(rows: list[dict[str, Any]], why: str, tmp_path: Path) -> None:
    with pytest.raises(DatasetError):
        event_cases(write(tmp_path / "gold.jsonl", rows))
