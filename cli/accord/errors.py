"""Exceptions mean "could not run"; bad data never raises, it becomes a Report entry.

Each class is one kind of failure with a one-line, actionable message. Which exit code each
one gives is the CLI's decision (accord.cli.EXIT_CODES), not the library's.
"""


class AccordError(Exception):
    """Base class: a one-line, actionable message; the CLI prints `Error: <message>`."""


class UsageError(AccordError):
    """The command was called wrongly (bad option value, missing argument)."""


class PackageError(AccordError):
    """The package or one of its files cannot be read (missing, not JSON, not a package, unsafe path)."""


class ChecksumMismatch(PackageError):
    """A downloaded file's size or hash differs from what its descriptor says."""


class DownloadError(AccordError):
    """A file could not be fetched: HTTP error, or the connection kept failing after retries."""


class DatabaseError(AccordError):
    """The built database is missing, unreadable or the query against it failed."""


class QueryRefused(AccordError):
    """The SQL tries to write, or to reach files or the network outside the database."""


class InvalidData(AccordError):
    """The data failed validation or checks where a command needs valid data (build, release)."""


class ChecksFailed(InvalidData):
    """The expectation suites failed where a command needs them to pass; the report says how."""

    def __init__(self, message: str, report):
        super().__init__(message)
        self.report = report


class MissingExtra(AccordError):
    """An optional part of accord is not installed (e.g. Great Expectations, the `check` extra)."""
