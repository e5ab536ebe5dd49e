"""``stancewire eval attribution``: PolNeAR-format articles through the real nightly flow, scored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from flows.datasets import DatasetError
from flows.evaluate_attribution import gold_articles

# Written for this test (not taken from PolNeAR): one direct quote with its speaker, an
# indirect statement, and a paragraph with no attribution.
TEXT = (
    "Senator Jane Holloway said the tax plan would hurt farmers.\n\n"
    '"We will not back down," Holloway told reporters on Tuesday.\n\n'
    "The vote is expected next week."
)


def span(text: str, part: str, after: int = 0) -> dict[str, Any]:
    start = text.index(part, after)
    return {"start": start, "end": start + len(part), "text": part}


def article(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "test-1",
        "outlet": "testwire",
        "date": "2026-01-01",
        "text": TEXT,
        "attributions": [
            {
                "source": span(TEXT, "Senator Jane Holloway"),
                "cue": span(TEXT, "said"),
                "content": span(TEXT, "the tax plan would hurt farmers"),
            },
            {
                "source": span(TEXT, "Holloway", 30),
                "cue": span(TEXT, "told"),
                "content": span(TEXT, '"We will not back down,"'),
            },
        ],
    }
    return {**row, **changes}


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_attribution_finds_the_cues_and_speakers_of_a_plain_article(
    prefect_harness: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same article twice: written once, the copy shares its rows (nothing is rejected).
    dataset = write(tmp_path / "gold.jsonl", [article(), article(id="test-2")])
    assert main(["eval", "attribution", "--dataset", str(dataset), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"cue_p", "cue_r", "cue_f1", "source_p", "source_r", "source_f1", "content_f1"} <= scores.keys()
    assert (scores["articles"], scores["articles_rejected"], scores["gold"]) == (2, 0, 4)
    # Two plain reporting verbs with named speakers: both found, their speakers too.
    assert scores["cue_r"] == 1.0
    assert scores["source_r"] == 1.0
    assert scores["content_r"] >= 0.5


def test_the_gold_spans_are_read_with_their_segments(tmp_path: Path) -> None:
    two_parts = {
        "start": 0,
        "end": 13,
        "segments": [[0, 7], [13, 20]],
        "text": TEXT[0:7] + " " + TEXT[13:20],
    }
    rows = [article(attributions=[{"source": None, "cue": span(TEXT, "said"), "content": two_parts}])]
    (read,) = gold_articles(write(tmp_path / "gold.jsonl", rows))
    assert read.line == {"text": TEXT, "published_at": "2026-01-01", "outlet": "testwire"}
    (attribution,) = read.gold
    assert attribution.source is None
    assert attribution.content is not None and attribution.content.segments == ((0, 7), (13, 20))


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ([], "no rows"),
        ([{"attributions": []}], "no text"),
        ([{"text": "It rained.", "attributions": None}], "no attributions list"),
        ([article(attributions=["said"])], "an attribution that is not an object"),
        ([article(attributions=[{"cue": {"start": 5, "end": 500, "text": "x"}}])], "a span past the text"),
        (
            [article(attributions=[{"cue": {"start": 4, "end": 2, "text": ""}}])],
            "a span that ends before it starts",
        ),
        (
            [article(attributions=[{"cue": {"start": "0", "end": 4, "text": "Sena"}}])],
            "an offset that is a string",
        ),
        (
            [article(attributions=[{"cue": {"start": 1, "end": 5, "text": "Sena"}}])],
            "text that is not at the offsets (off by one)",
        ),
    ],
)
def test_a_bad_dataset_is_refused(rows: list[dict[str, Any]], why: str, tmp_path: Path) -> None:
    with pytest.raises(DatasetError):
        gold_articles(write(tmp_path / "gold.jsonl", rows))


def test_eval_attribution_reports_a_bad_dataset_as_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = write(tmp_path / "gold.jsonl", [{"attributions": []}])
    assert main(["eval", "attribution", "--dataset", str(dataset)]) != 0
    assert "needs a non-empty 'text'" in capsys.readouterr().err
