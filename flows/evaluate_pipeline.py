"""``stancewire eval pipeline``: event-coded sentences through the real nightly flow, scored.

Each gold sentence becomes one article of a JSON-lines inbox in a temporary folder; the real
``nightly`` flow (ingest, cleanup, sentences, stances, validation, publish) writes a temporary
warehouse; its ``stances`` rows are read back by each article's line and scored by
``stages.pipeline_scoring``. Sentences that repeat one another are sent once and share rows.
``run_flow_on_lines`` (inbox, flow, a table read back by line) is shared with ``eval attribution``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pycountry

from flows.datasets import DatasetError, read_jsonl
from flows.resources import Resources
from stages.pipeline_scoring import EventCase, PredictedPair, pipeline_scores

# The run date the flow is given: the gold sentences carry no date.
EVAL_RUN_DATE = date(2026, 1, 1)
COUNTRIES = frozenset(c.alpha_3 for c in pycountry.countries)
STANCE_COLUMNS = ("source_actor", "target_actor", "stance")


def event_cases(dataset: Path) -> list[EventCase]:
    """The gold rows of a PLOVER-format file: ``sentence``, ``stance`` and the codes in ``extra``."""
    cases = []
    for number, row in enumerate(read_jsonl(dataset), start=1):
        extra = row.get("extra") or {}
        if not isinstance(row.get("sentence"), str) or row.get("stance") not in ("favor", "against"):
            raise DatasetError(f"{dataset}: row {number} needs a 'sentence' and a stance of favor or against")
        cases.append(
            EventCase(
                case_id=str(number),  # the line: gold ids need not be unique
                source_codes=frozenset(extra.get("source_codes") or ()),
                target_codes=frozenset(extra.get("target_codes") or ()),
                stance=row["stance"],
                sentence=row["sentence"],
            )
        )
    if not cases:
        raise DatasetError(f"dataset {dataset} has no rows")
    return cases


def run_flow_on_lines(
    objects: Sequence[Mapping[str, Any]],
    work: Path,
    table: str,
    columns: Sequence[str],
    tagger: str | None = None,
) -> list[list[dict[str, Any]] | None]:
    """Write each object as one line of a JSON-lines inbox under ``work``, run the real nightly
    flow into a warehouse beside it, and read ``table`` back: for each object, by position, the
    rows (``columns`` of them) of the article its line became, or None when the flow published
    no article for it (a reject). Equal objects are written once and share their rows."""
    from flows.nightly import nightly  # Prefect is imported only when a flow is run
    from flows.storage import Warehouse

    first: dict[str, int] = {}
    lines: list[int] = []  # position -> the inbox line that carries its object
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    with (inbox / "cases.jsonl").open("w", encoding="utf-8") as out:
        for obj in objects:
            line = json.dumps(obj, ensure_ascii=False)
            if line not in first:
                first[line] = len(first) + 1
                out.write(line + "\n")
            lines.append(first[line])
    warehouse = work / "warehouse"
    nightly(inbox=inbox, warehouse=warehouse, run_date=EVAL_RUN_DATE, workers=0, tagger=tagger)
    store = Warehouse(warehouse)
    articles = store.read_table("articles", EVAL_RUN_DATE, ["article_id", "source_line"])
    rows = store.read_table(table, EVAL_RUN_DATE, ["article_id", *columns])
    line_of = dict(zip(articles["article_id"], articles["source_line"].astype(int), strict=True))
    by_line: dict[int, list[dict[str, Any]]] = {line: [] for line in line_of.values()}
    for article_id, *values in rows[["article_id", *columns]].itertuples(index=False, name=None):
        by_line[line_of[article_id]].append(dict(zip(columns, values, strict=True)))
    return [by_line.get(line) for line in lines]


def _code(value: Any) -> str | None:
    """An actor id as read back: None for a null (no affiliation known), whatever pandas made of it."""
    return value if isinstance(value, str) else None


def evaluate_pipeline(dataset: Path, resources: Resources, tagger: str = "model") -> dict[str, Any]:
    """Recall and precision of the whole pipeline on event-coded sentences (see the module)."""
    cases = event_cases(dataset)
    with tempfile.TemporaryDirectory(prefix="stancewire-eval-") as folder:
        rows = run_flow_on_lines(
            [{"text": c.sentence} for c in cases], Path(folder), "stances", STANCE_COLUMNS, tagger
        )
    predicted = {
        case.case_id: [
            PredictedPair(_code(r["source_actor"]), _code(r["target_actor"]), r["stance"])
            for r in rows[i] or ()
        ]
        for i, case in enumerate(cases)
    }
    organisations = resources.tagger.gazetteer.actors_of_kind("organization") - COUNTRIES
    return pipeline_scores(cases, predicted, countries=COUNTRIES, organisations=organisations)
