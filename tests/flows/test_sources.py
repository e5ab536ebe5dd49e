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


def test_entries_that_are_not_regular_files_are_listed_never_opened(tmp_path: Path) -> None:
    import os
    import socket

    (tmp_path / "good.txt").write_text("A story.")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading would block the night
    (tmp_path / "dir.txt").mkdir()  # a folder named like a file
    (tmp_path / "dir.txt" / "inner.txt").write_text("Inside.")
    (tmp_path / "plain").mkdir()  # near-miss: an ordinary folder is no entry of its own
    (tmp_path / "plain" / "b.txt").write_text("B.")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.sock"))
    (tmp_path / "to_pipe.txt").symlink_to(tmp_path / "pipe.txt")
    try:
        source = InboxSource(tmp_path)
        names = source.list()
        assert names == [
            "dir.txt",
            "dir.txt/inner.txt",
            "good.txt",
            "pipe.txt",
            "plain/b.txt",
            "s.sock",
            "to_pipe.txt",
        ]
        problems = {name: source.read(name).problem for name in names}
    finally:
        sock.close()
    assert problems["good.txt"] is None and problems["dir.txt/inner.txt"] is None
    for name, kind in [
        ("pipe.txt", "FIFO"),
        ("to_pipe.txt", "FIFO"),
        ("dir.txt", "folder"),
        ("s.sock", "socket"),
    ]:
        problem = problems[name]
        assert problem is not None and problem[0] == "not_a_file" and kind in problem[1], name


def test_a_jsonl_feed_and_a_gz_have_their_own_limits(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "feed.jsonl").write_bytes(b"x" * 50)
    (tmp_path / "huge.jsonl").write_bytes(b"x" * 500)
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"y" * 5))
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(b"z" * 30))
    source = InboxSource(tmp_path, max_article_bytes=10, max_file_bytes=100)
    assert source.read("feed.jsonl").problem is None, "a feed is judged line by line, up to the file limit"
    huge = source.read("huge.jsonl")
    assert huge.problem is not None and huge.problem[0] == "too_large", "over the file limit: not read"
    assert source.read("a.txt.gz").problem is not None, "a .txt.gz over the article limit compressed"
    assert source.read("feed.jsonl.gz").problem is None, "a compressed feed: ingest bounds its expansion"
