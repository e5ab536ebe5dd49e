"""`stancewire eval cleanup` and `stancewire bench cleanup` on tiny datasets of each format."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main

STORY = "Officials said on Tuesday that the new bridge would open to traffic next spring after a long delay."


def write_jsonl(path: Path, *rows: Mapping[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(argv) == 0
    scores: dict[str, Any] = json.loads(capsys.readouterr().out)
    return scores


def test_paragraph_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(
        tmp_path / "seedstyle.jsonl",
        {
            "id": "a",
            "raw": f"{STORY}\n Related article: Junk\n\nSecond.",
            "gold_paragraphs": [STORY, "Second."],
            "noise_lines": ["Related article: Junk"],
        },
        {
            "id": "b",
            "raw": "Kept.\n\nhttps://leak.example/x y",
            "gold_paragraphs": ["Kept."],
            "noise_lines": [],
        },
    )
    scores = run_json(["eval", "cleanup", "--dataset", str(data), "--json"], capsys)
    assert set(scores) == {"n", "paragraph_precision", "paragraph_recall", "paragraph_f1", "leaked_noise"}
    assert scores["n"] == 2 and scores["leaked_noise"] == 0
    assert scores["paragraph_recall"] == 1.0 and scores["paragraph_precision"] == pytest.approx(3 / 4)


def test_page_format_from_text_dump_and_from_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = " ".join([STORY] * 3)
    other = "The council said the final cost of the bridge would be published in its annual report in March."
    html = f"<html><head><title>Bridge</title></head><body><nav>Home | World</nav><article><h1>Bridge</h1><p>{body}</p><p>{other}</p></article><footer>About us</footer></body></html>"
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(html.encode()))
    data = write_jsonl(
        tmp_path / "pages.jsonl",
        {
            "id": "p1",
            "gold_body": f"{body}\n\n{other}",
            "raw_html_text": f"Home\nWorld\n\n{body}\n\n{other}\n\nAbout us",
        },
    )
    dump = run_json(["eval", "cleanup", "--dataset", str(data), "--json"], capsys)
    assert set(dump) == {"n", "token_precision", "token_recall", "token_f1"}
    assert dump["token_recall"] == 1.0 and 0.9 < dump["token_precision"] < 1.0, "the menu words cost a little"
    from_html = run_json(["eval", "cleanup", "--dataset", str(data), "--html", "--json"], capsys)
    assert from_html["token_f1"] == 1.0


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        ([{"id": "x", "text": "no gold here"}], [], "rows need either"),
        ([{"id": "x", "raw": "a", "gold_paragraphs": ["a"]}], ["--html"], "--html needs a page dataset"),
        ([{"id": "x", "gold_body": "a", "raw_html_text": "a"}], ["--html"], "no page"),
        ([], [], "no rows"),
    ],
)
def test_unusable_datasets_are_one_line_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[dict[str, object]],
    extra: list[str],
    message: str,
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", *rows)
    assert main(["eval", "cleanup", "--dataset", str(data), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bench_reports_throughput_and_ratios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = write_jsonl(tmp_path / "c.jsonl", *({"text": f"{STORY}\n\n{STORY}"} for _ in range(20)))
    figures = run_json(["bench", "cleanup", "--corpus", str(corpus), "--limit", "10", "--json"], capsys)
    assert figures["n"] == 10
    for key in ("baseline_mb_per_s", "clean_article_mb_per_s", "cleanup_stage_mb_per_s"):
        assert figures[key] > 0
    assert figures["clean_article_vs_baseline"] == pytest.approx(
        figures["clean_article_mb_per_s"] / figures["baseline_mb_per_s"], rel=0.02
    )


DATA = Path(__file__).parents[1] / "data"


def test_eval_sentences_on_the_golden_rules_and_pragmatic_segmenter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    golden = run_json(
        ["eval", "sentences", "--dataset", str(DATA / "golden_rules_en.json"), "--json"], capsys
    )
    assert set(golden) == {"n", "exact", "boundary_precision", "boundary_recall", "boundary_f1", "failures"}
    assert golden["n"] == 48 and golden["exact"] >= 47, golden["failures"]
    other = run_json(
        ["eval", "sentences", "--dataset", str(DATA / "pragmatic_segmenter_en_other.json"), "--json"], capsys
    )
    assert (
        other["n"] == 129 and other["exact"] >= 100
    )  # 100 at the time of writing; see the README for the rest


def test_eval_sentences_reports_failures_with_what_was_produced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "cases.json"
    data.write_text(
        json.dumps([{"text": "One. Two.", "expected": ["One. Two."]}, {"text": "A b.", "expected": ["A b."]}])
    )
    scores = run_json(["eval", "sentences", "--dataset", str(data), "--json"], capsys)
    assert scores["exact"] == 1 and scores["boundary_precision"] == 0.0
    assert scores["failures"] == [
        {"id": None, "text": "One. Two.", "expected": ["One. Two."], "produced": ["One.", "Two."]}
    ]
    data.write_text('{"text": "not a list"}')
    assert main(["eval", "sentences", "--dataset", str(data)]) == 2
    assert "expected a JSON list" in capsys.readouterr().err


def test_bench_sentences_compares_with_pysbd_and_blingfire(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_jsonl(
        tmp_path / "c.jsonl", *({"text": f"{STORY} The U.S. said so.\n\n{STORY}"} for _ in range(5))
    )
    figures = run_json(["bench", "sentences", "--corpus", str(corpus), "--json"], capsys)
    assert figures["paragraphs"] == 10
    for key in ("stancewire_chars_per_s", "blingfire_chars_per_s", "pysbd_chars_per_s"):
        assert figures[key] > 0


def test_eval_stance_scores_newsmtsc_and_dse_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentence = "Jay Z praised Toig for his leadership."
    data = write_jsonl(
        tmp_path / "stance.jsonl",
        {
            "sentence": "The scandal is a threat to Smith.",
            "source": None,
            "target": "Smith",
            "stance": "against",
        },
        {
            "sentence": "Smith met voters in Ohio.",
            "source": None,
            "target": "Smith",
            "target_span": [0, 5],
            "stance": "neutral",
        },
        {
            "sentence": sentence,
            "source": "Jay Z",
            "target": "Toig",
            "stance": "favor",
            "extra": {
                "p": "Toig",
                "q": "Jay Z",
                "label5": 2,
                "marked_sentence": "[Jay Z] praised [Toig] for his leadership.",
            },
        },
        {"sentence": "Nobody said anything.", "source": "Ann", "target": "Bob", "stance": "neutral"},
    )
    scores = run_json(["eval", "stance", "--dataset", str(data), "--json"], capsys)
    assert scores["n"] == 4 and scores["accuracy"] == 1.0 and scores["macro_f1"] == 1.0
    assert set(scores["per_class"]) == {"favor", "against", "neutral"}
    assert scores["unlocated"] == 1, "names that are not in their sentence are counted, not fatal"
    assert scores["macro_f1_5"] == pytest.approx(1 / 5), "one DSE row, label 2 (q->p favor) predicted right"


def test_bench_stance_reports_sentences_and_pairs_per_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_jsonl(
        tmp_path / "c.jsonl",
        *(
            {"text": "Blinken warned Russia. Lavrov accused NATO. Brutal Russia shelled Kyiv."}
            for _ in range(5)
        ),
    )
    figures = run_json(["bench", "stance", "--corpus", str(corpus), "--json"], capsys)
    assert figures["sentences"] == 15 and figures["pairs"] >= 10, (
        "two rule rows and a holder-less sentence each"
    )
    assert figures["sentences_per_s_fast"] > 0 and figures["sentences_per_s_model"] > 0
    assert figures["model_pairs_per_s"] > 0 and figures["model_threads"] >= 1
