"""The run report: one self-contained HTML page from a run's tables (frames in, HTML out).

What came in and what was rejected, each table's rows and validation result, the
stance picture: net stance over time for the most reported actor pairs, an actor-by-actor
matrix of net stance, and the sentences behind the strongest stances with their cue words
highlighted; and the night's top speakers by reported statements. Charts are Vega-Lite specs made with Altair and drawn by vega-embed, whose
JavaScript the caller passes in (``vega_bundle``) so the page needs no network.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import jinja2
import pandas as pd

# Actor pairs drawn in the stance-over-time chart, and actors in the matrix (by stance count).
TOP_PAIRS = 6
TOP_ACTORS = 12
STRONGEST = 15
# Speakers listed, by their reported statements (attributions rows) of the night; a sample
# quote is cut to this many characters.
TOP_SPEAKERS = 10
SAMPLE_CHARS = 200
SPEAKER_COLUMNS = ["speaker_name", "speaker_actor", "speaker_role", "n_statements", "sample"]


def _no_speakers() -> pd.DataFrame:
    return pd.DataFrame(columns=SPEAKER_COLUMNS)


@dataclass(frozen=True)
class ReportInputs:
    """The frames a report is made of (see ``flows.report`` for the queries behind them)."""

    run: dict[str, Any]  # the run's ``runs`` row
    night_runs: pd.DataFrame  # every run of the run date: run_id, mode, started_at, n_files, n_skipped, ...
    files: pd.DataFrame  # files read on the run date: source_path, size_bytes, n_articles, n_rejects
    rejects: pd.DataFrame  # rejects of the run date: source_path, source_line, reason, detail
    quality: pd.DataFrame  # dq_results of the run date: run_id, table_name, n_rows, ..., success
    dyads: pd.DataFrame  # the ``dyads`` view up to the run date: source_actor, target_actor, day, ...
    strongest: (
        pd.DataFrame
    )  # stances of the run date: speaker, source_actor, target_actor, stance, score, cue, text
    # the run date's speakers (attributions by speaker_name, actor and role): SPEAKER_COLUMNS
    speakers: pd.DataFrame = field(default_factory=_no_speakers)


def highlight(sentence: str, cue: str | None) -> str:
    """The sentence as HTML with every cue word or phrase (``cue`` is "; "-separated) in ``<mark>``.

    Case-insensitive and whole-word; a negated cue ("not criticize") marks its verb.
    """
    terms = sorted(
        {t.strip().removeprefix("not ").strip() for t in (cue or "").split(";")} - {""}, key=len, reverse=True
    )
    if not terms:
        return html.escape(sentence)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\b", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(sentence):
        out.append(html.escape(sentence[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(sentence[last:]))
    return "".join(out)


def top_speakers(speakers: pd.DataFrame, n: int = TOP_SPEAKERS) -> list[dict[str, Any]]:
    """The ``n`` speakers with the most statements, most first (ties by name), each with a sample
    quote cut to ``SAMPLE_CHARS``; a speaker without a name (an unresolved pronoun) is left out.
    ``speakers`` has ``SPEAKER_COLUMNS``, one row per speaker (``flows.report`` counts them)."""
    named = speakers[speakers["speaker_name"].notna()]
    order = named.sort_values(["n_statements", "speaker_name"], ascending=[False, True], kind="stable")
    rows: list[dict[str, Any]] = []
    for row in order.head(n).astype(object).where(order.head(n).notna(), None).to_dict("records"):
        sample = str(row["sample"] or "")
        cut = sample if len(sample) <= SAMPLE_CHARS else sample[: SAMPLE_CHARS - 1].rstrip() + "…"
        rows.append(
            {**{str(k): v for k, v in row.items()}, "n_statements": int(row["n_statements"]), "sample": cut}
        )
    return rows


def top_pairs(dyads: pd.DataFrame, n: int = TOP_PAIRS) -> list[str]:
    """The ``n`` "SOURCE → TARGET" pairs with the most stances, most first (ties by name)."""
    if dyads.empty:
        return []
    totals = (
        dyads.assign(pair=dyads["source_actor"] + " → " + dyads["target_actor"])
        .groupby("pair")["n_total"]
        .sum()
    )
    return sorted(totals.index, key=lambda pair: (-totals[pair], pair))[:n]


def timeline_spec(dyads: pd.DataFrame, pairs: list[str]) -> dict[str, Any]:
    """Net stance per day of the top pairs (points sized by the day's stance count)."""
    data = dyads.assign(pair=dyads["source_actor"] + " → " + dyads["target_actor"])
    data = data[data["pair"].isin(pairs)][["pair", "day", "net_score", "n_total", "n_favor", "n_against"]]
    data = data.assign(day=pd.to_datetime(data["day"]).dt.strftime("%Y-%m-%d"))
    base = alt.Chart(data).encode(
        x=alt.X("day:T", title="day"),
        y=alt.Y("net_score:Q", title="net stance (favor − against) / total", scale=alt.Scale(domain=[-1, 1])),
        color=alt.Color("pair:N", title="source → target", sort=pairs),
    )
    chart = base.mark_line(opacity=0.6) + base.mark_circle().encode(
        size=alt.Size("n_total:Q", title="stances"),
        tooltip=["pair", "day", "n_total", "n_favor", "n_against", "net_score"],
    )
    return chart.properties(width=720, height=300, title="Stance over time, most reported pairs").to_dict()


def matrix_spec(dyads: pd.DataFrame, n: int = TOP_ACTORS) -> dict[str, Any]:
    """Net stance of each source (row) toward each target (column), over all days shown."""
    pairs = dyads.groupby(["source_actor", "target_actor"], as_index=False)[
        ["n_favor", "n_against", "n_total"]
    ].sum()
    actors = (
        pd.concat([pairs[["source_actor", "n_total"]].set_axis(["actor", "n"], axis=1),
                   pairs[["target_actor", "n_total"]].set_axis(["actor", "n"], axis=1)])
        .groupby("actor")["n"].sum().sort_values(ascending=False).head(n).index
    )  # fmt: skip
    pairs = pairs[pairs["source_actor"].isin(actors) & pairs["target_actor"].isin(actors)]
    pairs = pairs.assign(net_score=((pairs["n_favor"] - pairs["n_against"]) / pairs["n_total"]).round(3))
    order = sorted(actors)
    base = alt.Chart(pairs).encode(
        x=alt.X("target_actor:N", title="target", sort=order),
        y=alt.Y("source_actor:N", title="source", sort=order),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("net_score:Q", title="net stance", scale=alt.Scale(domain=[-1, 1], scheme="redblue")),
        tooltip=["source_actor", "target_actor", "n_total", "n_favor", "n_against", "net_score"],
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text("n_total:Q"))
    return (
        (cells + labels)
        .properties(
            width=alt.Step(36), height=alt.Step(28), title="Net stance, source × target (cell: stances)"
        )
        .to_dict()
    )


_PAGE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>stancewire run {{ run.run_id }}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #1d2330; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #d8dce6; }
.meta { color: #5a6275; }
table { border-collapse: collapse; margin: .6em 0; width: 100%; }
th, td { border: 1px solid #d8dce6; padding: .3em .55em; text-align: left; vertical-align: top; }
th { background: #f2f4f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1b7a3d; font-weight: 600; } .fail { color: #b3261e; font-weight: 600; }
.against { color: #b3261e; } .favor { color: #1f5fbf; }
mark { background: #ffe58a; padding: 0 .1em; }
.chart { margin: 1em 0; min-height: 120px; }
.empty { color: #5a6275; font-style: italic; }
</style>
<script>{{ vega_bundle | safe }}</script>
</head>
<body>
<h1>stancewire run <code>{{ run.run_id }}</code></h1>
<p class="meta">{{ run.mode }} run for {{ run_date }}, started {{ run.started_at }}, finished {{ run.finished_at }};
inbox <code>{{ run.inbox }}</code>. Verdict:
{% if quality_ok %}<span class="ok">every validated table passed its suite</span>
{% else %}<span class="fail">a suite failed: do not trust these tables</span>{% endif %}</p>

<h2>What came in</h2>
<p>This run: {{ run.n_files }} files in the inbox, {{ run.n_skipped }} skipped as read before,
{{ run.n_articles }} articles, {{ run.n_rejects }} rejects, {{ run.n_sentences }} sentences, {{ run.n_stances }} stances.</p>
<table id="runs"><tr><th>run</th><th>mode</th><th>started</th><th>files</th><th>skipped</th><th>articles</th><th>rejects</th><th>stances</th></tr>
{% for r in night_runs %}<tr><td><code>{{ r.run_id }}</code></td><td>{{ r.mode }}</td><td>{{ r.started_at }}</td>
<td class="num">{{ r.n_files }}</td><td class="num">{{ r.n_skipped }}</td><td class="num">{{ r.n_articles }}</td>
<td class="num">{{ r.n_rejects }}</td><td class="num">{{ r.n_stances }}</td></tr>
{% endfor %}</table>
<table id="files"><tr><th>file read on {{ run_date }}</th><th>bytes</th><th>articles</th><th>rejects</th></tr>
{% for f in files %}<tr><td>{{ f.source_path }}</td><td class="num">{{ f.size_bytes }}</td>
<td class="num">{{ f.n_articles }}</td><td class="num">{{ f.n_rejects }}</td></tr>
{% else %}<tr><td colspan="4" class="empty">no file read on this run date</td></tr>{% endfor %}</table>

<h2>Rejected</h2>
{% if reasons %}<p>{% for reason, n in reasons %}<b>{{ reason }}</b>: {{ n }}{% if not loop.last %}; {% endif %}{% endfor %}</p>{% endif %}
<table id="rejects"><tr><th>file</th><th>line</th><th>reason</th><th>detail</th></tr>
{% for r in rejects %}<tr><td>{{ r.source_path }}</td><td class="num">{{ r.source_line if r.source_line is not none else "" }}</td>
<td>{{ r.reason }}</td><td>{{ r.detail }}</td></tr>
{% else %}<tr><td colspan="4" class="empty">nothing rejected</td></tr>{% endfor %}</table>

<h2>Tables and their validation</h2>
<table id="quality"><tr><th>table</th><th>run</th><th>rows</th><th>expectations</th><th>failed</th><th>result</th><th>failed expectations</th></tr>
{% for q in quality %}<tr><td>{{ q.table_name }}</td><td><code>{{ q.run_id }}</code></td><td class="num">{{ q.n_rows }}</td>
<td class="num">{{ q.expectations_evaluated }}</td><td class="num">{{ q.expectations_failed }}</td>
<td class="{{ 'ok' if q.success else 'fail' }}">{{ 'passed' if q.success else 'FAILED' }}</td><td>{{ q.failed_expectations }}</td></tr>
{% else %}<tr><td colspan="7" class="empty">no table was validated on this run date (nothing new)</td></tr>{% endfor %}</table>

<h2>Stance picture</h2>
{% if charts %}
{% for id, spec in charts %}<div class="chart" id="{{ id }}"></div>
{% endfor %}
{% else %}<p class="empty">no stances up to this run date</p>{% endif %}

<h2>Strongest stances of {{ run_date }}</h2>
<table id="strongest"><tr><th>speaker</th><th>source → target</th><th>stance</th><th>score</th><th>sentence (cue words marked)</th></tr>
{% for s in strongest %}<tr><td>{{ s.speaker }}</td><td>{{ s.source_actor }} → {{ s.target_actor }}</td>
<td class="{{ s.stance }}">{{ s.stance }}</td><td class="num">{{ "%.2f" | format(s.score) }}</td><td>{{ s.marked | safe }}</td></tr>
{% else %}<tr><td colspan="5" class="empty">no favor or against stance on this run date</td></tr>{% endfor %}</table>

<h2>Top speakers of {{ run_date }}</h2>
<table id="speakers"><tr><th>speaker</th><th>actor</th><th>role</th><th>statements</th><th>sample</th></tr>
{% for s in speakers %}<tr><td>{{ s.speaker_name }}</td><td>{{ s.speaker_actor or "" }}</td><td>{{ s.speaker_role or "" }}</td>
<td class="num">{{ s.n_statements }}</td><td>{{ s.sample }}</td></tr>
{% else %}<tr><td colspan="5" class="empty">no reported statement on this run date</td></tr>{% endfor %}</table>

<script>
{% for id, spec in charts %}vegaEmbed("#{{ id }}", {{ spec | safe }}, {renderer: "svg", actions: false})
  .catch(function (err) { console.error("chart {{ id }}: " + err); });
{% endfor %}</script>
</body>
</html>
"""
)


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, default=str).replace("</", "<\\/")


def render_report(inputs: ReportInputs, vega_bundle: str) -> str:
    """The report page; ``vega_bundle`` is the vega-embed JavaScript (defines ``vegaEmbed``)."""
    run_date = inputs.run.get("run_date")
    strongest = inputs.strongest[inputs.strongest["stance"] != "neutral"]
    strongest = strongest.reindex(strongest["score"].abs().sort_values(ascending=False).index).head(STRONGEST)
    marked = [
        highlight(str(t), c if isinstance(c, str) else None)
        for t, c in zip(strongest["text"], strongest["cue"], strict=True)
    ]
    charts: list[tuple[str, str]] = []
    if not inputs.dyads.empty:
        charts.append(("timeline", _json_for_script(timeline_spec(inputs.dyads, top_pairs(inputs.dyads)))))
        charts.append(("matrix", _json_for_script(matrix_spec(inputs.dyads))))
    reasons = (
        inputs.rejects["reason"].value_counts().sort_index() if not inputs.rejects.empty else pd.Series()
    )
    return _PAGE.render(
        run=inputs.run,
        run_date=run_date,
        quality_ok=bool(inputs.quality["success"].all()) if not inputs.quality.empty else True,
        night_runs=inputs.night_runs.to_dict("records"),
        files=inputs.files.to_dict("records"),
        rejects=inputs.rejects.astype(object).where(inputs.rejects.notna(), None).to_dict("records"),
        reasons=[(str(k), int(v)) for k, v in reasons.items()],
        quality=inputs.quality.to_dict("records"),
        charts=charts,
        strongest=strongest.assign(marked=marked).to_dict("records"),
        speakers=top_speakers(inputs.speakers),
        vega_bundle=vega_bundle.replace("</script", "<\\/script"),
    )
