"""The warehouse's single-writer lock: ``fcntl.flock`` on the file ``<warehouse>/.lock``.

A run holds the lock, an exclusive ``flock`` on an open descriptor of that file, from its
start to its end; a second writer gets ``WarehouseBusy`` at once. The kernel releases the lock
when the descriptor is closed, and so when its holder dies however it dies (SIGKILL, a power
cut of a local disk): a lock is never stale and nothing has to take one over.

The file holds its holder's owner, pid, host and start time, for the "warehouse busy" message
only; it is written after the lock is taken, so a contender never rewrites it. The holder
removes the file before it lets the lock go; a killed holder leaves it behind, unlocked, and
the next writer takes the lock and rewrites it.

``flock`` locks belong to an open file description: two ``WriteLock``\\ s of one process (each
opens the file itself) exclude each other as two processes do. The descriptor is not inherited
by the processes a run starts (Python opens files non-inheritable).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".lock"
# ``ensure_free`` holds the lock (shared) for a moment to see whether it is free: a writer that
# finds it taken looks again for this long before it gives up.
CONTENDED_SECONDS = 0.2
# What the message says of a holder whose details cannot be read (being written, or damaged).
UNKNOWN_HOLDER = {"owner": "unknown", "pid": -1, "host": "?", "since": "?"}


class WarehouseBusy(RuntimeError):
    """Another live run holds the warehouse's write lock."""


# The locks this process holds: lock file path -> its locked descriptor. A forced stop
# (``flows.stopping``) releases them from another thread, through another ``WriteLock``.
_held: dict[str, int] = {}
_held_guard = threading.Lock()


class WriteLock:
    """The single-writer lock of the warehouse folder ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def path(self) -> Path:
        return self.root / LOCK_FILE

    def holder(self) -> dict[str, object] | None:
        """Who holds the lock (its owner, pid, host and start time), or None when it is free."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            if _try_flock(fd, fcntl.LOCK_SH):
                return None
            return self._details()
        finally:
            os.close(fd)  # a shared lock taken to look goes with it

    def ensure_free(self) -> None:
        """Raise ``WarehouseBusy``, naming the holder, when a live run holds the lock."""
        holder = self.holder()
        if holder is not None:
            raise self._busy(holder)

    @contextmanager
    def hold(self, owner: str) -> Iterator[None]:
        """Hold the lock for the block; ``WarehouseBusy`` at once when another writer holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = self._acquire()
        key = str(self.path.resolve())
        try:
            os.ftruncate(fd, 0)
            record = {
                "owner": owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(),
            }
            os.write(fd, json.dumps(record).encode())
        except BaseException:
            os.close(fd)
            raise
        with _held_guard:
            _held[key] = fd
        try:
            yield
        finally:
            _release(key, fd)

    def release_own(self) -> None:
        """Let the lock go if this process holds it, as ``hold``'s own ``finally`` does: for an
        exit that skips that ``finally`` (a forced stop, ``flows.stopping``)."""
        key = str(self.path.resolve())
        with _held_guard:
            fd = _held.get(key)
        if fd is not None:
            _release(key, fd)

    def _acquire(self) -> int:
        """An open descriptor of the lock file holding its exclusive lock, or ``WarehouseBusy``."""
        deadline = time.monotonic() + CONTENDED_SECONDS
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: the holder's details stay
            if _try_flock(fd, fcntl.LOCK_EX):
                if _is_current(fd, self.path):
                    return fd
                os.close(fd)  # locked a file its last holder had just removed: open the new one
                continue
            os.close(fd)
            if time.monotonic() >= deadline:
                raise self._busy(self._details())
            time.sleep(0.01)

    def _details(self) -> dict[str, object]:
        try:
            details = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return dict(UNKNOWN_HOLDER)
        return details if isinstance(details, dict) else dict(UNKNOWN_HOLDER)

    def _busy(self, holder: dict[str, object]) -> WarehouseBusy:
        return WarehouseBusy(
            f"another run ({holder.get('owner')}, pid {holder.get('pid')} on {holder.get('host')}) "
            f"has been writing {self.root} since {holder.get('since')}; try again when it ends"
        )


def _try_flock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_current(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path`` (not one removed, or replaced, since it was opened)."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino)


def _release(key: str, fd: int) -> None:
    """Remove the lock file, then let the lock go (closing its descriptor); once only, whichever
    thread comes first."""
    with _held_guard:
        if _held.get(key) != fd:
            return
        del _held[key]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(key)
        os.close(fd)
