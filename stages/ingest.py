"""Ingest: raw inbox files (bytes) -> ``articles`` rows and ``rejects`` rows.

Pure: the caller reads the bytes (see ``flows.sources``) and passes them in.
Formats, chosen by file extension:

- ``.txt``: the whole file is one article;
- ``.jsonl``: one JSON object per line with ``text`` and optional ``title``,
  ``outlet``, ``published_at`` (ISO date or date-time), ``url``;
- ``.html`` / ``.htm``: the article body is extracted with trafilatura;
- any of these with ``.gz`` after it (``feed.jsonl.gz``) is decompressed first, never to
  more bytes than a plain file of its kind may have.

Text is UTF-8, or what ``stages.decode`` reads (a byte-order mark, else a detector); each
article records the encoding it was read with.

Anything that cannot become an article (empty, binary, undecodable, bad JSON line,
no text, unknown extension, an exact duplicate, a broken gzip file, an inbox entry that
is not a regular file) becomes a ``rejects`` row with a reason code and a human-readable
detail; the rest of the batch goes on.

An article in a language the tagger does not read is kept (its paragraphs and
sentences carry the language) and also listed in ``rejects`` as ``non_english`` by
``language_rejects``, once cleanup has identified its language, so a night's report
counts what was not stance-tagged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from stages.decode import (
    GZIP_SUFFIX,
    BadGzip,
    Binary,
    TooLarge,
    Undecodable,
    bom_encoding,
    decode_text,
    gunzip,
    is_gzip_name,
)
from stages.html_extract import ExtractedPage, extract_html
from stages.schemas import columns, frame

TEXT_EXTENSIONS = (".txt",)
JSONL_EXTENSIONS = (".jsonl",)
HTML_EXTENSIONS = (".html", ".htm")
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + JSONL_EXTENSIONS + HTML_EXTENSIONS

# Reason codes of the rejects table.
EMPTY = "empty"
BINARY = "binary"
UNDECODABLE = "undecodable"
BAD_JSON = "bad_json"
NO_TEXT = "no_text"
UNSUPPORTED = "unsupported_type"
DUPLICATE = "duplicate"
BAD_FIELD = "bad_field"
TOO_LARGE = "too_large"
OUTSIDE_INBOX = "outside_inbox"
UNREADABLE = "unreadable"
NON_ENGLISH = "non_english"
NOT_A_FILE = "not_a_file"
BAD_GZIP = "bad_gzip"
BAD_HTML = "bad_html"
# An article (a file, or one JSON line) larger than this is rejected, not parsed.
DEFAULT_MAX_ARTICLE_BYTES = 10 * 1024 * 1024
# A whole file (a JSON-lines feed, or what a .gz decompresses to) larger than this is rejected.
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class RawFile:
    """One file of the inbox: its path relative to the inbox and its bytes.

    ``problem`` is (reason, detail) when the source could not or would not read it
    (a path leading outside the inbox, an unreadable or oversized file); it becomes a reject.
    """

    rel_path: str
    data: bytes
    problem: tuple[str, str] | None = None


def article_id_of(data: bytes) -> str:
    """Deterministic id of an article: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(data).hexdigest()[:16]


class _Reject(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of one article's bytes, or a reject saying why there is no text."""
    if not data.strip():
        raise _Reject(EMPTY, "file is empty or holds only whitespace")
    try:
        text, encoding = decode_text(data)
    except Binary as err:
        raise _Reject(BINARY, str(err)) from None
    except Undecodable as err:
        raise _Reject(UNDECODABLE, str(err)) from None
    if not text.strip():
        raise _Reject(EMPTY, "file is empty or holds only whitespace")
    return text, encoding


def _parse_timestamp(value: Any, field: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Reject(BAD_FIELD, f"{field} must be an ISO date string, got {type(value).__name__}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise _Reject(BAD_FIELD, f"{field} is not an ISO date: {value[:40]!r}") from None
    if pd.isna(ts):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Reject(BAD_FIELD, f"field {key!r} must be a string, got {type(value).__name__}")
    return value.strip() or None


def _article(
    data: bytes,
    rel_path: str,
    line: int | None,
    fmt: str,
    text: str,
    encoding: str,
    *,
    title: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    published_at: pd.Timestamp | None = None,
) -> dict[str, Any]:
    return {
        "article_id": article_id_of(data),
        "source_path": rel_path,
        "source_line": line,
        "format": fmt,
        "outlet": outlet,
        "title": title,
        "url": url,
        "published_at": published_at,
        "raw_text": text,
        "encoding": encoding,
    }


def _reject(rel_path: str, line: int | None, reason: str, detail: str) -> dict[str, Any]:
    return {"source_path": rel_path, "source_line": line, "reason": reason, "detail": detail}


def _too_large(size: int, limit: int) -> _Reject:
    return _Reject(TOO_LARGE, f"{size:,} bytes is over the {limit:,}-byte limit for one article")


def _json_lines(data: bytes) -> list[tuple[int, bytes, tuple[str, str] | None]]:
    """``(line number, the line's bytes, (its text, codec) or None)`` of a JSON-lines file's
    non-blank lines. A file with a UTF-16/32 byte-order mark is decoded whole (a reject when it
    is not valid in its encoding) and cut into lines: its bytes are not split at ``\n`` bytes.
    Any other is cut at ``\n`` bytes, and each line (None) is decoded on its own, so one line in
    another encoding costs that line only."""
    marked = bom_encoding(data)
    if marked is not None and not marked[0].startswith("utf-8"):
        text, codec = _decode(data)
        return [
            (number, line.rstrip("\r").encode(codec), (line, codec))
            for number, line in enumerate(text.split("\n"), start=1)
            if line.strip()
        ]
    return [(number, line, None) for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()]


def _jsonl_rows(raw: RawFile, data: bytes, max_bytes: int) -> Iterable[dict[str, Any]]:
    """Yield article rows and reject rows (reject rows have a ``reason`` key)."""
    try:
        if not data.strip():
            raise _Reject(EMPTY, "file is empty or holds only whitespace")
        lines = _json_lines(data)
    except _Reject as rej:
        yield _reject(raw.rel_path, None, rej.reason, rej.detail)
        return
    for number, line_bytes, decoded in lines:
        try:
            if len(line_bytes) > max_bytes:
                raise _too_large(len(line_bytes), max_bytes)
            line, encoding = decoded or _decode(line_bytes)
            obj = _parse_json(line)
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip():
                raise _Reject(NO_TEXT, "object has no non-empty string field 'text'")
            yield _article(
                line_bytes.rstrip(b"\r"),
                raw.rel_path,
                number,
                "jsonl",
                text,
                encoding,
                title=_optional_str(obj, "title"),
                outlet=_optional_str(obj, "outlet"),
                url=_optional_str(obj, "url"),
                published_at=_parse_timestamp(obj.get("published_at", obj.get("date")), "published_at"),
            )
        except _Reject as rej:
            yield _reject(raw.rel_path, number, rej.reason, rej.detail)


def _parse_json(line: str) -> dict[str, Any]:
    """One JSON object, or a ``bad_json`` reject whatever went wrong: a syntax error, nesting too
    deep for the parser (``[[[[...]]]]``: RecursionError), an integer of too many digits."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise _Reject(BAD_JSON, f"line is not JSON: {err.msg} at column {err.colno}") from None
    except RecursionError:
        raise _Reject(BAD_JSON, "line is not JSON this parser can read: nested too deep") from None
    except ValueError as err:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise _Reject(BAD_JSON, f"line is not JSON this parser can read: {str(err)[:120]}") from None
    if not isinstance(obj, dict):
        raise _Reject(BAD_JSON, f"line is JSON {type(obj).__name__}, not an object")
    return obj


def _extension(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""


def size_limit(name: str, max_article_bytes: int, max_file_bytes: int) -> int:
    """The most bytes the file ``name`` may hold (a ``.gz``: may decompress to). A JSON-lines feed
    is bounded as a file, its lines each as an article; any other file is one article."""
    inner = name[: -len(GZIP_SUFFIX)] if is_gzip_name(name) else name
    return max_file_bytes if _extension(inner) in JSONL_EXTENSIONS else max_article_bytes


def _file_rows(
    raw: RawFile, html_extractor: Any, max_bytes: int, max_file_bytes: int
) -> Iterable[dict[str, Any]]:
    if raw.problem is not None:
        yield _reject(raw.rel_path, None, *raw.problem)
        return
    name, data = raw.rel_path, raw.data
    try:
        if is_gzip_name(name):
            limit = size_limit(name, max_bytes, max_file_bytes)
            name = name[: -len(GZIP_SUFFIX)]
            try:
                data = gunzip(data, limit)
            except TooLarge as err:
                raise _Reject(TOO_LARGE, f"gzip file {err}") from None
            except BadGzip as err:
                raise _Reject(BAD_GZIP, str(err)) from None
        ext = _extension(name)
        if ext in JSONL_EXTENSIONS:
            yield from _jsonl_rows(raw, data, max_bytes)
            return
        if len(data) > max_bytes:
            raise _too_large(len(data), max_bytes)
        if ext not in SUPPORTED_EXTENSIONS:
            raise _Reject(
                UNSUPPORTED,
                f"unsupported file type {ext or '(no extension)'!r}; expected one of "
                + ", ".join(SUPPORTED_EXTENSIONS)
                + " (or one of them with .gz after it)",
            )
        text, encoding = _decode(data)
        if ext in TEXT_EXTENSIONS:
            yield _article(data, raw.rel_path, None, "txt", text, encoding)
            return
        try:
            page: ExtractedPage = html_extractor(text)
        except Exception as err:  # a page the HTML parser chokes on costs that page only
            raise _Reject(
                BAD_HTML, f"the HTML could not be parsed: {type(err).__name__}: {err}"[:300]
            ) from None
        if not page.text.strip():
            raise _Reject(NO_TEXT, "no article text could be extracted from the HTML")
        yield _article(
            data,
            raw.rel_path,
            None,
            "html",
            page.text,
            encoding,
            title=page.title,
            outlet=page.outlet,
            url=page.url,
            published_at=_parse_timestamp(page.published_at, "published_at"),
        )
    except _Reject as rej:
        yield _reject(raw.rel_path, None, rej.reason, rej.detail)


def ingest(
    files: Sequence[RawFile],
    *,
    ingested_at: datetime,
    seen: dict[str, str] | None = None,
    html_extractor: Any = extract_html,
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn raw files into ``(articles, rejects)`` frames.

    Every reject carries the SHA-256 of its file's bytes (none when the file was not read).

    ``seen`` maps article ids already ingested in this run (earlier chunks) to where
    they came from; an article whose id is already there, or earlier in ``files``,
    becomes a ``duplicate`` reject instead of a second row. ``seen`` is not mutated;
    the caller adds the returned ids itself.
    """
    known: dict[str, str] = dict(seen or {})
    articles: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for raw in files:
        file_hash = file_sha256(raw)
        for row in _file_rows(raw, html_extractor, max_article_bytes, max_file_bytes):
            if "reason" in row:
                rejects.append({**row, "file_sha256": file_hash})
                continue
            where = raw.rel_path if row["source_line"] is None else f"{raw.rel_path}:{row['source_line']}"
            first = known.get(row["article_id"])
            if first is not None:
                duplicate = _reject(raw.rel_path, row["source_line"], DUPLICATE, f"same bytes as {first}")
                rejects.append({**duplicate, "file_sha256": file_hash})
                continue
            known[row["article_id"]] = where
            articles.append(row)
    ts = (
        pd.Timestamp(ingested_at).tz_convert("UTC")
        if ingested_at.tzinfo
        else pd.Timestamp(ingested_at, tz=UTC)
    )
    art = pd.DataFrame(articles, columns=[c for c in columns("articles") if c != "ingested_at"])
    art["published_at"] = pd.to_datetime(art["published_at"], utc=True)
    return frame("articles", art.assign(ingested_at=ts)), _rejects_frame(rejects)


def file_sha256(raw: RawFile) -> str | None:
    """The SHA-256 of a file's bytes, or None for a file the source did not read."""
    return hashlib.sha256(raw.data).hexdigest() if raw.problem is None else None


def file_ledger(files: Sequence[RawFile], articles: pd.DataFrame, rejects: pd.DataFrame) -> pd.DataFrame:
    """One row per file that was read: its hash, size and how many articles and rejects it gave.

    The ledger is what makes runs incremental: a file whose hash is in it is not processed again.
    """
    made = articles["source_path"].value_counts()
    refused = rejects["source_path"].value_counts()
    rows = [
        {
            "file_sha256": digest,
            "source_path": raw.rel_path,
            "size_bytes": len(raw.data),
            "n_articles": int(made.get(raw.rel_path, 0)),
            "n_rejects": int(refused.get(raw.rel_path, 0)),
        }
        for raw in files
        if (digest := file_sha256(raw)) is not None
    ]
    return frame("files", rows)


def language_rejects(
    articles: pd.DataFrame,
    paragraphs: pd.DataFrame,
    file_hashes: dict[str, str],
    tagged_language: str = "en",
) -> pd.DataFrame:
    """``rejects`` rows (reason ``non_english``) for the articles whose identified language is not
    ``tagged_language``: they stay in ``articles`` and ``paragraphs``, flagged, but are not tagged.

    ``paragraphs`` carries each article's ``language``; an article with no body text (language
    ``und``) is not listed. ``file_hashes`` maps ``source_path`` to the file's SHA-256.
    """
    languages = paragraphs.drop_duplicates("article_id").set_index("article_id")["language"]
    rows = []
    for article_id, path, line in zip(
        articles["article_id"], articles["source_path"], articles["source_line"], strict=True
    ):
        language = languages.get(article_id)
        if language is None or language in (tagged_language, "und"):
            continue
        rows.append(
            {
                "source_path": path,
                "source_line": None if pd.isna(line) else int(line),
                "reason": NON_ENGLISH,
                "detail": f"article {article_id} is in language '{language}': kept, flagged, not stance-tagged",
                "file_sha256": file_hashes.get(path),
            }
        )
    return _rejects_frame(rows)


def _rejects_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A ``rejects`` frame of reject rows (no quarantine path yet: the flow decides that)."""
    return frame("rejects", rows)
