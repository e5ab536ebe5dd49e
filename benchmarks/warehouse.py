"""What the Delta Lake warehouse costs: the real `stancewire run` over one inbox into a local Delta
warehouse, into an S3 one (a moto server on 127.0.0.1: protocol cost, not network) and, with
``--baseline-code``, with another checkout's code (the manifest warehouse before Delta), in one
benchmark run, each also over one article (its fixed cost).

    STANCEWIRE_TAGGER=fast STANCEWIRE_ATTRIBUTION=0 .venv/bin/python benchmarks/warehouse.py \\
        --n 50000 --corpus ../shared/corpora/news_unified.jsonl --baseline-code /tmp/stancewire-965ba24

Each run's ``publish_s`` is the time spent in ``Warehouse.publish`` and ``refresh_catalog``
(timed by a wrapper around the CLI, so both codes are timed alike); ``wall_s`` the whole
command; ``memory`` the peak summed PSS of the run's processes (benchmarks/run.py's
``TreeMemory``). Ratios against the baseline are the headline: absolute times vary on shared
machines.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# `stancewire <args>` with the time spent publishing written to the file named first.
TIMED_CLI = """
import functools, json, sys, time
from flows import cli
from flows.storage import Warehouse

spent = {"publish_s": 0.0}

def timed(name):
    step = getattr(Warehouse, name)

    @functools.wraps(step)
    def wrapped(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return step(self, *args, **kwargs)
        finally:
            spent["publish_s"] += time.perf_counter() - start

    setattr(Warehouse, name, wrapped)

timed("publish")
timed("refresh_catalog")
code = cli.main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(spent, out)
sys.exit(code)
"""

MOTO_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


def _bench_run() -> Any:
    spec = importlib.util.spec_from_file_location("stancewire_bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_once(code: Path, inbox: Path, warehouse: str, env: dict[str, str], log: Path) -> dict[str, float]:
    """One `stancewire run` with ``code`` on the import path: wall and publish seconds, peak memory."""
    times = log.with_suffix(".times.json")
    run = _bench_run().end_to_end(inbox, warehouse, code, env, cli=("-c", TIMED_CLI, str(times)), log=log)
    spent = json.loads(times.read_text())
    return {"wall_s": run["wall_s"], "publish_s": spent["publish_s"], "memory_mb": run["stancewire_pss_mb"]}


def start_moto(env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    server = subprocess.Popen(
        [sys.executable, "-c", MOTO_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its request log
        text=True,
    )
    assert server.stdout is not None
    endpoint = f"http://127.0.0.1:{int(server.stdout.readline())}"
    s3_env = {
        **env,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
        "AWS_ENDPOINT_URL": endpoint,
    }
    subprocess.run(
        [sys.executable, "-c", "import boto3; boto3.client('s3').create_bucket(Bucket='stancewire-bench')"],
        env=s3_env,
        check=True,
    )
    return server, s3_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles (default 1000)")
    parser.add_argument("--corpus", type=Path, help="JSON lines with a 'text' field (default: data/samples/)")
    parser.add_argument(
        "--baseline-code", type=Path, help="a checkout of the code to compare with (its root)"
    )
    parser.add_argument("--no-s3", action="store_true", help="skip the run against the moto S3 server")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    bench = _bench_run()
    corpus = bench.read_corpus(args.corpus, max(args.n, 1000))
    env = dict(os.environ)
    variants: list[tuple[str, Path, str]] = []
    with tempfile.TemporaryDirectory(prefix="stancewire-bench-wh-") as tmp:
        work = Path(tmp)
        inbox, one = work / "inbox", work / "inbox-one"
        bench.write_inbox(inbox, corpus, args.n)
        bench.write_inbox(one, corpus[:1], 1)
        if args.baseline_code:
            variants.append(("baseline_local", args.baseline_code.resolve(), str(work / "baseline")))
        variants.append(("delta_local", ROOT, str(work / "delta")))
        server = None
        if not args.no_s3:
            server, s3_env = start_moto(env)
            variants.append(("delta_s3", ROOT, f"s3://stancewire-bench/{uuid.uuid4().hex[:8]}"))
        results: dict[str, Any] = {}
        try:
            for name, code, warehouse in variants:
                run_env = s3_env if name == "delta_s3" else env
                fixed = run_once(code, one, f"{warehouse}-one", run_env, work / f"{name}-one.log")
                main_run = run_once(code, inbox, warehouse, run_env, work / f"{name}.log")
                per_article = max(main_run["wall_s"] - fixed["wall_s"], 1e-9) / args.n
                results[name] = {
                    **{k: round(v, 2) for k, v in main_run.items()},
                    "fixed_s": round(fixed["wall_s"], 2),
                    "articles_per_s": round(1 / per_article, 1),
                }
        finally:
            if server is not None and server.stdin is not None:
                server.stdin.close()
                server.wait(timeout=30)
    out: dict[str, Any] = {"n": args.n, "corpus": str(args.corpus or "data/samples"), "runs": results}
    base = results.get("baseline_local")
    for name in ("delta_local", "delta_s3"):
        if name in results and base:
            out[f"{name}_vs_baseline"] = {
                k: round(results[name][k] / base[k], 3) for k in ("wall_s", "publish_s", "memory_mb")
            }
    if "delta_s3" in results:
        local = results["delta_local"]
        out["s3_vs_local"] = {k: round(results["delta_s3"][k] / local[k], 3) for k in ("wall_s", "publish_s")}
    if args.json:
        print(json.dumps(out))
    else:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
