"""Stopping a run cleanly: SIGTERM or SIGINT ends ``stancewire run``/``backfill`` within seconds.

What systemd and Prefect send to stop a run is SIGTERM; a person at a terminal sends SIGINT.
Either way the run's temporary Prefect server and its stage workers end with it, its
warehouse lock is released, nothing of it is published (the warehouse publishes by one
atomic manifest rename at the very end), one line on stderr says so, and the exit status is
128 + the signal's number. ``StopOnSignal`` is the block the command runs in.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from flows.storage import Warehouse


class RunStopped(BaseException):
    """A stop signal (SIGTERM, SIGINT) received by a run, raised in the main thread.

    A ``BaseException``, as ``KeyboardInterrupt`` is: no ``except Exception`` of the flow, of
    Prefect's retries or of ``main`` takes it for a failure of the run.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# After a stop signal the run gets this long to unwind by itself (its `with warehouse.lock(...)`
# released, the flow run reported crashed to Prefect) before its exit is forced: a task thread busy
# with a stage or a validation cannot be interrupted, and Prefect's task runner waits for it.
UNWIND_SECONDS = 4.0
# The temporary Prefect server and the stage workers get this long to end after SIGTERM, then SIGKILL.
CHILD_STOP_SECONDS = 3.0
_QUIT = b"\0"  # written to the wake-up pipe to end the watcher (signal numbers start at 1)


class StopOnSignal:
    """While a run or backfill runs in this block, SIGTERM and SIGINT stop it cleanly and at once.

    On the first stop signal the stage worker processes are terminated (a worker's job is not
    interruptible and the flow's pool would wait for it) and ``RunStopped`` is raised in the main
    thread, so the flow unwinds: its warehouse lock is released, nothing is published (the
    warehouse publishes by one atomic manifest rename at the very end; the next run's
    ``Warehouse.recover`` removes the staged files). The block's exit then stops Prefect's
    temporary server and every other process the run started, prints one line and ends the
    process with ``os._exit(128 + signal)``: Python's own exit would wait for Prefect's task
    threads and flush its logs to the stopped server. Should the unwinding take longer than
    ``UNWIND_SECONDS`` (a task thread still busy), a watcher thread does the same from there,
    releasing the lock itself (the exit would release it too, but leave its file behind).

    During a flow run Prefect replaces the SIGTERM handler with its own, which raises
    ``TerminationSignal`` and calls the previous handler (this one) only once the flow has
    unwound. So the signal is also watched through ``signal.set_wakeup_fd``: the C-level handler
    writes every caught signal's number to a pipe, whichever Python handler is installed, and the
    watcher thread reading it starts the stop on time.

    Outside the main thread (where Python cannot install signal handlers) the block does nothing.
    """

    def __init__(self, store: Warehouse, what: str = "run") -> None:
        self._store = store
        self._what = what
        self._active = False
        self._state = threading.RLock()  # reentrant: a second signal may interrupt the first handler
        self._finishing = threading.Lock()
        self.signum: int | None = None
        self._raised = False  # RunStopped raised in the main thread
        self._signalled_at = 0.0
        self._published_before: str | None = None
        self._handlers: dict[int, Any] = {}
        self._old_wakeup_fd = -1
        self._pipe = (-1, -1)
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._published_before = self._published_run()
        _start_quiet_resource_tracker()
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)  # set_wakeup_fd requires it; the watcher blocks on read_end
        self._pipe = (read_end, write_end)
        self._old_wakeup_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        self._handlers = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        self._watcher = threading.Thread(target=self._watch, name="stancewire-stop-watcher", daemon=True)
        self._watcher.start()
        self._active = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._active:
            return
        try:
            if self.signum is None:
                for signum, handler in self._handlers.items():
                    signal.signal(signum, handler)
                signal.set_wakeup_fd(self._old_wakeup_fd)
        except RunStopped:  # a stop signal landed while the handlers were put back
            pass
        if self.signum is not None:
            # Whatever ended the block (RunStopped, Prefect's TerminationSignal, a worker's
            # BrokenProcessPool, or the flow finishing just then), the run was asked to stop.
            self._finish(forced=False)
        os.write(self._pipe[1], _QUIT)
        if self._watcher is not None:
            self._watcher.join(timeout=1)
        for fd in self._pipe:
            os.close(fd)
        self._active = False

    def _published_run(self) -> str | None:
        """The run whose ``runs`` row readers see now (what a stop compares with its start)."""
        try:
            return Warehouse(self._store.root).published().run_id
        except Exception:  # a warehouse not made yet, or not readable: nothing published
            return None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        """The Python handler (main thread): start the stop, and unwind the run the first time.

        The watcher may have begun the stop already (it reads the same signal's byte, and can
        be quicker): the run is unwound all the same. Once it is unwinding, or the process is
        being ended, a further signal changes nothing.
        """
        self._begin(signum)
        if not self._raised and not self._finishing.locked():
            self._raised = True
            raise RunStopped(signum)

    def _begin(self, signum: int) -> bool:
        """Record the first stop signal and terminate the stage workers; False if already begun."""
        with self._state:
            if self.signum is not None:
                return False
            self.signum = signum
            self._signalled_at = time.monotonic()
        _stop_workers()  # the flow's pool would wait for their running jobs
        _quiet_console()
        return True

    def _watch(self) -> None:
        """The watcher thread: wait for a stop signal's byte, then force the exit if the main
        thread has not ended the process ``UNWIND_SECONDS`` after the signal."""
        while True:
            try:
                data = os.read(self._pipe[0], 64)
            except OSError:
                return
            if not data or _QUIT in data:
                return
            stops = [signum for signum in data if signum in STOP_SIGNALS]
            if stops:
                self._begin(stops[0])
                time.sleep(max(0.0, self._signalled_at + UNWIND_SECONDS - time.monotonic()))
                self._finish(forced=True)
                return

    def _finish(self, forced: bool) -> NoReturn:
        """Stop every process the run started, release the lock, say so on stderr, and exit."""
        if not self._finishing.acquire(blocking=False):
            while True:  # the other thread is finishing, and ends the process
                time.sleep(1)
        signum = self.signum if self.signum is not None else signal.SIGTERM
        _stop_processes(CHILD_STOP_SECONDS)
        # Forced, the flow's `with warehouse.lock(...)` has not unwound; otherwise it has, and
        # this process holds no lock any more (nothing to do).
        self._store.write_lock.release_own()
        published = self._published_run() != self._published_before
        outcome = (
            "its output had been published before the signal" if published else "nothing of it was published"
        )
        if self._what == "backfill":
            outcome = "the run dates it rebuilt stay published; run it again to resume"
        name = signal.Signals(signum).name
        print(f"stancewire: {self._what} stopped by {name}; {outcome}", file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed or broken stream
                stream.flush()
        os._exit(128 + signum)


# The resource tracker's warning about the semaphores of stage workers a stop signal ended: it
# cleans them up itself, and the warning would come after the one line a stop prints.
TRACKER_WARNING = "ignore:resource_tracker:UserWarning"


def _start_quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, before any worker pool, with its leak
    warning ignored. The tracker is a process of its own that outlives a stopped run by a
    moment: after the stop's last line it would print "There appear to be N leaked semaphore
    objects to clean up at shutdown" for the workers' semaphores it then removes. Its warning
    filters are the ``-W`` options it is started with, taken from ``sys.warnoptions``."""
    from multiprocessing import resource_tracker

    saved = list(sys.warnoptions)
    sys.warnoptions.append(TRACKER_WARNING)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions[:] = saved


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _prefect_server_processes() -> list[Any]:
    """The ``Popen`` of each temporary Prefect server this process started (Prefect 3's
    ``SubprocessASGIServer``, started by the first API call when no ``PREFECT_API_URL`` is set)."""
    module = sys.modules.get("prefect.server.api.server")  # not imported: no server was started
    registry = getattr(getattr(module, "SubprocessASGIServer", None), "_instances", {})
    return [s.server_process for s in list(registry.values()) if getattr(s, "server_process", None)]


def _quiet_console() -> None:
    """Silence the log lines to the terminal from now on. What Prefect logs after a stop signal
    are its consequences (tasks crashed by it, the worker pool it broke, with tracebacks): the
    one line ``StopOnSignal`` prints says it all. Logs to Prefect's API are kept."""
    import logging

    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                handler.setLevel(logging.CRITICAL + 1)


def _stop_workers() -> None:
    """SIGTERM the stage worker processes (the processes multiprocessing started for this one: the
    embedded Dask cluster's workers); this process reaps them."""
    import multiprocessing

    for process in multiprocessing.active_children():
        with contextlib.suppress(OSError, ValueError):  # ended meanwhile
            process.terminate()


def _stop_processes(timeout: float) -> None:
    """Stop every process below this one, the deepest first (a stage worker before the fork
    server that reaps it, so none is left a zombie for init): SIGTERM, up to ``timeout`` in all
    to end, then SIGKILL. Prefect's temporary server is stopped as its own ``stop()`` does it
    (terminate, wait, kill), and reaped through its ``Popen``.

    Multiprocessing's resource tracker is left alone: it ignores SIGTERM and, once every process
    holding its pipe is gone, removes the semaphores they leaked and exits by itself."""
    from multiprocessing import resource_tracker

    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
    servers = _prefect_server_processes()
    levels = [[pid for pid in level if pid != tracker] for level in _process_levels(os.getpid())]
    deadline = time.monotonic() + timeout
    for level in reversed(levels):
        _signal_all(level, signal.SIGTERM)
        while (left := _running(level, servers)) and time.monotonic() < deadline:
            time.sleep(0.02)
        if left:
            _signal_all(left, signal.SIGKILL)
            kill_deadline = time.monotonic() + 1
            while _running(left, servers) and time.monotonic() < kill_deadline:
                time.sleep(0.02)


def _process_levels(root: int) -> list[list[int]]:
    """The processes below ``root`` by depth: its children, their children, ... (zombies included:
    they still need their parent to reap them). Read from /proc (Linux); elsewhere, only the
    children multiprocessing and Prefect started."""
    if not os.path.isdir("/proc/self"):
        import multiprocessing

        pids = [p.pid for p in multiprocessing.active_children() if p.pid]
        return [pids + [p.pid for p in _prefect_server_processes()]]
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent = _parent_pid(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    levels: list[list[int]] = []
    level = children.get(root, [])
    while level:
        levels.append(level)
        level = [child for pid in level for child in children.get(pid, [])]
    return levels


def _parent_pid(pid: int) -> int | None:
    """The parent of a process, from /proc/<pid>/stat; None once it is gone (reaped)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # "pid (command) state ppid ...": the command may hold spaces and parentheses.
    return int(stat.rsplit(b")", 1)[-1].split()[1])


def _signal_all(pids: Sequence[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already
            os.kill(pid, signum)


def _pid_alive(pid: int) -> bool:
    """Whether a process with that pid exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running(pids: Sequence[int], servers: Sequence[Any]) -> list[int]:
    """Those of ``pids`` not yet ended and reaped; reaps the ones that are this process's children."""
    for server in servers:
        server.poll()  # reaped through its Popen, which keeps its return code
    left = []
    for pid in pids:
        with contextlib.suppress(ChildProcessError):  # a grandchild, or reaped by its Popen
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                continue
        gone = _parent_pid(pid) is None if os.path.isdir("/proc/self") else not _pid_alive(pid)
        if not gone:
            left.append(pid)
    return left
