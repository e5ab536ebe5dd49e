"""Time the stages of this checkout against those of another commit, side by side.

    .venv/bin/python benchmarks/stages_ab.py --against da83041 --n 5000 --corpus ../shared/corpora/news_unified.jsonl

The ``stages/`` and ``flows/`` packages of ``--against`` are extracted (``git archive``) to a temporary folder;
each side then cleans, splits and tags the same ingested articles in a fresh process of its
own (twice: the first run also warms caches up), alternating with the other side ``--rounds``
times, and each stage's best time is kept.
Each side builds its models with its own loader from this checkout's ``data/reference/``, so
both read the same reference data even across a move of the loader (``flows.models`` became
``flows.resources`` in issue 15). Rates drift on shared machines:
alternating and taking the best of each side is what makes the two comparable. It also
reports whether both sides made the same tables, column by column: a column that only one
side makes (added or dropped between the commits) is named, not counted as a difference.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("cleanup", "sentences", "stances")
REFERENCE = ROOT / "data" / "reference"  # both sides' models are built from this checkout's
REPEAT = 2  # runs of each stage per process: the first one also warms caches up

# Run by each side in its own process: ``root`` comes first on sys.path, so its ``stages`` is used.
SIDE = """
import hashlib, json, sys, time
from pathlib import Path
sys.path.insert(0, ROOT)
import pandas as pd
import flows, stages
assert stages.__file__.startswith(ROOT) and flows.__file__.startswith(ROOT), (stages.__file__, flows.__file__)
try:
    from flows.resources import load_resources as load
except ImportError:  # before issue 15 the loader was flows.models.load_models
    from flows.models import load_models as load
from stages.cleanup import cleanup
from stages.sentences import split_sentences
from stages.stance import tag_sentences

resources = load(Path(REFERENCE))
articles = pd.read_parquet(ARTICLES)
seconds, out = {}, {}
for name, run in (
    ("cleanup", lambda: cleanup(articles, resources.identify_language)),
    ("sentences", lambda: split_sentences(out["cleanup"][0], resources.segmenter)),
    ("stances", lambda: tag_sentences(out["sentences"], resources.tagger)),
):
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        out[name] = run()
        best = min(best, time.perf_counter() - start)
    seconds[name] = best
tables = dict(zip(TABLES, [*out["cleanup"], out["sentences"], *out["stances"]]))
digests = {
    name: {col: hashlib.sha256(pd.util.hash_pandas_object(t[col], index=False).values.tobytes()).hexdigest() for col in t}
    for name, t in tables.items()
}
print(json.dumps({"seconds": seconds, "digests": digests, "rows": {n: len(t) for n, t in tables.items()}}))
"""
# The tables each side makes, in the order its stages return them.
TABLES = ("paragraphs", "removed", "sentences", "stances", "mentions")


def compare(this: dict[str, dict[str, str]], other: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Which tables differ in the columns both sides make, and the columns only one side makes
    (a column added or dropped between the commits is reported, not counted as a difference)."""
    differ = sorted(
        t for t in TABLES if any(this[t][c] != other[t][c] for c in this[t].keys() & other[t].keys())
    )
    only = {
        side: {t: sorted(a[t].keys() - b[t].keys()) for t in TABLES if a[t].keys() - b[t].keys()}
        for side, a, b in (("this", this, other), ("against", other, this))
    }
    return {"same_tables": not differ, "tables_that_differ": differ, "columns_only_in": only}


def extract_packages(commit: str, into: Path) -> Path:
    """``stages/`` and ``flows/`` of ``commit`` under ``into``; returns ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "stages", "flows"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def ingested(corpus: Path | None, n: int, into: Path) -> Path:
    """The articles frame of ``n`` corpus articles (this checkout's ingest), as Parquet."""
    from datetime import UTC, datetime

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import read_corpus, write_inbox

    from stages.ingest import RawFile, ingest

    inbox = into / "inbox"
    write_inbox(inbox, read_corpus(corpus, n), n)
    raw = [RawFile(p.name, p.read_bytes()) for p in sorted(inbox.glob("*.jsonl"))]
    articles, _ = ingest(raw, ingested_at=datetime.now(UTC), seen={})
    path = into / "articles.parquet"
    articles.to_parquet(path)
    return path


def side(root: Path, articles: Path, repeat: int) -> dict[str, Any]:
    code = (
        f"ROOT = {str(root)!r}; ARTICLES = {str(articles)!r}; REPEAT = {repeat}; TABLES = {TABLES!r}; "
        f"REFERENCE = {str(REFERENCE)!r}\n" + SIDE
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the stages of {root} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the commit to compare with (e.g. da83041)")
    parser.add_argument("--n", type=int, default=5000, help="articles (default 5000)")
    parser.add_argument("--corpus", type=Path, help="JSON lines with a 'text' field (default: data/samples/)")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two sides (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stancewire-ab-") as tmp:
        work = Path(tmp)
        articles = ingested(args.corpus, args.n, work)
        other = extract_packages(args.against, work / "against")
        best: dict[str, dict[str, float]] = {"against": {}, "this": {}}
        digests: dict[str, dict[str, dict[str, str]]] = {}
        for _ in range(args.rounds):
            for name, root in (("against", other), ("this", ROOT)):
                result = side(root, articles, repeat=REPEAT)
                digests[name] = result["digests"]
                for stage, seconds in result["seconds"].items():
                    best[name][stage] = min(best[name].get(stage, float("inf")), seconds)
    total = {name: sum(times.values()) for name, times in best.items()}
    report = {
        "n": args.n,
        "against": args.against,
        "seconds": {name: {k: round(v, 3) for k, v in times.items()} for name, times in best.items()},
        "this_vs_against": {
            **{s: round(best["this"][s] / best["against"][s], 3) for s in STAGES},
            "all": round(total["this"] / total["against"], 3),
        },
        **compare(digests["this"], digests["against"]),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
