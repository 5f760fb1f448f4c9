"""The one SparkSession of an accord process: local[*] unless told otherwise, quiet, in UTC.

Where Spark runs, in order: `--spark-master URL` (an `sc://` URL is Spark Connect); else
SPARK_REMOTE (Spark Connect, as PySpark reads it); else a master already in the Spark
configuration (spark-submit sets one); else `local[*]`. pyspark is imported here only, when the
Spark engine is asked for: no other command pays for it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import UsageError

_session: Any = None
_master: str | None = None  # what the command asked for (--spark-master), before the session starts
SHUFFLE_PARTITIONS = 8  # small packages: Spark's default of 200 tasks per shuffle costs seconds

# log4j2: errors only, on stderr, one line each; Spark's startup banner and WARN lines never reach
# an accord command's output
LOG4J2 = """\
rootLogger.level = off
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %m%n
"""


class SparkUnavailable(UsageError):
    """pyspark is not installed, or Spark could not start."""


def use_master(master: str | None) -> None:
    """Where the session will run (--spark-master); None keeps the default."""
    global _master
    _master = master or None


def running() -> bool:
    return _session is not None


def session() -> Any:
    """The process's SparkSession, started on first use."""
    global _session
    if _session is not None:
        return _session
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("the spark engine needs pyspark: pip install 'accord[spark]'") from exc
    from accord import limits

    remote = _master if _master and _master.startswith("sc://") else os.environ.get("SPARK_REMOTE") if not _master else None
    builder = SparkSession.builder.appName("accord")
    # a JVM of this process's own (local, or a remote of "local[...]": a Spark Connect server
    # PySpark starts) gets a scratch folder for its files and its log
    scratch = None if remote and not remote.startswith("local") else Path(tempfile.mkdtemp(prefix="accord-spark-"))
    if scratch:
        atexit.register(shutil.rmtree, scratch, True)
    if remote:
        builder = builder.remote(remote)
    else:
        (scratch / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        from pyspark import SparkConf

        if _master:
            builder = builder.master(_master)
        elif not SparkConf().contains("spark.master"):  # spark-submit sets the master itself
            builder = builder.master("local[*]")
        # the driver gets half of the command's memory limit (the JVM's heap, off the Python process)
        driver_memory = max(512, limits.current.memory // 2 // 1024**2)
        options = {
            "spark.driver.memory": f"{driver_memory}m",
            "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{scratch / 'log4j2.properties'}"
                                             " -Dlog4j.configurationFile=file:" + str(scratch / "log4j2.properties"),
            "spark.local.dir": str(scratch),
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.host": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
            "spark.driver.bindAddress": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        }
        for key, value in options.items():
            builder = builder.config(key, value)
        # Python workers (the suites' UDFs, accord.spark.functions) run this interpreter, not
        # whichever python3 is first on PATH (another version than the driver's is refused)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in SQL_OPTIONS.items():
        builder = builder.config(key, value)
    try:
        with _quiet(scratch / "spark.log" if scratch else None), _jvm_started_without_preexec():
            _session = builder.getOrCreate()
    except Exception as exc:  # no Java, a master that does not answer
        from accord.sql import first_line

        raise SparkUnavailable(f"Spark could not start: {first_line(exc)}") from exc
    for key, value in SQL_OPTIONS.items():  # a session that already existed (spark-submit, Connect) gets them too
        _session.conf.set(key, value)
    if not remote:
        _session.sparkContext.setLogLevel("OFF")
    import logging

    # PySpark logs every failed query (a rule that cannot run is a report entry, not a log line)
    for name in ("SQLQueryContextLogger", "pyspark", "py4j"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return _session


# The SQL semantics the compiled checks assume (the same as DuckDB's where it matters):
SQL_OPTIONS = {
    "spark.sql.session.timeZone": "UTC",  # timestamps are instants in UTC; a naive value reads as UTC
    "spark.sql.ansi.enabled": "false",  # a cast that fails is NULL (the SQL says TRY_CAST where it means it)
    "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.caseSensitive": "false",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
}


@contextlib.contextmanager
def _jvm_started_without_preexec() -> Iterator[None]:
    """PySpark starts the JVM with a preexec_fn that makes the child ignore SIGINT (Ctrl-C is for
    the driver). Python code run between fork and exec can leave that child waiting forever for a
    lock another thread of this process held at the fork (Python 3.11: in PyOS_AfterFork_Child,
    seen in a process with GX's, DuckDB's and Arrow's threads), and the driver waits for it with
    no end. The same effect without it: SIGINT is ignored here while the JVM is started (an
    ignored signal stays ignored across exec), then handled again; the child is started by vfork
    and exec, with no Python code between."""
    import pyspark.java_gateway as gateway

    if (threading.current_thread() is not threading.main_thread() or not hasattr(gateway, "Popen")
            or signal.getsignal(signal.SIGINT) is None):
        yield  # signals are set from the main thread only, a handler set outside Python cannot be put back
        return
    original = gateway.Popen

    def popen(command, **kwargs):
        kwargs.pop("preexec_fn", None)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return original(command, **kwargs)
        finally:
            signal.signal(signal.SIGINT, previous)

    gateway.Popen = popen
    try:
        yield
    finally:
        gateway.Popen = original


@contextlib.contextmanager
def _quiet(log: Path | None) -> Iterator[None]:
    """The JVM Spark starts inherits stdout and stderr: give it a log file instead (its own
    warnings, printed before any logging is set up, would otherwise end up in accord's output).
    Python's warnings about pandas versions are not for accord's users either."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if log is None:
            yield
            return
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.dup2(target, 1)
            os.dup2(target, 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, target):
                os.close(fd)


def cancel_all() -> None:
    """Stop the running Spark jobs (a command stopped at its time limit)."""
    if _session is not None:
        try:
            _session.sparkContext.cancelAllJobs()
        except Exception:  # Spark Connect has no SparkContext; its queries end with the process
            pass
