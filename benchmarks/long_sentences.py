"""The stance stage's cost per character on one-sentence articles of growing length.

    .venv/bin/python benchmarks/long_sentences.py [--sizes 1000 100000] [--rounds 3]

Each article is "Russia warned Ukraine and " repeated to the size, with no sentence end
(a scraped table or log: the input that stalled a night). It goes through cleanup and
sentence splitting in this process, then the stance stage is timed (best of ``--rounds``);
the report gives microseconds per character for each size and the ratio of each to the
smallest size's (the issue's target: 100 KB within x3 of 1 KB).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNIT = "Russia warned Ukraine and "


def measure(sizes: list[int], rounds: int) -> dict[str, object]:
    from flows.resources import load_resources
    from flows.settings import load_settings
    from stages.cleanup import cleanup
    from stages.ingest import RawFile, ingest
    from stages.sentences import split_sentences
    from stages.stance import tag_sentences

    settings = load_settings()
    resources = load_resources(settings.reference_dir)
    rows = []
    for size in sizes:
        text = (UNIT * (size // len(UNIT) + 1))[:size]
        articles, _ = ingest([RawFile("a.txt", text.encode())], ingested_at=datetime.now(UTC))
        paragraphs, _ = cleanup(articles, resources.identify_language)
        sentences = split_sentences(paragraphs, resources.segmenter, settings.max_sentence_chars)
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            stances, mentions = tag_sentences(sentences, resources.tagger)
            best = min(best, time.perf_counter() - start)
        rows.append(
            {
                "chars": size,
                "sentences": len(sentences),
                "stances": len(stances),
                "mentions": len(mentions),
                "seconds": round(best, 4),
                "us_per_char": round(best / size * 1e6, 3),
            }
        )
    base = rows[0]["us_per_char"]
    for row in rows:
        row["vs_smallest"] = round(float(row["us_per_char"]) / float(base), 2)
    return {"max_sentence_chars": settings.max_sentence_chars, "sizes": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.sizes, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
