"""The single-writer lock: one writer at a time (two in one process too), a one-line "busy"
message naming the holder, and a holder that dies, however it dies, leaves the lock free."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT
from flows.storage import Warehouse, WarehouseBusy
from flows.warehouse_lock import WriteLock

BUSY = (
    r"another run \({owner}, pid {pid} on {host}\) has been writing {root} since \S+; try again when it ends"
)


def busy(owner: str, pid: int | str, root: Path) -> str:
    return BUSY.format(owner=owner, pid=pid, host=socket.gethostname(), root=root)


def test_one_writer_at_a_time_and_the_lock_is_released_on_exit(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    with wh.lock("run-1"):
        holder = wh.write_lock.holder()
        assert holder is not None and holder["owner"] == "run-1" and holder["pid"] == os.getpid()
        with pytest.raises(WarehouseBusy, match=busy("run-1", os.getpid(), tmp_path)) as err:
            wh.ensure_free()
        assert "\n" not in str(err.value), "one line"
        with pytest.raises(WarehouseBusy, match=busy("run-1", os.getpid(), tmp_path)), wh.lock("run-2"):
            pass
    assert not Path(wh.write_lock.path).exists(), "released on exit"
    assert wh.write_lock.holder() is None
    wh.ensure_free()
    with wh.lock("run-3"):
        assert json.loads(Path(wh.write_lock.path).read_text())["owner"] == "run-3"


def test_two_warehouses_of_one_process_exclude_each_other(tmp_path: Path) -> None:
    first, second = Warehouse(tmp_path), Warehouse(tmp_path)
    with first.lock("first"):
        details = Path(first.write_lock.path).read_bytes()
        with pytest.raises(WarehouseBusy, match=busy("first", os.getpid(), tmp_path)), second.lock("second"):
            pass
        assert Path(first.write_lock.path).read_bytes() == details, (
            "a contender does not touch the holder's details"
        )
    second_holds = pytest.raises(WarehouseBusy, match=busy("second", os.getpid(), tmp_path))
    with second.lock("second"), second_holds, first.lock("first"):
        pass


def test_a_lock_file_nobody_holds_is_free_whatever_it_says(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path)
    left = {"owner": "crashed", "pid": os.getpid(), "host": socket.gethostname(), "since": "yesterday"}
    lock.path.write_text(json.dumps(left))
    assert lock.holder() is None, "only the kernel's lock counts, not the file"
    with lock.hold("next"):
        assert json.loads(lock.path.read_text())["owner"] == "next"


def test_a_holder_whose_details_cannot_be_read_is_still_a_holder(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path)
    with lock.hold("run-1"):
        lock.path.write_text("{not json")
        with pytest.raises(WarehouseBusy, match=r"another run \(unknown, pid -1 on \?\)"):
            WriteLock(tmp_path).ensure_free()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from flows.storage import Warehouse

    with Warehouse(Path(sys.argv[1])).lock("doomed"):
        print("ready", flush=True)
        time.sleep(600)
    """
)


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        with pytest.raises(WarehouseBusy, match=busy("doomed", process.pid, tmp_path)):
            Warehouse(tmp_path).ensure_free()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    lock = WriteLock(tmp_path)
    assert json.loads(lock.path.read_text())["pid"] == process.pid, "the file is left behind"
    assert lock.holder() is None, "but the kernel released the lock with its holder"
    with lock.hold("next"):
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert not lock.path.exists()


def test_release_own_lets_the_lock_go_once(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    other = Warehouse(tmp_path)
    other.write_lock.release_own()  # holds nothing: does nothing
    with wh.lock("run"):
        other.write_lock.release_own()  # a forced stop, through another Warehouse of the process
        assert not Path(wh.write_lock.path).exists() and wh.write_lock.holder() is None
        unrelated = open(os.devnull, "rb")  # noqa: SIM115 - may reuse the released descriptor's number
    with unrelated:
        os.fstat(unrelated.fileno())  # still open: the block's own release closed nothing else
