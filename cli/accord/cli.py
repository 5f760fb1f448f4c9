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
import functools
import importlib
import inspect
import os
import signal
import sys
from collections.abc import Callable, Iterator

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


LIMIT_OPTIONS = {
    "timeout": typer.Option("1h", "--timeout", metavar="DURATION", rich_help_panel="Limits",
                            help="Stop past this wall time (90s, 15m, 2h; 0 for none)."),
    "memory_limit": typer.Option("half", "--memory-limit", metavar="SIZE", rich_help_panel="Limits",
                                 help="Stop past this resident memory (e.g. 4GB; default: half the machine's); "
                                      "DuckDB spills to disk before it."),
    "max_expanded": typer.Option("1GiB", "--max-expanded", metavar="SIZE", rich_help_panel="Limits",
                                 help="Largest size a compressed file may expand to."),
    "max_cell": typer.Option("64MiB", "--max-cell", metavar="SIZE", rich_help_panel="Limits",
                             help="Longest CSV line (so largest cell) read."),
    "pattern_timeout": typer.Option("0.5s", "--pattern-timeout", metavar="DURATION", rich_help_panel="Limits",
                                    help="Longest time one value may take against a pattern RE2 cannot run."),
}


def parse_limits(timeout: str, memory_limit: str, max_expanded: str, max_cell: str, pattern_timeout: str):
    """The limit options as a Limits; a bad value is a usage error naming the option."""
    from accord.limits import DEFAULTS, Limits, parse_seconds, parse_size

    def read(option: str, parse: Callable, text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from None

    memory = DEFAULTS.memory if memory_limit == "half" else read("--memory-limit", parse_size, memory_limit)
    pattern_seconds = read("--pattern-timeout", parse_seconds, pattern_timeout)
    sizes = {"--memory-limit": memory, "--max-expanded": read("--max-expanded", parse_size, max_expanded),
             "--max-cell": read("--max-cell", parse_size, max_cell)}
    for option, size in sizes.items():
        if size <= 0:
            raise typer.BadParameter("must be more than 0", param_hint=option)
    if pattern_seconds is None:
        raise typer.BadParameter("must be more than 0", param_hint="--pattern-timeout")
    return Limits(timeout=read("--timeout", parse_seconds, timeout), memory=memory, expanded=sizes["--max-expanded"],
                  cell=sizes["--max-cell"], pattern_seconds=pattern_seconds)


def with_limits(command: Callable) -> Callable:
    """The command with the limit options, run under them (accord.limits, accord.guard)."""

    @functools.wraps(command)
    def limited(*args, **kwargs):
        from accord import guard, limits

        previous = limits.current
        limits.set_current(parse_limits(**{name: kwargs.pop(name) for name in LIMIT_OPTIONS}))
        try:
            with guard.guarded(limits.current):
                return command(*args, **kwargs)
        except BaseException:
            if guard.tripped:  # whatever the interrupted code raised on its way out (DuckDB: "Query interrupted")
                raise limits.LimitReached(guard.tripped) from None
            raise
        finally:
            limits.set_current(previous)  # (commands run in one process, as the tests run them)

    signature = inspect.signature(command)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=str)
             for name, option in LIMIT_OPTIONS.items()]
    limited.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])
    return limited


def _register() -> None:
    settings = {"help_option_names": ["-h", "--help"]}
    for name in COMMANDS:
        module = importlib.import_module(f"accord.commands.{name}")
        sub = getattr(module, "app", None)
        if sub is not None:
            for info in sub.registered_commands:
                info.callback = with_limits(info.callback)
            app.add_typer(sub, name=name, short_help=_short_help(sub.info.help), context_settings=settings)
        else:
            app.command(name, short_help=_short_help(module.command.__doc__),
                        context_settings=settings)(with_limits(module.command))


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
