"""``stancewire report``'s queries (flows/report.py): the night's top speakers from ``attributions``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flows.report import report_inputs
from flows.storage import Warehouse
from stages.schemas import frame

RUN = "20261129-000000-report00"
DAY = date(2026, 11, 29)


def statement(
    article: str, index: int, name: str | None, kind: str, content: str | None, **who: Any
) -> dict[str, Any]:
    return {
        "article_id": article * 16,
        "sentence_index": index,
        "kind": kind,
        "speaker": name,
        "speaker_name": name,
        "speaker_actor": who.get("actor"),
        "speaker_role": who.get("role"),
        "cue": "said",
        "cue_start": index * 100,
        "cue_end": index * 100 + 4,
        "content": content,
        "speaker_is_pronoun": False,
        "continued_quote": False,
    }


def warehouse(root: Path, statements: list[dict[str, Any]], day: date = DAY) -> Warehouse:
    store = Warehouse(root)
    store.begin(RUN)
    started = datetime(2026, 11, 29, 1, tzinfo=UTC)
    run = {
        "run_id": RUN,
        "started_at": started,
        "finished_at": started,
        "inbox": "inbox",
        "status": "succeeded",
        "mode": "nightly",
    }
    run |= {f"n_{k}": 0 for k in ("files", "skipped", "articles", "rejects", "sentences", "stances")}
    store.write_part(RUN, "runs", day, frame("runs", [run]), "all")
    store.write_part(RUN, "attributions", day, frame("attributions", statements), "p0")
    store.publish(RUN, day, ["runs", "attributions"])
    store.refresh_catalog()
    return store


def test_the_nights_speakers_by_statements_with_a_direct_quote_as_sample(tmp_path: Path) -> None:
    lavrov = {"actor": "RUS", "role": "GOV"}
    store = warehouse(
        tmp_path,
        [
            statement("a", 0, "Sergei Lavrov", "indirect", "the talks failed", **lavrov),
            statement("a", 1, "Sergei Lavrov", "direct", "We will answer", **lavrov),
            statement("b", 0, "Sergei Lavrov", "direct", "Later words", **lavrov),
            statement("a", 2, "Jane Roe", "according_to", None),  # no content, no actor: blanks
            statement("a", 3, None, "direct", "an unresolved speaker is not listed"),
        ],
    )
    got = report_inputs(store).speakers
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["Sergei Lavrov", "RUS", "GOV", 3, "We will answer"],
        ["Jane Roe", None, None, 1, None],
    ], "most statements first; the sample is the first direct quote"


def test_a_night_without_attributions_lists_no_speaker(tmp_path: Path) -> None:
    assert report_inputs(warehouse(tmp_path, [])).speakers.empty
