"""accord: validate, check, build and query Frictionless data packages on DuckDB."""

__version__ = "0.1.0"
