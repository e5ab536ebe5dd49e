"""``stancewire report``: query a run's tables through the DuckDB catalog and write its HTML page.

The page itself is made by ``stages.report.render_report``; this module picks the run,
runs the queries (read-only) and writes ``reports/run-<run_id>.html`` atomically. The
Vega/Vega-Lite/vega-embed JavaScript comes from vl-convert's bundle and is inlined, so
the page opens offline.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from flows.storage import Warehouse
from stages.report import SPEAKER_COLUMNS, TOP_SPEAKERS, ReportInputs, render_report

# The run date's speakers: statements per resolved name, actor and role, the most first, with a
# sample (the first direct quote, else the first statement, in article and sentence order).
SPEAKERS_SQL = f"""
select speaker_name, speaker_actor, speaker_role, count(*) as n_statements,
       arg_min(content, (kind <> 'direct', article_id, sentence_index, cue_start))
           filter (where content is not null) as sample
from attributions
where run_date = ? and speaker_name is not null
group by all
order by n_statements desc, speaker_name
limit {TOP_SPEAKERS}
"""


class NoRun(LookupError):
    """The warehouse has no run (on the date asked for)."""


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script that defines ``vegaEmbed`` (no network)."""
    import vl_convert

    return str(
        vl_convert.javascript_bundle(
            "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
        )
    )


def _frame(con: Any, sql: str, params: list[Any]) -> pd.DataFrame:
    return con.sql(sql, params=params).to_arrow_table().to_pandas()


def _has(con: Any, view: str) -> bool:
    rows = con.execute("select count(*) from duckdb_views() where view_name = ?", [view]).fetchall()
    return bool(rows[0][0])


def report_inputs(warehouse: Warehouse, run_date: date | None = None) -> ReportInputs:
    """The frames of the report on ``run_date``'s latest run (default: the latest run)."""
    with warehouse.connect() as con:
        if not _has(con, "runs"):
            raise NoRun(f"{warehouse.root} has no runs yet: run `stancewire run` first")
        where, params = ("where run_date = ?", [run_date]) if run_date else ("", [])
        runs = _frame(
            con, f"select * from runs {where} order by started_at desc, run_id desc limit 1", params
        )
        if runs.empty:
            raise NoRun(f"no run on {run_date} in {warehouse.root}")
        run = {str(k): v for k, v in runs.iloc[0].to_dict().items()}
        day = run["run_date"]
        night = [day]

        def table(view: str, sql: str, columns: list[str]) -> pd.DataFrame:
            return _frame(con, sql, night) if _has(con, view) else pd.DataFrame(columns=columns)

        return ReportInputs(
            run=run,
            night_runs=_frame(
                con, "select * from runs where run_date = ? order by started_at, run_id", night
            ),
            files=table(
                "files",
                "select source_path, size_bytes, n_articles, n_rejects from files where run_date = ? order by 1",
                ["source_path", "size_bytes", "n_articles", "n_rejects"],
            ),
            rejects=table(
                "rejects",
                "select source_path, source_line, reason, detail from rejects where run_date = ? order by 1, 2",
                ["source_path", "source_line", "reason", "detail"],
            ),
            quality=table(
                "dq_results",
                "select * from dq_results where run_date = ? order by run_id, table_name",
                [
                    "run_id",
                    "table_name",
                    "n_rows",
                    "expectations_evaluated",
                    "expectations_failed",
                    "success",
                ],
            ),
            dyads=table(
                "dyads",
                "select * from dyads where day <= ? order by day",
                ["source_actor", "target_actor", "day", "n_favor", "n_against", "n_total", "net_score"],
            ),
            strongest=table(
                "stances",
                "select s.speaker, s.source_actor, s.target_actor, s.stance, s.score, s.cue, t.text "
                "from stances s join sentences t using (article_id, sentence_index, run_date) "
                "where s.run_date = ? and s.stance <> 'neutral' order by abs(s.score) desc, s.article_id limit 50",
                ["speaker", "source_actor", "target_actor", "stance", "score", "cue", "text"],
            ),
            speakers=table("attributions", SPEAKERS_SQL, SPEAKER_COLUMNS),
        )


def write_report(warehouse: Warehouse, run_date: date | None = None, bundle: str | None = None) -> Path:
    """Write the page of ``run_date``'s latest run (default: the latest run); returns its path."""
    inputs = report_inputs(warehouse, run_date)
    page = render_report(inputs, bundle if bundle is not None else vega_bundle())
    return warehouse.write_report(f"run-{inputs.run['run_id']}.html", page)
