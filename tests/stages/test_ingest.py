"""Ingest: each format becomes articles, each kind of bad input becomes one reject with a reason."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime

import pandas as pd
import pytest

from stages.html_extract import ExtractedPage, extract_html
from stages.ingest import RawFile, article_id_of, ingest, language_rejects
from stages.schemas import columns

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def run(*files: RawFile, **kw):  # type: ignore[no-untyped-def]
    return ingest(list(files), ingested_at=NOW, **kw)


def jsonl(*objs: object) -> bytes:
    return b"\n".join(json.dumps(o).encode() for o in objs) + b"\n"


REJECT_CASES = [
    # (file name, bytes, expected reason, why the case exists)
    ("empty.txt", b"", "empty", "a zero-byte upload"),
    ("blank.txt", b"  \n\n\t \n", "empty", "only whitespace is no article either"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", "a binary file with a .txt name"),
    (
        "noise.txt",
        random.Random(7).randbytes(3000).replace(b"\x00", b"\x01"),
        "undecodable",
        "random bytes without NULs: no detector reads them",
    ),
    (
        "broken16.txt",
        b"\xff\xfe" + "\ud800".encode("utf-16-le", "surrogatepass"),
        "undecodable",
        "near-miss: a UTF-16 mark before bytes that are not UTF-16 (a lone surrogate)",
    ),
    ("binary16.txt", b"H\x00i\x00 \x00" * 4, "binary", "UTF-16 without a mark has NULs: binary, not guessed"),
    ("notes.docx", b"PK\x03\x04 word document", "unsupported_type", "an extension we do not read"),
    ("README", b"plain text, no extension", "unsupported_type", "no extension at all"),
    (
        "page.html",
        b"<html><body><script>var x = 1;</script></body></html>",
        "no_text",
        "HTML with no text in it",
    ),
]


@pytest.mark.parametrize(("name", "data", "reason", "why"), REJECT_CASES, ids=[c[0] for c in REJECT_CASES])
def test_bad_files_become_rejects_with_a_reason(name: str, data: bytes, reason: str, why: str) -> None:
    articles, rejects = run(RawFile(name, data))
    assert articles.empty, why
    assert rejects[["source_path", "reason"]].to_dict("records") == [{"source_path": name, "reason": reason}]
    assert rejects["detail"].iloc[0], "every reject says what is wrong"


def test_txt_article_keeps_raw_text_and_a_stable_id(seed_bytes: bytes) -> None:
    articles, rejects = run(RawFile("seed.txt", seed_bytes))
    assert rejects.empty
    row = articles.iloc[0]
    assert row["article_id"] == article_id_of(seed_bytes) == run(RawFile("x.txt", seed_bytes))[0].iloc[0, 0]
    assert row["raw_text"] == seed_bytes.decode("utf-8")
    assert row["format"] == "txt" and pd.isna(row["published_at"]) and pd.isna(row["source_line"])
    assert list(articles.columns) == columns("articles")


def test_utf8_bom_is_not_part_of_the_text() -> None:
    articles, _ = run(RawFile("bom.txt", "\ufeffHello world.".encode()))
    assert articles["raw_text"].iloc[0] == "Hello world."


def test_jsonl_lines_are_articles_and_bad_lines_rejects_without_losing_the_rest() -> None:
    data = (
        jsonl({"text": "First story.", "title": "One", "outlet": "AP", "published_at": "2022-09-30"})
        + b"{not json}\n"
        + jsonl(["a list"], {"title": "no text"}, {"text": "Dated.", "published_at": "yesterday-ish"})
        + b"\n"
        + jsonl({"text": "Last story.", "url": "https://example.org/x"})
    )
    articles, rejects = run(RawFile("feed.jsonl", data))
    assert list(articles["raw_text"]) == ["First story.", "Last story."]
    assert list(articles["source_line"]) == [1, 7]
    assert articles["published_at"].iloc[0] == pd.Timestamp("2022-09-30", tz="UTC")
    assert rejects[["source_line", "reason"]].to_dict("records") == [
        {"source_line": 2, "reason": "bad_json"},
        {"source_line": 3, "reason": "bad_json"},
        {"source_line": 4, "reason": "no_text"},
        {"source_line": 5, "reason": "bad_field"},
    ]


def test_duplicates_within_and_across_chunks_are_rejected_not_repeated() -> None:
    same = b"Same story, uploaded twice."
    articles, rejects = run(RawFile("a.txt", same), RawFile("b.txt", same))
    assert list(articles["source_path"]) == ["a.txt"]
    assert rejects[["source_path", "reason"]].to_dict("records") == [
        {"source_path": "b.txt", "reason": "duplicate"}
    ]
    seen = {article_id_of(same): "a.txt"}
    again, rej2 = run(RawFile("c.txt", same), seen=seen)
    assert again.empty and list(rej2["reason"]) == ["duplicate"]
    assert seen == {article_id_of(same): "a.txt"}, "the caller's registry is not mutated"


def test_html_goes_through_the_extractor_and_keeps_its_metadata() -> None:
    page = ExtractedPage("Body text of the story.", title="T", outlet="Site", published_at="2022-06-01")
    articles, _ = run(RawFile("p.html", b"<html>...</html>"), html_extractor=lambda html: page)
    row = articles.iloc[0]
    assert (row["raw_text"], row["title"], row["outlet"], row["format"]) == (
        "Body text of the story.",
        "T",
        "Site",
        "html",
    )
    assert row["published_at"] == pd.Timestamp("2022-06-01", tz="UTC")


def test_trafilatura_extracts_the_article_not_the_page_furniture() -> None:
    story = " ".join(["The minister said the talks in Geneva would continue next week."] * 4)
    html = (
        "<html><head><title>Talks go on</title></head><body><nav><a href='/'>Home</a> | <a href='/s'>Subscribe"
        f"</a></nav><article><h1>Talks go on</h1><p>{story}</p><p>{story}</p></article>"
        "<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"
    )
    page = extract_html(html)
    assert "talks in Geneva" in page.text
    assert "Subscribe" not in page.text and "All rights reserved" not in page.text


def test_html_body_drops_a_first_line_that_repeats_the_title_and_separates_paragraphs() -> None:
    first = "The minister said on Monday that the talks in Geneva would continue next week after a pause."
    second = "Officials from both delegations confirmed the date, but gave no details of the agenda."
    html = (
        "<html><head><title>Talks go on</title></head><body><article><h1>Talks go on</h1>"
        f"<p>{first}</p><p>{second}</p></article></body></html>"
    )
    page = extract_html(html)
    assert page.title == "Talks go on"
    assert page.text == f"{first}\n\n{second}"


def test_empty_batch_gives_empty_frames_with_the_declared_columns() -> None:
    articles, rejects = run()
    assert articles.empty and rejects.empty
    assert list(articles.columns) == columns("articles") and list(rejects.columns) == columns("rejects")


def test_an_article_over_the_size_limit_is_rejected_file_or_json_line() -> None:
    big = b"x" * 101
    articles, rejects = run(
        RawFile("big.txt", big),
        RawFile("feed.jsonl", jsonl({"text": "ok"}, {"text": "y" * 120})),
        max_article_bytes=100,
    )
    assert list(articles["raw_text"]) == ["ok"]
    assert rejects[["source_path", "reason"]].values.tolist() == [
        ["big.txt", "too_large"],
        ["feed.jsonl", "too_large"],
    ]
    assert pd.isna(rejects["source_line"].iloc[0]) and rejects["source_line"].iloc[1] == 2, (
        "the JSON line is named"
    )
    assert "over the 100-byte limit" in rejects["detail"].iloc[0]


def test_rejects_carry_the_files_hash_and_files_the_source_could_not_read() -> None:
    import hashlib

    articles, rejects = run(
        RawFile("empty.txt", b" "), RawFile("link.txt", b"", ("outside_inbox", "leads outside the inbox"))
    )
    assert articles.empty
    assert rejects[["source_path", "reason"]].values.tolist() == [
        ["empty.txt", "empty"],
        ["link.txt", "outside_inbox"],
    ]
    assert rejects["file_sha256"].iloc[0] == hashlib.sha256(b" ").hexdigest()
    assert pd.isna(rejects["file_sha256"].iloc[1]), "a file that was not read has no hash"


LANGUAGE_CASES = [
    # (article languages, expected rejected article ids, why)
    ({"a1": "en", "a2": "es"}, ["a2"], "a Spanish article is listed, the English one is not"),
    ({"a1": "und"}, [], "near-miss: no body text, so no language to object to"),
    ({"a1": "de", "a2": "fr"}, ["a1", "a2"], "every foreign article, one row each"),
    ({}, [], "empty chunk"),
]


@pytest.mark.parametrize(
    ("languages", "expected", "why"), LANGUAGE_CASES, ids=[c[-1] for c in LANGUAGE_CASES]
)
def test_language_rejects_list_articles_the_tagger_does_not_read(
    languages: dict[str, str], expected: list[str], why: str
) -> None:
    ids = list(languages)
    articles = pd.DataFrame(
        {
            "article_id": ids,
            "source_path": ["feed.jsonl"] * len(ids),
            "source_line": pd.array(range(1, len(ids) + 1), dtype="Int64"),
        }
    )
    # Two paragraphs per article, both carrying the article's language.
    paragraphs = pd.DataFrame(
        {
            "article_id": [i for i in ids for _ in range(2)],
            "language": [languages[i] for i in ids for _ in range(2)],
        }
    )
    before = articles.copy()
    rejects = language_rejects(articles, paragraphs, {"feed.jsonl": "ab" * 32})
    assert list(rejects.columns) == columns("rejects")
    assert [d.split()[1] for d in rejects["detail"]] == expected, why
    assert set(rejects["reason"]) <= {"non_english"}
    assert set(rejects["file_sha256"]) <= {"ab" * 32}
    pd.testing.assert_frame_equal(articles, before)  # the input is not modified


NEWS = (
    "The Kremlin said on Thursday that \u201cNATO\u2019s expansion\u201d threatens Russia \u2014 again. Café."
)
ENCODING_CASES = [
    # (bytes, expected text, expected encoding, why)
    (NEWS.encode("utf-8"), NEWS, "utf-8", "plain UTF-8"),
    (b"\xef\xbb\xbf" + NEWS.encode(), NEWS, "utf-8-sig", "UTF-8 with a mark (Notepad)"),
    (b"\xff\xfe" + NEWS.encode("utf-16-le"), NEWS, "utf-16-le", "UTF-16 LE with a mark (Windows tools)"),
    (b"\xfe\xff" + NEWS.encode("utf-16-be"), NEWS, "utf-16-be", "UTF-16 BE with a mark"),
    (
        b"\xff\xfe\x00\x00" + NEWS.encode("utf-32-le"),
        NEWS,
        "utf-32-le",
        "UTF-32 LE: its mark starts like UTF-16's",
    ),
    (b"\x00\x00\xfe\xff" + NEWS.encode("utf-32-be"), NEWS, "utf-32-be", "UTF-32 BE with a mark"),
    (NEWS.encode("cp1252"), NEWS, "cp1252", "Windows-1252: curly quotes and a dash in 0x80-0x9f"),
    (
        "Caf\u00e9 au lait".encode("latin-1"),
        "Caf\u00e9 au lait",
        "cp1252",
        "short Latin-1 reads the same as cp1252",
    ),
    (
        "Москва заявила, что НАТО угрожает безопасности России, сообщил МИД.".encode("cp1251"),
        "Москва заявила, что НАТО угрожает безопасности России, сообщил МИД.",
        "cp1251",
        "near-miss: Cyrillic is not misread as Windows-1252",
    ),
]


@pytest.mark.parametrize(
    ("data", "text", "encoding", "why"), ENCODING_CASES, ids=[c[-1] for c in ENCODING_CASES]
)
def test_readable_encodings_are_decoded_and_recorded(data: bytes, text: str, encoding: str, why: str) -> None:
    articles, rejects = run(RawFile("a.txt", data))
    assert rejects.empty, why
    assert articles[["raw_text", "encoding"]].values.tolist() == [[text, encoding]], why
    assert articles["article_id"].iloc[0] == article_id_of(data), "the id is of the file's own bytes"


def test_a_utf16_jsonl_feed_is_read_line_by_line() -> None:
    text = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in ("Première.", "Second.")) + "\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    articles, rejects = run(RawFile("feed.jsonl", data))
    assert rejects.empty
    assert articles[["raw_text", "encoding", "source_line"]].values.tolist() == [
        ["Première.", "utf-16-le", 1],
        ["Second.", "utf-16-le", 2],
    ]


def test_one_line_in_another_encoding_costs_no_other_line() -> None:
    data = (
        jsonl({"text": "UTF-8 line: café."})
        + json.dumps({"text": "cp1252: “quoted”"}, ensure_ascii=False).encode("cp1252")
        + b"\n"
    )
    articles, rejects = run(RawFile("feed.jsonl", data))
    assert rejects.empty
    assert articles[["raw_text", "encoding"]].values.tolist() == [
        ["UTF-8 line: café.", "utf-8"],
        ["cp1252: “quoted”", "cp1252"],
    ]


BAD_LINES = [
    # (line, why)
    (b"[" * 100_000 + b"]" * 100_000, "nested 100k deep: the parser's RecursionError"),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "objects nested too deep"),
    (
        b'{"text": "x", "n": ' + b"9" * 5000 + b"}",
        "an integer of 5,000 digits: ValueError, not JSONDecodeError",
    ),
    (b'{"text": "unterminated', "near-miss: a plain syntax error, as before"),
]


@pytest.mark.parametrize(("line", "why"), BAD_LINES, ids=[c[-1] for c in BAD_LINES])
def test_a_line_that_fails_to_parse_for_any_reason_is_a_bad_json_reject(line: bytes, why: str) -> None:
    data = jsonl({"text": "Before."}) + line + b"\n" + jsonl({"text": "After."})
    articles, rejects = run(RawFile("feed.jsonl", data))
    assert list(articles["raw_text"]) == ["Before.", "After."], why
    assert rejects[["source_line", "reason"]].values.tolist() == [[2, "bad_json"]], why


def test_gzip_files_of_every_format_are_read_transparently() -> None:
    page = ExtractedPage("Body of the page.", title="T")
    articles, rejects = run(
        RawFile("a.txt.gz", gzip.compress(b"Plain story.")),
        RawFile("feed.jsonl.gz", gzip.compress(jsonl({"text": "Line one."}, {"text": "Line two."}))),
        RawFile("p.html.gz", gzip.compress(b"<html>...</html>")),
        RawFile("two.txt.gz", gzip.compress(b"Two ") + gzip.compress(b"members.")),
        html_extractor=lambda html: page,
    )
    assert rejects.empty
    assert articles[["source_path", "format", "raw_text"]].values.tolist() == [
        ["a.txt.gz", "txt", "Plain story."],
        ["feed.jsonl.gz", "jsonl", "Line one."],
        ["feed.jsonl.gz", "jsonl", "Line two."],
        ["p.html.gz", "html", "Body of the page."],
        ["two.txt.gz", "txt", "Two members."],
    ]
    assert articles["article_id"].iloc[0] == article_id_of(b"Plain story."), (
        "the id is of the article's bytes"
    )


GZIP_REJECTS = [
    # (name, bytes, reason, why)
    ("bomb.txt.gz", gzip.compress(b"a" * 5_000), "too_large", "decompresses past the article limit: a bomb"),
    ("bomb.jsonl.gz", gzip.compress(b"\n" * 20_000), "too_large", "a feed past the file limit"),
    ("fake.txt.gz", b"plain text named .gz", "bad_gzip", "no gzip magic"),
    ("cut.txt.gz", gzip.compress(b"A story cut short. " * 50)[:-12], "bad_gzip", "truncated download"),
    ("notes.docx.gz", gzip.compress(b"PK"), "unsupported_type", "near-miss: gzip of a type we do not read"),
]


@pytest.mark.parametrize(("name", "data", "reason", "why"), GZIP_REJECTS, ids=[c[-1] for c in GZIP_REJECTS])
def test_broken_or_oversized_gzip_files_are_rejects(name: str, data: bytes, reason: str, why: str) -> None:
    articles, rejects = run(RawFile(name, data), max_article_bytes=1_000, max_file_bytes=10_000)
    assert articles.empty, why
    assert list(rejects["reason"]) == [reason], why


def test_an_html_page_the_extractor_cannot_parse_is_a_reject() -> None:
    def choke(html: str) -> ExtractedPage:
        raise ValueError("document is empty")

    articles, rejects = run(RawFile("p.html", b"<html>x</html>"), html_extractor=choke)
    assert articles.empty and list(rejects["reason"]) == ["bad_html"]
    assert "document is empty" in rejects["detail"].iloc[0]


def test_the_reason_codes_are_the_declared_ones() -> None:
    import re

    import stages.ingest
    from stages.schemas import DECLARATIONS
    from stages.tables import REJECT_REASONS

    codes = {
        value
        for name, value in vars(stages.ingest).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]*", value)
    }
    assert codes == set(REJECT_REASONS), "rejects.reason allows exactly the codes ingest and the flow write"
    reason = next(c for c in DECLARATIONS["rejects"].columns if c.name == "reason")
    assert reason.allowed == REJECT_REASONS
    positions = [reason.description.index(code) for code in REJECT_REASONS]
    assert positions == sorted(positions), "the description lists the codes in their declared order"
