"""stancewire's benchmark: throughput, memory and scaling against the floor and a naive baseline.

    .venv/bin/python benchmarks/run.py --n N [--corpus FILE] [--json] [--large]

On N articles taken from a JSON-lines corpus (default: the articles of data/samples/;
for real figures ../shared/corpora/news_unified.jsonl), cycled to reach N and each made
unique by its own url, this reports in one run:

- stages: each stage's articles/s, run in this process over chunks as the flow does
  (attributions, the spaCy parse and its rules, apart from stances), and the attributions'
  share of the stages' time;
- end to end: the real `stancewire run` (Prefect flow, GX validation, Parquet, DuckDB) in a
  subprocess, its per-article cost with the fixed cost of a run (Prefect start-up, imports,
  models, one tiny article) measured by a one-article run and taken out, and its peak memory:
  ``peak_rss_mb`` is the peak of the summed PSS of stancewire's processes (the run and the
  Dask cluster's workers, sampled every 0.1 s); ``memory`` adds Prefect's temporary
  API server, the summed RSS and the largest single process;
- floor: the same articles only read, hashed and written to Parquet;
- naive: pandas ``apply`` per article with pySBD sentences and VADER per sentence;
- scaling: end-to-end cost per article at N = 1k and 10k (and 100k with --large).

Ratios (stancewire / floor, naive / stancewire) are the headline; absolute times vary on
shared machines.

With ``--workers 0 1 2`` it instead compares runners: the end-to-end run at each
``STANCEWIRE_WORKERS``, each with its own fixed cost (two one-article chunks, so the cluster
starts), and, with ``--pool-code`` (a checkout of the code before Dask), the same with its
forkserver pool, alternating in one run; the ratios Dask / pool per worker count; and the
embedded cluster's start-up (``cluster_start``: the snapshot, the cluster and each worker's
resources).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLES_PER_FILE = 100  # inbox files the benchmark writes: JSON lines of this many articles
CHUNK_ARTICLES = 200  # articles per in-process chunk (the flow's default chunk holds 200 files)
NAIVE_LIMIT = 300  # the naive baseline runs on at most this many articles (it is slow)


def sample_corpus() -> list[dict[str, Any]]:
    """The articles of data/samples/: the .txt files and the JSON-lines statements."""
    samples = ROOT / "data" / "samples"
    rows: list[dict[str, Any]] = [
        {"text": p.read_text(encoding="utf-8")} for p in sorted(samples.glob("*.txt"))
    ]
    for path in sorted(samples.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def read_corpus(path: Path | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` distinct articles (text, title, outlet, published_at) of a corpus."""
    if path is None:
        rows = sample_corpus()
    else:
        rows = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                obj = json.loads(line)
                if isinstance(obj.get("text"), str) and obj["text"].strip():
                    rows.append(obj)
                if len(rows) >= limit:
                    break
    keep = ("text", "title", "outlet", "published_at", "date")
    return [{k: r[k] for k in keep if r.get(k)} for r in rows]


def articles(corpus: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    """``n`` articles cycling through ``corpus``, each unique by its url (so none is a duplicate)."""
    for i in range(n):
        yield {**corpus[i % len(corpus)], "url": f"https://bench.stancewire.invalid/{i}"}


def write_inbox(folder: Path, corpus: list[dict[str, Any]], n: int) -> int:
    """JSON-lines files of ARTICLES_PER_FILE articles; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    size, handle = 0, None
    for i, row in enumerate(articles(corpus, n)):
        if i % ARTICLES_PER_FILE == 0:
            if handle is not None:
                handle.close()
            handle = (folder / f"feed-{i // ARTICLES_PER_FILE:06d}.jsonl").open("w", encoding="utf-8")
        line = json.dumps(row, ensure_ascii=False) + "\n"
        handle.write(line)  # type: ignore[union-attr]
        size += len(line.encode())
    if handle is not None:
        handle.close()
    return size


def text_mb(corpus: list[dict[str, Any]], n: int) -> float:
    return sum(len(r["text"].encode()) for r in articles(corpus, n)) / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the floor -----------------------------------------------------------------------------------
def floor(inbox: Path, out: Path) -> float:
    """Seconds to read every inbox file, hash it and each line, and write the lines to Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(inbox.glob("*.jsonl")):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        lines = [line for line in data.split(b"\n") if line.strip()]
        ids = [hashlib.sha256(line).hexdigest()[:16] for line in lines]
        texts = [json.loads(line)["text"] for line in lines]
        table = pa.table({"article_id": ids, "source_path": [path.name] * len(ids), "raw_text": texts})
        pq.write_table(table, out / f"{path.stem}.parquet", compression="zstd")
    return time.perf_counter() - start


# --- the naive baseline --------------------------------------------------------------------------
def naive(corpus: list[dict[str, Any]], n: int) -> float:
    """Seconds for a data scientist's version: pandas apply, pySBD per article, VADER per sentence."""
    import pandas as pd
    import pysbd
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    frame = pd.DataFrame(list(articles(corpus, n)))
    segmenter = pysbd.Segmenter(language="en", clean=False)
    vader = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    frame["sentiment"] = frame["text"].apply(
        lambda text: [vader.polarity_scores(s)["compound"] for s in segmenter.segment(text)]
    )
    return time.perf_counter() - start


# --- stages in this process ----------------------------------------------------------------------
def stages(inbox: Path) -> dict[str, float]:
    """Seconds per stage over the inbox, chunk by chunk, the stage functions the flow calls."""
    import pandas as pd

    from flows.resources import load_resources
    from flows.settings import load_settings
    from stages.aggregate import aggregate_daily, article_days
    from stages.attribution.frames import attributions
    from stages.cleanup import cleanup
    from stages.ingest import RawFile, ingest
    from stages.sentences import split_sentences
    from stages.stance import tag_sentences

    settings = load_settings()
    resources = load_resources(settings.reference_dir, settings.models_dir, threads=os.cpu_count() or 1)
    model = resources.sentence_model if settings.tagger == "model" else None
    seconds = dict.fromkeys(("ingest", "cleanup", "sentences", "stances", "attributions", "aggregate"), 0.0)
    run_date = datetime.now(UTC).astimezone().date()
    seen: dict[str, str] = {}
    all_stances, all_days = [], []
    files = sorted(inbox.glob("*.jsonl"))
    per_chunk = max(1, CHUNK_ARTICLES // ARTICLES_PER_FILE)
    for i in range(0, len(files), per_chunk):
        raw = [RawFile(p.name, p.read_bytes()) for p in files[i : i + per_chunk]]
        clock = time.perf_counter()
        arts, _ = ingest(raw, ingested_at=datetime.now(UTC), seen=seen)
        seen.update(zip(arts["article_id"], arts["source_path"], strict=True))
        clock = _lap(seconds, "ingest", clock)
        paragraphs, _ = cleanup(arts, resources.identify_language)
        clock = _lap(seconds, "cleanup", clock)
        sentences = split_sentences(paragraphs, resources.segmenter)
        clock = _lap(seconds, "sentences", clock)
        stances, _ = tag_sentences(sentences, resources.tagger, model=model)
        clock = _lap(seconds, "stances", clock)
        attributions(sentences, paragraphs, resources.parser, resources.role_lookup(), run_date=run_date)
        _lap(seconds, "attributions", clock)
        all_stances.append(stances[["article_id", "source_actor", "target_actor", "stance", "score"]])
        all_days.append(arts[["article_id", "published_at"]])
    clock = time.perf_counter()
    aggregate_daily(
        pd.concat(all_stances), article_days(pd.concat(all_days), datetime.now(UTC).astimezone().date())
    )
    _lap(seconds, "aggregate", clock)
    return seconds


def _lap(seconds: dict[str, float], stage: str, since: float) -> float:
    now = time.perf_counter()
    seconds[stage] += now - since
    return now


# --- end to end ----------------------------------------------------------------------------------
def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _is_prefect_server(pid: int) -> bool:
    """The temporary Prefect API server a plain run starts (a uvicorn subprocess)."""
    try:
        return "uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; PSS shares each page among the processes mapping it,
    so the libraries and models the stage workers share are not counted twice."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = dict.fromkeys(("Rss", "Pss"), 0)
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in values:
            values[key] = int(value.split()[0])
    return values["Rss"], values["Pss"]


class TreeMemory:
    """Samples the memory of a run's process tree every ``interval`` seconds; keeps the peaks of
    summed PSS over stancewire's processes (the run and its stage workers), of the
    same with Prefect's temporary API server, and of summed RSS over all of them."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        import threading

        self.root, self.interval = root, interval
        self.peaks = dict.fromkeys(("stancewire_pss_mb", "with_prefect_server_pss_mb", "tree_rss_mb"), 0.0)
        self._servers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        own = server = rss = 0
        for pid in _descendants(self.root):
            if pid not in self._servers and _is_prefect_server(pid):
                self._servers.add(pid)
            kb_rss, kb_pss = _memory_kb(pid)
            rss += kb_rss
            if pid in self._servers:
                server += kb_pss
            else:
                own += kb_pss
        for key, kb in (
            ("stancewire_pss_mb", own),
            ("with_prefect_server_pss_mb", own + server),
            ("tree_rss_mb", rss),
        ):
            self.peaks[key] = max(self.peaks[key], kb / 1024)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def end_to_end(
    inbox: Path,
    warehouse: Path | str,
    code: Path = ROOT,
    env: dict[str, str] | None = None,
    *,
    cli: tuple[str, ...] = ("-m", "flows.cli"),
    log: Path | None = None,
) -> dict[str, float]:
    """Wall seconds and memory of `stancewire run` over ``inbox`` in a subprocess (with the code
    of the checkout ``code`` and the settings ``env`` on top of this process's; ``cli``: what
    the interpreter runs, given ``run --inbox ... --warehouse ...``; its output to ``log``,
    default beside a local warehouse): the peaks of ``TreeMemory``, and the largest single
    process's peak RSS (``wait4``)."""
    run_env = {**os.environ, "STANCEWIRE_DATA_DOCS": "0", "PYTHONPATH": str(code), **(env or {})}
    command = [sys.executable, *cli, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)]
    if log is None:
        log = Path(warehouse).parent / f"{Path(warehouse).name}.log"
    start = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=code, env=run_env, stdout=out, stderr=subprocess.STDOUT)
        tree = TreeMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        tree.stop()
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"stancewire run failed:\n{log.read_text(errors='replace')[-3000:]}")
    return {"wall_s": wall, **tree.peaks, "largest_process_rss_mb": usage.ru_maxrss / 1024}


MEMORY_KEYS = ("stancewire_pss_mb", "with_prefect_server_pss_mb", "tree_rss_mb", "largest_process_rss_mb")


def measure(corpus: list[dict[str, Any]], n: int, work: Path, fixed_s: float) -> dict[str, float]:
    """End-to-end figures at ``n`` articles."""
    inbox = work / f"inbox-{n}"
    raw_bytes = write_inbox(inbox, corpus, n)
    run = end_to_end(inbox, work / f"warehouse-{n}")
    per_article = max(run["wall_s"] - fixed_s, 1e-9) / n
    return {"n": n, **run, "per_article_ms": per_article * 1000, "peak_rss_mb": run["stancewire_pss_mb"],
            "articles_per_s": 1 / per_article, "raw_mb": raw_bytes / 1e6}  # fmt: skip


def cluster_start_s(workers: int) -> dict[str, float]:
    """Seconds to start the embedded Dask cluster of ``workers`` processes and have each load its
    resources (the plugin), and to stop it: what a run of several chunks adds to its fixed cost."""
    from flows.dask_runner import DaskRunner, StageResources
    from flows.nightly import model_threads, sentence_model_dir
    from flows.reference_snapshot import publish_snapshot
    from flows.settings import load_settings

    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="stancewire-bench-cluster-") as warehouse:
        start = time.perf_counter()
        snapshot = publish_snapshot(warehouse, settings.reference_dir, sentence_model_dir(settings))
        snapshot_s = time.perf_counter() - start
        runner = DaskRunner.embedded(workers, StageResources(snapshot, threads=model_threads(workers)))
        started_s = time.perf_counter() - start
        runner.close()
    return {"snapshot_s": snapshot_s, "start_s": started_s, "start_and_stop_s": time.perf_counter() - start}


def compare_runners(
    corpus: list[dict[str, Any]], n: int, work: Path, workers: list[int], pool_code: Path | None
) -> dict[str, Any]:
    """End to end at ``n`` articles with each of ``workers`` on this code (Dask) and, with
    ``pool_code``, on a checkout of the code before Dask (its forkserver pool), alternating, in
    this one benchmark run; each with its fixed cost (two one-article files in two chunks, so
    a cluster or pool is started as in a real run; the median of three runs)."""
    inbox = work / "inbox-runners"
    write_inbox(inbox, corpus, n)
    two = work / "inbox-two-chunks"
    write_inbox(two, corpus[:1], 1)
    (two / "feed-000001.jsonl").write_text(json.dumps(next(articles(corpus[1:2], 1))) + "\n")
    codes = [("dask", ROOT)] + ([("pool", pool_code.resolve())] if pool_code else [])
    rows: list[dict[str, Any]] = []
    for count in workers:
        for name, code in codes:
            env = {"STANCEWIRE_WORKERS": str(count)}
            label = f"{name}-w{count}"
            # The fixed cost varies by seconds from run to run: the median of three.
            fixed_s = sorted(
                end_to_end(two, work / f"wh-{label}-fixed-{i}", code, {**env, "STANCEWIRE_CHUNK_SIZE": "1"})[
                    "wall_s"
                ]
                for i in range(3)
            )[1]
            run = end_to_end(inbox, work / f"wh-{label}", code, env)
            rate = n / (run["wall_s"] - fixed_s) if run["wall_s"] > fixed_s else None
            rows.append({"code": name, "workers": count, "fixed_cost_s": fixed_s,
                         "articles_per_s": rate, **run})  # fmt: skip
    by = {(r["code"], r["workers"]): r for r in rows}
    ratios = {
        f"w{count}": {
            "wall": by["dask", count]["wall_s"] / by["pool", count]["wall_s"],
            "peak_pss": by["dask", count]["stancewire_pss_mb"] / by["pool", count]["stancewire_pss_mb"],
            "fixed_cost": by["dask", count]["fixed_cost_s"] / by["pool", count]["fixed_cost_s"],
        }
        for count in workers
        if ("pool", count) in by
    }
    starts = {f"w{count}": cluster_start_s(count) for count in workers if count > 0}
    return {"n": n, "runs": rows, "dask_vs_pool": ratios, "cluster_start": starts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles (default 1000)")
    parser.add_argument("--corpus", type=Path, help="JSON lines with a 'text' field (default: data/samples/)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--large", action="store_true", help="also scale to 100k articles")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1k/10k scaling runs")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        help="instead: end to end with each of these STANCEWIRE_WORKERS (e.g. 0 1 2), each with its fixed cost",
    )
    parser.add_argument(
        "--pool-code",
        type=Path,
        help="with --workers: also run a checkout of the code before Dask (its root)",
    )
    args = parser.parse_args(argv)
    corpus = read_corpus(args.corpus, max(args.n, 1000))
    if args.workers:
        with tempfile.TemporaryDirectory(prefix="stancewire-bench-") as tmp:
            compared = compare_runners(corpus, args.n, Path(tmp), args.workers, args.pool_code)
        print(json.dumps(_rounded(compared), indent=None if args.json else 1))
        return 0
    with tempfile.TemporaryDirectory(prefix="stancewire-bench-") as tmp:
        work = Path(tmp)
        inbox = work / "inbox"
        raw_bytes = write_inbox(inbox, corpus, args.n)
        mb = text_mb(corpus, args.n)
        floor_s = min(floor(inbox, work / f"floor-{i}") for i in range(2))
        stage_s = stages(inbox)
        naive_n = min(args.n, NAIVE_LIMIT)
        naive_s = naive(corpus, naive_n)
        # The fixed cost varies by seconds from run to run: the median of three one-article runs.
        one = _one_article(work, corpus)
        fixed_s = sorted(end_to_end(one, work / f"warehouse-fixed-{i}")["wall_s"] for i in range(3))[1]
        main_run = measure(corpus, args.n, work, fixed_s)
        scaling = []
        if not args.no_scaling:
            for n in (1000, 10000, *((100000,) if args.large else ())):
                scaling.append(main_run if n == args.n else measure(corpus, n, work, fixed_s))
    e2e = main_run["articles_per_s"]
    floor_rate = args.n / floor_s
    naive_rate = naive_n / naive_s
    result: dict[str, Any] = {
        "n": args.n,
        "corpus": str(args.corpus or "data/samples"),
        "text_mb": round(mb, 2),
        "inbox_mb": round(raw_bytes / 1e6, 2),
        "articles_per_s": round(e2e, 1),
        "mb_per_s": round(mb / (args.n / e2e), 2),
        "floor_articles_per_s": round(floor_rate, 1),
        "naive_articles_per_s": round(naive_rate, 1),
        "naive_articles": naive_n,
        "stancewire_vs_floor": round(floor_rate / e2e, 2),
        "naive_vs_stancewire": round(e2e / naive_rate, 2),
        "peak_rss_mb": round(main_run["peak_rss_mb"], 1),
        "memory": {k: round(main_run[k], 1) for k in MEMORY_KEYS},
        "fixed_cost_s": round(fixed_s, 2),
        "wall_s": round(main_run["wall_s"], 2),
        "stages": {k: round(args.n / v, 1) if v else None for k, v in stage_s.items()},
        "stages_in_process_articles_per_s": round(args.n / sum(stage_s.values()), 1),
        # the parse's share of the stages' time in this process (attributions: spaCy and the rules)
        "attributions_share": round(stage_s["attributions"] / sum(stage_s.values()), 3),
        "bench_process_peak_rss_mb": round(peak_rss_mb(), 1),
        "scaling": [
            {k: round(v, 3) for k, v in s.items()}
            | {"cost_vs_1k": round(s["per_article_ms"] / scaling[0]["per_article_ms"], 3)}
            for s in scaling
        ],
    }
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)
    return 0


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _one_article(work: Path, corpus: list[dict[str, Any]]) -> Path:
    inbox = work / "inbox-fixed"
    write_inbox(inbox, corpus[:1], 1)
    return inbox


def _print(result: dict[str, Any]) -> None:
    print(
        f"stancewire benchmark: {result['n']:,} articles ({result['text_mb']} MB of text) from {result['corpus']}"
    )
    print(f"  end to end      {result['articles_per_s']:>10,.1f} articles/s  {result['mb_per_s']:>6} MB/s"
          f"  (fixed cost {result['fixed_cost_s']} s taken out; peak memory {result['peak_rss_mb']} MB)")  # fmt: skip
    print("  memory          " + ", ".join(f"{k} {v}" for k, v in result["memory"].items()))
    print(
        f"  floor           {result['floor_articles_per_s']:>10,.1f} articles/s  (read, hash, write Parquet)"
    )
    print(
        f"  naive baseline  {result['naive_articles_per_s']:>10,.1f} articles/s  (pandas apply, pySBD, VADER)"
    )
    print(
        f"  stancewire / floor cost: x{result['stancewire_vs_floor']}; naive / stancewire cost: x{result['naive_vs_stancewire']}"
    )
    for stage, rate in result["stages"].items():
        print(f"  stage {stage:<12}{rate:>10,.1f} articles/s")
    print(f"  attributions' share of the stages' time: {result['attributions_share']:.1%}")
    for s in result["scaling"]:
        print(f"  scaling n={int(s['n']):>7,}: {s['per_article_ms']:.3f} ms/article, x{s['cost_vs_1k']} of 1k,"
              f" peak RSS {s['peak_rss_mb']} MB")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
