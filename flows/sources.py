"""Where raw articles come from: a ``Source`` lists file names and reads their bytes.

``InboxSource`` is the real one (a folder on disk); ``SnapshotSource`` holds the
files in memory for tests (as Dagster's HNClient / HNSnapshotClient pair).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from stages.decode import is_gzip_name
from stages.ingest import (
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    NOT_A_FILE,
    OUTSIDE_INBOX,
    SUPPORTED_EXTENSIONS,
    TOO_LARGE,
    UNREADABLE,
    RawFile,
    size_limit,
)

# What a non-regular inbox entry is, for its reject's detail.
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class Source(Protocol):
    """A set of named raw files."""

    @property
    def location(self) -> str:
        """Where the files are, for the runs table and messages."""
        ...

    def list(self) -> list[str]:
        """Names of the files, sorted, relative to the source."""
        ...

    def read(self, name: str) -> RawFile:
        """The bytes of one listed file."""
        ...


class InboxSource:
    """Files under a folder, recursively; hidden files and folders (``.name``) are skipped.

    A path that leads outside the folder (a symlink, say) is not followed, an unreadable
    file is not fatal, and a file over the article size limit is not read into memory
    (JSON-lines files are, to be judged line by line, up to ``max_file_bytes``; a ``.gz`` is
    read as compressed bytes, and ingest bounds what it decompresses to). An entry that is
    not a regular file — a FIFO, a socket, a device, or a folder named like a file
    (``dir.txt``) — is never opened. Each comes back as a ``RawFile`` with a ``problem``,
    which ingest turns into a reject.
    """

    def __init__(
        self,
        root: Path,
        max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.root = root
        self.max_article_bytes = max_article_bytes
        self.max_file_bytes = max_file_bytes

    @property
    def location(self) -> str:
        return str(self.root)

    def list(self) -> list[str]:
        """Regular files and symlinks, and every other entry but a plain folder: FIFOs, sockets,
        devices and folders whose name has a supported extension (their files are listed too)."""
        names = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if path.is_symlink() or not path.is_dir() or _named_like_a_file(path.name):
                names.append(rel.as_posix())
        return sorted(names)

    def read(self, name: str) -> RawFile:
        path = self.root / name
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            return RawFile(
                name, b"", (OUTSIDE_INBOX, f"the path leads outside the inbox, to {resolved}; not followed")
            )
        try:
            info = resolved.stat()
            if not stat.S_ISREG(info.st_mode):
                return RawFile(name, b"", (NOT_A_FILE, f"{_kind(info.st_mode)}, not a file: not opened"))
            limit = size_limit(name, self.max_article_bytes, self.max_file_bytes)
            if info.st_size > limit:
                return RawFile(
                    name, b"", (TOO_LARGE, f"{info.st_size:,} bytes is over the {limit:,}-byte limit")
                )
            # O_NONBLOCK: an entry swapped for a FIFO since the stat above cannot block the open.
            fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return RawFile(name, b"", (NOT_A_FILE, "not a regular file when opened: not read"))
                data = handle.read(limit + 1)  # no more than the limit, even if the file grew since
            if len(data) > limit:
                return RawFile(name, b"", (TOO_LARGE, f"grew to over the {limit:,}-byte limit while read"))
            return RawFile(name, data)
        except OSError as err:
            return RawFile(name, b"", (UNREADABLE, f"cannot be read: {err.strerror or err}"))


def _named_like_a_file(name: str) -> bool:
    """A folder called ``dir.txt`` or ``feed.jsonl.gz``: someone meant a file."""
    return is_gzip_name(name) or name.lower().endswith(SUPPORTED_EXTENSIONS)


def _kind(mode: int) -> str:
    return next((label for test, label in _KINDS if test(mode)), "not a regular file")


class SnapshotSource:
    """Files held in memory: ``{name: bytes}``."""

    def __init__(self, files: Mapping[str, bytes], location: str = "snapshot") -> None:
        self._files = dict(files)
        self._location = location

    @property
    def location(self) -> str:
        return self._location

    def list(self) -> list[str]:
        return sorted(self._files)

    def read(self, name: str) -> RawFile:
        return RawFile(name, self._files[name])
