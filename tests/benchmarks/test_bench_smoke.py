"""A tiny smoke test of benchmarks/run.py's in-process parts (the benchmark itself is not a test)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from flows.settings import PROJECT_ROOT


def load_benchmark(name: str) -> Any:
    """``benchmarks/<name>.py`` as a module (the benchmarks are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"stancewire_{name}", PROJECT_ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


def test_inbox_floor_stages_and_naive_run_on_a_few_sample_articles(tmp_path: Path) -> None:
    bench = load_benchmark("run")
    corpus = bench.read_corpus(None, 10)
    assert corpus and all(row["text"] for row in corpus)
    size = bench.write_inbox(tmp_path / "inbox", corpus, 12)
    lines = [
        line for p in sorted((tmp_path / "inbox").glob("*.jsonl")) for line in p.read_text().splitlines()
    ]
    assert len(lines) == 12 and len(set(lines)) == 12, "cycled articles are made unique"
    assert size == sum(len(line.encode()) + 1 for line in lines)
    assert bench.floor(tmp_path / "inbox", tmp_path / "floor") > 0
    seconds = bench.stages(tmp_path / "inbox")
    assert set(seconds) == {"ingest", "cleanup", "sentences", "stances", "attributions", "aggregate"}
    assert all(s >= 0 for s in seconds.values())
    assert bench.naive(corpus, 2) > 0


CHILD = "import time; block = bytearray(80 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(3)"


def test_tree_memory_counts_a_child_process_touched_memory() -> None:
    import subprocess
    import time

    bench = load_benchmark("run")
    child = subprocess.Popen([sys.executable, "-c", CHILD])
    try:
        time.sleep(1.5)
        tree = bench.TreeMemory(child.pid, interval=0.05)
        time.sleep(0.3)
        tree.stop()
    finally:
        child.kill()
        child.wait()
    assert tree.peaks["stancewire_pss_mb"] >= 80, "the child's 80 MB, touched page by page, are counted"
    assert tree.peaks["with_prefect_server_pss_mb"] == tree.peaks["stancewire_pss_mb"], (
        "no Prefect server here"
    )
    assert tree.peaks["tree_rss_mb"] >= tree.peaks["stancewire_pss_mb"] * 0.9


def test_stages_ab_compares_a_commit_with_itself(capsys: Any) -> None:
    """benchmarks/stages_ab.py against this checkout's own HEAD: the same tables on both sides
    (the digest covers every row); against a commit whose stages differ, the digests would not."""
    import json
    import subprocess

    import pytest

    if not (PROJECT_ROOT / ".git").exists():  # pragma: no cover - a copy without its history
        pytest.skip("needs the project's git history")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    ab = load_benchmark("stages_ab")
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "stages"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ab.main(["--against", head, "--n", "12", "--rounds", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["this_vs_against"]) == {"cleanup", "sentences", "stances", "all"}
    if not dirty:  # HEAD's stages are these ones
        assert report["same_tables"] is True


def test_long_sentence_benchmark_reports_cost_per_character() -> None:
    report = load_benchmark("long_sentences").measure([500, 5000], rounds=1)
    small, large = report["sizes"]
    assert small["sentences"] == 1 and large["sentences"] > 1, "the larger one is cut at the limit"
    assert small["vs_smallest"] == 1.0 and large["us_per_char"] > 0


def test_encoding_benchmark_scores_both_decoders(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": "The “quoted” café — a dash."}) + "\n")
    module = load_benchmark("encodings")
    items = module.cases(corpus, 1)
    mine = module.score(module.stancewire, items)
    assert mine["exact"] >= 5 and mine["wrong_or_none"] == 0
