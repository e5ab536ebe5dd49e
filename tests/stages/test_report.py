"""The report page's pure parts: cue highlighting, top pairs, charts, and pages with no data."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from stages.report import (
    SAMPLE_CHARS,
    SPEAKER_COLUMNS,
    ReportInputs,
    highlight,
    matrix_spec,
    render_report,
    timeline_spec,
    top_pairs,
    top_speakers,
)

HIGHLIGHT_CASES = [
    # (sentence, cue, expected HTML, why)
    ("Blinken warned Russia.", "warned", "Blinken <mark>warned</mark> Russia.", "one cue word"),
    (
        "He accused NATO of a threat.",
        "accused; threat",
        "He <mark>accused</mark> NATO of a <mark>threat</mark>.",
        "several cues, '; '-separated",
    ),
    (
        "Kerry did not criticize Lavrov.",
        "not criticize",
        "Kerry did not <mark>criticize</mark> Lavrov.",
        "negated cue",
    ),
    ("The threatening tone.", "threat", "The threatening tone.", "near-miss: whole words only"),
    ('A <b> & "threat".', "threat", "A &lt;b&gt; &amp; &quot;<mark>threat</mark>&quot;.", "HTML is escaped"),
    ("Nothing here.", None, "Nothing here.", "no cue"),
    ("", "threat", "", "empty sentence"),
]


@pytest.mark.parametrize(
    ("sentence", "cue", "expected", "why"), HIGHLIGHT_CASES, ids=[c[-1] for c in HIGHLIGHT_CASES]
)
def test_highlight(sentence: str, cue: str | None, expected: str, why: str) -> None:
    assert highlight(sentence, cue) == expected, why


def dyads() -> pd.DataFrame:
    rows = [
        ("USA", "RUS", date(2026, 11, 28), 0, 3, 3),
        ("USA", "RUS", date(2026, 11, 29), 1, 1, 2),
        ("RUS", "NATO", date(2026, 11, 29), 0, 4, 4),
        ("UKR", "RUS", date(2026, 11, 29), 0, 1, 1),
    ]
    frame = pd.DataFrame(
        rows, columns=["source_actor", "target_actor", "day", "n_favor", "n_against", "n_total"]
    )
    return frame.assign(net_score=(frame["n_favor"] - frame["n_against"]) / frame["n_total"])


def test_top_pairs_by_stance_count_then_name() -> None:
    assert top_pairs(dyads(), 2) == ["USA → RUS", "RUS → NATO"]
    assert top_pairs(dyads().head(0)) == []


def test_chart_specs_hold_the_data() -> None:
    timeline = timeline_spec(dyads(), ["USA → RUS"])
    (values,) = timeline["datasets"].values()
    assert {v["pair"] for v in values} == {"USA → RUS"} and len(values) == 2
    matrix = matrix_spec(dyads())
    (cells,) = matrix["datasets"].values()
    usa_rus = next(c for c in cells if c["source_actor"] == "USA" and c["target_actor"] == "RUS")
    assert usa_rus["n_total"] == 5 and usa_rus["net_score"] == pytest.approx(-0.6)


def inputs(with_data: bool) -> ReportInputs:
    strongest = pd.DataFrame(
        [("Blinken", "USA", "RUS", "against", -0.9, "warned", "Blinken warned Russia.")] if with_data else [],
        columns=["speaker", "source_actor", "target_actor", "stance", "score", "cue", "text"],
    )
    return ReportInputs(
        run={"run_id": "r1", "run_date": date(2026, 11, 29), "mode": "nightly", "n_files": 1},
        night_runs=pd.DataFrame([{"run_id": "r1", "mode": "nightly"}]),
        files=pd.DataFrame(columns=["source_path", "size_bytes", "n_articles", "n_rejects"]),
        rejects=pd.DataFrame(
            [("x.bin", None, "binary", "not text")] if with_data else [],
            columns=["source_path", "source_line", "reason", "detail"],
        ),
        quality=pd.DataFrame(
            [("r1", "stances", 1, 16, 1, False, "expect_x")] if with_data else [],
            columns=[
                "run_id",
                "table_name",
                "n_rows",
                "expectations_evaluated",
                "expectations_failed",
                "success",
                "failed_expectations",
            ],
        ),
        dyads=dyads() if with_data else dyads().head(0),
        strongest=strongest,
    )


def test_page_with_data_has_charts_marks_and_a_failed_verdict() -> None:
    page = render_report(inputs(True), "/* vega */")
    assert page.count('class="chart"') == 2 and 'vegaEmbed("#timeline"' in page
    assert "Blinken <mark>warned</mark> Russia." in page
    assert "a suite failed" in page and "FAILED" in page and "<b>binary</b>: 1" in page


def test_page_without_data_says_so_and_draws_no_chart() -> None:
    page = render_report(inputs(False), "/* vega */")
    assert 'class="chart"' not in page and "no stances up to this run date" in page
    assert "nothing rejected" in page and "every validated table passed" in page


def test_script_content_cannot_close_the_script_element() -> None:
    page = render_report(inputs(True), "var s = '</script><b>';")
    assert "</script><b>" not in page


def speakers(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SPEAKER_COLUMNS)


TOP_SPEAKER_CASES = [
    # (speaker rows, n, expected (name, statements), why)
    (
        speakers(("Sergei Lavrov", "RUS", "GOV", 2, "q"), ("Antony Blinken", "USA", "GOV", 5, "q")),
        10,
        [("Antony Blinken", 5), ("Sergei Lavrov", 2)],
        "most statements first",
    ),
    (
        speakers(
            ("Zelensky", "UKR", None, 3, "q"),
            ("Biden", "USA", "GOV", 3, "q"),
            ("Peskov", "RUS", None, 1, "q"),
        ),
        2,
        [("Biden", 3), ("Zelensky", 3)],
        "ties by name, and only the top n",
    ),
    (
        speakers((None, None, None, 9, "q"), ("Biden", "USA", None, 1, None)),
        10,
        [("Biden", 1)],
        "no name: left out",
    ),
    (speakers(), 10, [], "empty input"),
]


@pytest.mark.parametrize(
    ("rows", "n", "expected", "why"), TOP_SPEAKER_CASES, ids=[c[-1] for c in TOP_SPEAKER_CASES]
)
def test_top_speakers(rows: pd.DataFrame, n: int, expected: list[tuple[str, int]], why: str) -> None:
    assert [(s["speaker_name"], s["n_statements"]) for s in top_speakers(rows, n)] == expected, why


def test_a_long_sample_is_cut_and_the_page_lists_the_speakers() -> None:
    long = "word " * 100
    (top,) = top_speakers(speakers(("Antony Blinken", "USA", "GOV", 4, long)))
    assert len(top["sample"]) <= SAMPLE_CHARS and top["sample"].endswith("…")
    (plain,) = top_speakers(speakers(("Jane Roe", None, None, 1, None)))
    assert plain["sample"] == "" and plain["speaker_actor"] is None, "no quote, no actor: blanks"
    page = render_report(
        dataclasses.replace(
            inputs(True), speakers=speakers(("Antony Blinken", "USA", "GOV", 4, "<b>Russia</b> must stop"))
        ),
        "/* vega */",
    )
    assert '<td>Antony Blinken</td><td>USA</td><td>GOV</td>\n<td class="num">4</td>' in page
    assert "&lt;b&gt;Russia&lt;/b&gt; must stop" in page, "the quote is escaped"
    assert "no reported statement on this run date" in render_report(inputs(False), "/* vega */")
