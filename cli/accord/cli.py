"""The `accord` console script: a thin Typer layer over the library.

Each command lives in accord/commands/<name>.py and exposes `command`; heavy libraries
(frictionless, duckdb, great_expectations) are imported inside command bodies so that
`accord --help` stays fast. Library exceptions become one `Error: ...` line on stderr, exit 1 for
InvalidData (the data failed) and 2 for the rest (could not run); `--debug` shows the
traceback instead. Commands turn a report's status into an exit code (commands.options).

SIGINT and SIGTERM both interrupt the command as Ctrl-C does, so every temporary file is
removed on the way out and nothing already in place is replaced; the exit code is 128 + the
signal's number (130, 143). A second signal while cleaning up is ignored, so the cleanup finishes.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Iterator

import typer

from accord import __version__
from accord.errors import AccordError, InvalidData

COMMANDS = ("validate", "check", "suite", "build", "query", "info", "release", "download", "diff")

app = typer.Typer(
    name="accord",
    help="Validate, check, build and query Frictionless data packages on DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _version(value: bool) -> None:
    if value:
        typer.echo(f"accord {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Exit codes: 0 success, 1 the data failed validation or checks, 2 usage error or unreadable input."""


def _short_help(text: str | None) -> str:
    """A command's first sentence, whole: the command list must not cut it mid-word."""
    first = (text or "").strip().split("\n\n")[0]
    return " ".join(first.split())


def _register() -> None:
    for name in COMMANDS:
        module = importlib.import_module(f"accord.commands.{name}")
        sub = getattr(module, "app", None)
        if sub is not None:
            app.add_typer(sub, name=name, short_help=_short_help(sub.info.help),
                          context_settings={"help_option_names": ["-h", "--help"]})
        else:
            app.command(name, short_help=_short_help(module.command.__doc__),
                        context_settings={"help_option_names": ["-h", "--help"]})(module.command)


_register()


@contextlib.contextmanager
def _interruptible() -> Iterator[list[int]]:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt (DuckDB then stops its query too); yields the
    signals received. Signals ignored by the caller (nohup, a background job) stay ignored."""
    received: list[int] = []

    def interrupt(signum, frame):
        received.append(signum)
        if len(received) == 1:
            raise KeyboardInterrupt

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, interrupt)
        except ValueError:  # not the main thread: leave signals alone
            pass
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main() -> None:
    # Typer's standalone mode handles usage errors (exit 2) and typer.Exit; library
    # exceptions reach us here and become one line on stderr. --debug may come anywhere.
    arguments = sys.argv[1:]
    # options end at "--": after it, "--debug" is an argument (a SQL text, a file name)
    end = arguments.index("--") if "--" in arguments else len(arguments)
    debug = "--debug" in arguments[:end]
    arguments = [a for a in arguments[:end] if a != "--debug"] + arguments[end:]
    with _interruptible() as received:
        try:
            app(args=arguments, prog_name="accord")
        except BaseException as exc:
            if received:  # whatever the interrupted code raised on its way out; its cleanup has run
                typer.echo(f"Interrupted ({signal.Signals(received[0]).name}).", err=True)
                sys.stdout.flush()
                sys.stderr.flush()
                # Leave now: CPython remembers a KeyboardInterrupt raised inside DuckDB's C code and
                # would otherwise end the process by SIGINT on the way out, whatever the signal was.
                os._exit(128 + received[0])
            if isinstance(exc, SystemExit):
                raise
            if isinstance(exc, KeyboardInterrupt):
                typer.echo("Interrupted.", err=True)
                sys.exit(130)
            if debug:
                raise
            from accord.formats.terminal import printable  # a message may quote a package's data: keep it one safe line

            if isinstance(exc, AccordError):
                typer.echo(f"Error: {printable(str(exc))}", err=True)
                sys.exit(1 if isinstance(exc, InvalidData) else 2)
            typer.echo(
                f"Error: internal error: {type(exc).__name__}: {printable(str(exc))} "
                "(run with --debug for the traceback)",
                err=True,
            )
            sys.exit(2)
