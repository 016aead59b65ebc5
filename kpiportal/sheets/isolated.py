"""Read a file in a forked child with CPU-time and memory limits, so no file can take down the process that asked.

The web worker, the Celery worker or the command forks; the child lowers its
own limits (`RLIMIT_CPU` to `IMPORT_READ_CPU_SECONDS`, `RLIMIT_AS` to its
size at the fork plus `IMPORT_READ_MEMORY_BYTES`, no core file), reads, and
sends the table or the refusal back through a pipe, then leaves with
`os._exit` (no clean-up: the database connection and files it shares with
the parent stay the parent's). The parent waits at most twice the CPU limit
(and five seconds) of wall-clock time, then kills the child. A child that runs
out of memory, is killed by a limit, crashes or sends nothing is a
`TableError` for the user (a crash is logged with its traceback), never a dead
parent. Forking a Django process costs a few milliseconds; where there is no
fork (Windows) the file is read in-process.
"""

import contextlib
import logging
import os
import pickle
import resource
import select
import signal
import time
import traceback

from kpiportal.sheets.limits import human_size, read_cpu_seconds, read_memory_bytes
from kpiportal.sheets.table import TableError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16


class ReadStopped(TableError):
    """The child ran out of time or memory, or crashed: about this attempt, so not to be remembered for the file."""


def run(function, *args, noun: str = "file"):
    """`function(*args)` in a limited child; its result or its `TableError` as if called here."""
    if not hasattr(os, "fork"):
        return function(*args)
    seconds, memory = read_cpu_seconds(), read_memory_bytes()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, seconds, memory, function, args)
    os.close(write_end)
    try:
        payload, timed_out = _collect(read_end, pid, deadline=time.monotonic() + 2 * seconds + 5)
    except BaseException:  # a worker's timeout or a signal while waiting: leave no child running or unreaped
        _kill(pid)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    outcome = _outcome(payload)
    if outcome is None:
        how = "took too long" if timed_out else _how(status)
        logger.warning("Reading an uploaded %s stopped: the child process %s", noun, how)
        raise ReadStopped(
            f"The {noun} could not be read within the portal's limits ({seconds} seconds of processing, "
            f"{human_size(memory)} of memory): it is far larger inside than it looks. Delete the rows, columns "
            "and sheets the import does not need, or save it as CSV, and upload it again"
        )
    kind, *rest = outcome
    if kind == "table":
        return rest[0]
    if kind == "refused":
        error_class, errors = rest
        raise error_class(errors=errors)
    logger.error("Reading an uploaded %s failed in the child process:\n%s", noun, rest[0])
    raise ReadStopped(f"The {noun} cannot be read: it may be damaged. Open it in Excel, save it and upload it again")


def _child(write_end: int, seconds: int, memory: int, function, args) -> None:
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # a library's abort message is not for the parent's log; the parent logs the outcome
        _lower(resource.RLIMIT_CORE, 0)
        _lower(resource.RLIMIT_CPU, seconds)  # soft = hard: the kernel kills the child at the limit
        space = _address_space()
        if space is not None:  # without /proc the size is unknown: the CPU limit and the sheet's bounds remain
            _lower(resource.RLIMIT_AS, space + memory)
        try:
            outcome = ("table", function(*args))
        except TableError as error:
            outcome = ("refused", type(error), error.errors)
        except MemoryError:
            outcome = None
        except BaseException:
            outcome = ("crashed", traceback.format_exc())
        if outcome is not None:
            view = memoryview(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))
            while view:
                view = view[os.write(write_end, view[:_CHUNK]) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _address_space() -> int | None:
    """The child's virtual size at the fork, from /proc (what RLIMIT_AS counts); None where there is no /proc."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return None


def _lower(limit: int, value: int) -> None:
    hard = resource.getrlimit(limit)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(limit, (value, value))


def _collect(read_end: int, pid: int, *, deadline: float) -> tuple[bytes, bool]:
    """Everything the child writes until it closes the pipe; the child is killed at the deadline."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([read_end], [], [], max(left, 0))
        if not ready:
            _kill(pid)
            return b"", True
        chunk = os.read(read_end, _CHUNK * 4)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just left
        os.kill(pid, signal.SIGKILL)


def _outcome(payload: bytes):
    if not payload:
        return None
    try:
        return pickle.loads(payload)  # noqa: S301 - written by our own child a moment ago
    except Exception:  # a child killed mid-write
        return None


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was stopped by signal {os.WTERMSIG(status)}"
    return f"ended with status {os.waitstatus_to_exitcode(status)} without an answer"
