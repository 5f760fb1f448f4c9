"""The watch over one command: its wall time and its process's resident memory.

A thread looks every WATCH_SECONDS; past a limit it records why (`tripped`) and sends the
process SIGALRM, whose handler raises LimitReached in the main thread: the command unwinds as it
does on Ctrl-C, removing its temporary files, and the CLI prints the one-line reason, exit 2.
DuckDB stops a running query on the signal (it reports "Query interrupted", so the CLI reads the
reason from `tripped`, not from the exception); code that turns exceptions into report entries
re-raises once `tripped` is set (raise_if_tripped), and a command that ends after the limit was
reached ends with it. One signal only: a second could interrupt the cleanup. If the command
has not ended GRACE_SECONDS later (stuck in code that never looks at signals), the process
writes the reason and exits 2 at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

from accord.limits import Limits, LimitReached, human_size

WATCH_SECONDS = 0.05
GRACE_SECONDS = 15.0

tripped: str | None = None


def resident_bytes() -> int:
    """The process's resident memory now (Linux), or its peak (elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def interrupt_queries() -> None:
    """Stop the queries DuckDB and Spark are running (only those imported: nothing to stop otherwise)."""
    if "duckdb" in sys.modules:
        from accord import sql

        sql.interrupt_all()
    if "accord.spark.session" in sys.modules:
        sys.modules["accord.spark.session"].cancel_all()


def raise_if_tripped() -> None:
    """Where code turns any exception into a report entry: a limit reached must end the command."""
    if tripped:
        raise LimitReached(tripped)


@contextlib.contextmanager
def guarded(limits: Limits) -> Iterator[None]:
    """Run the block under the limits' wall time and memory (main thread only; elsewhere, as is)."""
    global tripped
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    tripped = None
    done = threading.Event()

    def on_alarm(signum, frame):
        raise LimitReached(tripped or "a limit was reached")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()

    def watch() -> None:
        global tripped
        while not done.wait(WATCH_SECONDS):
            reason = breach(limits, time.monotonic() - started)
            if reason is not None:
                tripped = reason
                os.kill(os.getpid(), signal.SIGALRM)
                interrupt_queries()
                if not done.wait(GRACE_SECONDS):
                    os.write(2, f"Error: {tripped} (stopped without cleanup)\n".encode())
                    os._exit(2)
                return

    watcher = threading.Thread(target=watch, name="accord-guard", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        signal.signal(signal.SIGALRM, previous)
    raise_if_tripped()  # the exception was caught on the way (e.g. inside DuckDB) and the command went on


def breach(limits: Limits, elapsed: float) -> str | None:
    if limits.timeout is not None and elapsed > limits.timeout:
        return f"the command ran longer than its time limit of {limits.timeout:g} s (--timeout); stopped, nothing was written"
    resident = resident_bytes()
    if resident > limits.memory:
        return (f"the command used more memory than its limit of {human_size(limits.memory)} (--memory-limit; "
                f"{human_size(resident)} resident); stopped, nothing was written")
    return None
