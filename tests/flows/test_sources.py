"""Inbox sources: what is listed, and what is not followed or not read."""

from __future__ import annotations

from pathlib import Path

from flows.sources import InboxSource, SnapshotSource


def test_inbox_lists_files_recursively_without_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text("{}")
    (tmp_path / ".hidden.txt").write_text("no")
    source = InboxSource(tmp_path)
    assert source.list() == ["a.txt", "sub/b.jsonl"]
    assert source.read("a.txt").data == b"A." and source.read("a.txt").problem is None


def test_paths_outside_the_inbox_are_not_followed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    (inbox / "link.txt").symlink_to(tmp_path / "secret.txt")
    (inbox / "dangling.txt").symlink_to(inbox / "gone.txt")
    source = InboxSource(inbox)
    assert source.list() == ["dangling.txt", "link.txt"]
    outside = source.read("link.txt")
    assert outside.data == b"" and outside.problem is not None and outside.problem[0] == "outside_inbox"
    dangling = source.read("dangling.txt")
    assert dangling.problem is not None and dangling.problem[0] == "unreadable"


def test_an_oversized_file_is_not_read_but_a_jsonl_file_is(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 50)
    (tmp_path / "big.jsonl").write_bytes(b"x" * 50)
    source = InboxSource(tmp_path, max_article_bytes=10)
    big = source.read("big.txt")
    assert big.data == b"" and big.problem is not None and big.problem[0] == "too_large"
    assert source.read("big.jsonl").data == b"x" * 50, "JSON lines are judged line by line by ingest"


def test_snapshot_source() -> None:
    source = SnapshotSource({"b.txt": b"B", "a.txt": b"A"})
    assert source.list() == ["a.txt", "b.txt"] and source.read("b.txt").data == b"B"
