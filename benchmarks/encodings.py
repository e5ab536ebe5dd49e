"""How well ``stages.decode`` reads news text in legacy encodings, against charset-normalizer's plain best guess.

    .venv/bin/python benchmarks/encodings.py --corpus ../shared/corpora/news_unified.jsonl [--n 600]

Articles of the corpus are encoded as Windows-1252 and as Latin-1 (after folding the
characters Latin-1 lacks), plus Cyrillic (Windows-1251, KOI8-R) and German cases; articles
that are plain ASCII (valid UTF-8 either way) are left out. A decode counts only when it
gives back exactly the original text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LATIN1_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"}
)
RUSSIAN = (
    "Москва заявила, что Украина и НАТО угрожают безопасности России, сообщил в четверг представитель МИД."
)
GERMAN = (
    "Die Bundesregierung äußerte sich besorgt über die Lage in der Ukraine, sagte ein Sprecher am Donnerstag."
)


def cases(corpus: Path, n: int) -> list[tuple[str, str]]:
    texts = []
    with corpus.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i % 37 == 0:
                texts.append(json.loads(line)["text"])
            if len(texts) >= n:
                break
    out = [(t, "cp1252") for t in texts] + [(t.translate(LATIN1_FOLD) + " café", "latin-1") for t in texts]
    out += [
        (RUSSIAN, "cp1251"),
        (RUSSIAN, "koi8-r"),
        (RUSSIAN * 3, "cp1251"),
        (GERMAN, "cp1252"),
        (GERMAN, "latin-1"),
    ]
    return out


def plain_best(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


def stancewire(data: bytes) -> str | None:
    from stages.decode import Undecodable, decode_text

    try:
        return decode_text(data)[0]
    except Undecodable:
        return None


def score(decode: Callable[[bytes], str | None], items: list[tuple[str, str]]) -> dict[str, object]:
    exact = wrong = 0
    start = time.perf_counter()
    for text, encoding in items:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        try:
            data.decode("utf-8")
            continue  # ASCII: nothing to detect
        except UnicodeDecodeError:
            pass
        if decode(data) == text:
            exact += 1
        else:
            wrong += 1
    return {"exact": exact, "wrong_or_none": wrong, "seconds": round(time.perf_counter() - start, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--n", type=int, default=600)
    args = parser.parse_args(argv)
    items = cases(args.corpus, args.n)
    report = {"stancewire": score(stancewire, items), "charset_normalizer_best": score(plain_best, items)}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
