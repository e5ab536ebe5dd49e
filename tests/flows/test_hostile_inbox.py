"""Hostile input: one inbox of odd but real-world files beside one good article, through the real flow.

Every kind of input that crashed, stalled or was wrongly refused before is one row of
``HOSTILE``: the good article lands with its stances, each bad input has its reason, the
readable ones land with the encoding they were read with, and the run ends. Big inputs are
made here, in the test's folder; nothing large is committed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import socket
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.settings import PROJECT_ROOT

RUN_DATE = "2026-11-30"
SEED = PROJECT_ROOT / "data" / "samples" / "000_a5b98195f9a05f26.txt"
NEWS = "The Kremlin said on Thursday that \u201cNATO\u2019s expansion\u201d threatens Russia \u2014 again."


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # opening it for reading would block the whole night


def _folder(path: Path) -> None:
    path.mkdir()


def _bytes(data: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data)

    return write


def _link_out(path: Path) -> None:
    secret = path.parent.parent / f"{path.parent.name}-secret.txt"
    secret.write_text("outside the inbox")
    path.symlink_to(secret)


def _feed(*lines: bytes) -> bytes:
    return b"\n".join(lines) + b"\n"


GOOD_LINE = json.dumps({"text": "Ukraine accused Russia of shelling Kharkiv on Tuesday."}).encode()
HOSTILE: list[tuple[str, Callable[[Path], None], str | None, str]] = [
    # (name in the inbox, how to make it, reject reason or None when it lands, why the case exists)
    (
        "deep.jsonl",
        _bytes(_feed(GOOD_LINE, b"[" * 100_000 + b"]" * 100_000)),
        "bad_json",
        "a line nested 100k deep killed the night with RecursionError; its other line lands",
    ),
    (
        "runon.txt",
        _bytes(("Russia warned Ukraine and " * 12_000).encode()),
        None,
        "300 KB with no sentence end stalled the tagger (quadratic); now cut into bounded sentences",
    ),
    ("windows16.txt", _bytes(b"\xff\xfe" + NEWS.encode("utf-16-le")), None, "UTF-16 with a BOM was 'binary'"),
    ("windows1252.txt", _bytes(NEWS.encode("cp1252")), None, "Windows-1252 was 'undecodable'"),
    ("story.txt.gz", _bytes(gzip.compress(b"NATO criticised Russia on Monday.")), None, "gzip was 'binary'"),
    (
        "feed.jsonl.gz",
        _bytes(gzip.compress(_feed(GOOD_LINE.replace(b"Tuesday", b"Friday")))),
        None,
        "a feed dump",
    ),
    (
        "bomb.txt.gz",
        _bytes(gzip.compress(b"a" * (11 * 1024 * 1024))),
        "too_large",
        "a gzip bomb: a reject, not OOM",
    ),
    (
        "cut.txt.gz",
        _bytes(gzip.compress(b"A story cut short. " * 100)[:-20]),
        "bad_gzip",
        "a truncated download",
    ),
    ("pipe.txt", _fifo, "not_a_file", "a FIFO: never opened, and said so"),
    ("dir.txt", _folder, "not_a_file", "a folder named like a file: said so"),
    (
        "noise.txt",
        _bytes(random.Random(3).randbytes(4000).replace(b"\x00", b"\x01")),
        "undecodable",
        "no detector reads it",
    ),
    ("image.txt", _bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "binary", "near-miss: still binary"),
    ("blank.txt", _bytes(b" \n\t\n"), "empty", "near-miss: still empty"),
    # The earlier kinds, still in the same night.
    ("notes.docx", _bytes(b"PK\x03\x04 a word document"), "unsupported_type", "a type we do not read"),
    ("big.txt", _bytes(b"x " * (6 * 1024 * 1024)), "too_large", "12 MiB: over the article limit, not read"),
    ("outside.txt", _link_out, "outside_inbox", "a link out of the inbox: not followed"),
    ("zz-copy.txt", _bytes(SEED.read_bytes()), "duplicate", "the seed's bytes again, listed after it"),
    (
        "spanish.txt",
        _bytes("El presidente ruso criticó a la OTAN y advirtió a Ucrania el martes por la noche.".encode()),
        "non_english",
        "kept and flagged, not tagged",
    ),
]
# Inputs that land as articles although they have a reject row too.
LANDS_WITH_REJECT = {"deep.jsonl": 1, "spanish.txt": 1}


@pytest.fixture(scope="module")
def night(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory, seed_bytes: bytes
) -> Iterator[tuple[Path, float]]:
    from flows.nightly import nightly

    inbox = tmp_path_factory.mktemp("hostile-inbox")
    (inbox / "good.txt").write_bytes(seed_bytes)
    for name, make, _, _ in HOSTILE:
        make(inbox / name)
    sock = socket.socket(socket.AF_UNIX)  # a socket in the inbox: never opened either
    sock.bind(str(inbox / "s.sock"))
    warehouse = tmp_path_factory.mktemp("hostile-warehouse")
    try:
        start = time.perf_counter()
        nightly(inbox=inbox, warehouse=warehouse, run_date=date.fromisoformat(RUN_DATE))
        yield warehouse, time.perf_counter() - start
    finally:
        sock.close()


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse / "stancewire.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("name", "make", "reason", "why"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_each_hostile_input_has_its_outcome(
    night: tuple[Path, float], name: str, make: object, reason: str | None, why: str
) -> None:
    warehouse, _ = night
    reasons = [r for (r,) in query(warehouse, f"select reason from rejects where source_path = '{name}'")]
    landed = query(warehouse, f"select count(*) from articles where source_path = '{name}'")[0][0]
    if reason is None:
        assert reasons == [] and landed >= 1, why
    else:
        assert reason in reasons, why
        assert landed == LANDS_WITH_REJECT.get(name, 0), why


def test_the_good_article_lands_with_its_stances(night: tuple[Path, float]) -> None:
    warehouse, _ = night
    (n,) = query(
        warehouse,
        "select count(*) from stances s join articles a using (article_id) where a.source_path = 'good.txt'",
    )[0]
    assert n > 0


def test_the_socket_is_a_reject_too(night: tuple[Path, float]) -> None:
    assert query(night[0], "select reason from rejects where source_path = 's.sock'") == [("not_a_file",)]


def test_decoded_articles_record_their_encoding(night: tuple[Path, float]) -> None:
    rows = dict(query(night[0], "select source_path, encoding from articles"))
    assert rows["windows16.txt"] == "utf-16-le" and rows["windows1252.txt"] == "cp1252"
    assert rows["good.txt"] == "utf-8"
    (text,) = query(night[0], "select raw_text from articles where source_path = 'windows1252.txt'")[0]
    assert text == NEWS


def test_the_run_on_article_is_tagged_in_bounded_pieces(night: tuple[Path, float]) -> None:
    warehouse, seconds = night
    longest, n_cut, n = query(
        warehouse,
        "select max(length(s.text)), count(*) filter (where s.cut_at_limit), count(*) "
        "from sentences s join articles a using (article_id) where a.source_path = 'runon.txt'",
    )[0]
    assert longest <= 2000 and n_cut == n > 100
    assert (
        query(
            warehouse,
            "select count(*) from stances s join articles a using (article_id) where a.source_path = 'runon.txt'",
        )[0][0]
        > 0
    )
    # A stall guard, not a speed test: before, this inbox did not finish in 10 minutes.
    assert seconds < 300
