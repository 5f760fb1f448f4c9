"""The shape of the code: small modules, no import cycle, one catalogue of codes (and its docs),
one table of output formats that every --format option uses."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import typer
from accord import codes, formats
from accord.cli import app
from conftest import ROOT

PACKAGE = ROOT / "cli" / "accord"
MAX_LINES = 600


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every accord module this one imports, at its top or inside a function."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")  # a submodule
                elif base in known:
                    found.add(base)
    return found - {name}


def test_no_module_is_longer_than_600_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_import_cycle_in_the_package():
    found = modules()
    graph = {name: imports_of(name, path, set(found)) for name, path in found.items()}
    cycles = []

    def visit(node: str, trail: list[str], done: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in trail:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, trail + [nxt], done)
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name], done)
    assert cycles == []
    assert graph["accord.ddl"] and "accord.validate" in graph["accord.build"]  # the graph is read, not empty


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The finder itself: two modules importing each other."""
    (tmp_path / "a.py").write_text("import accord.b\n")
    (tmp_path / "b.py").write_text("from accord import a\n")
    known = {"accord.a", "accord.b"}
    assert imports_of("accord.a", tmp_path / "a.py", known) == {"accord.b"}
    assert imports_of("accord.b", tmp_path / "b.py", known) == {"accord.a"}


def test_docs_codes_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "codes.md").read_text(encoding="utf-8") == codes.markdown()


def test_every_code_frictionless_can_raise_is_in_the_catalogue():
    import frictionless.errors as frictionless_errors

    raised = {cls.type for _, cls in inspect.getmembers(frictionless_errors, inspect.isclass) if getattr(cls, "type", None)}
    assert raised - set(codes.CODES) == set()


def test_every_code_accord_writes_is_in_the_catalogue():
    written = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                written.add(node.value.value)
    assert written and written - set(codes.CODES) == set()


def test_unreadable_codes_mean_unreadable_reports():
    from accord.report import Error, Report

    for code, entry in codes.CODES.items():
        report = Report(errors=[Error(code=code, message="m")])
        assert report.status == ("unreadable" if entry.unreadable else "invalid"), code


def format_options() -> list[tuple[str, object]]:
    """(command, --format option) of every command and subcommand."""
    root = typer.main.get_command(app)
    found = []

    def walk(group, ctx, prefix):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            for param in command.params:
                if "--format" in getattr(param, "opts", []):
                    found.append((f"{prefix} {name}", param))
            if hasattr(command, "list_commands"):
                walk(command, command.make_context(name, [], parent=ctx, resilient_parsing=True), f"{prefix} {name}")

    walk(root, root.make_context("accord", [], resilient_parsing=True), "accord")
    return found


@pytest.mark.parametrize(("kind", "command"), [("report", "validate"), ("report", "check"), ("rows", "query"),
                                               ("info", "info"), ("diff", "diff")])
def test_every_format_option_takes_its_choices_from_the_table(kind, command):
    options = dict(format_options())
    option = options[f"accord {command}"]
    assert option.metavar == f"[{'|'.join(formats.names(kind))}]"
    assert len(options) == 5  # validate, check, query, info, diff


def test_an_unknown_format_has_one_message_everywhere(tmp_path):
    from conftest import run_accord

    for command in (["validate"], ["check"], ["query", "select 1"], ["info"], ["diff", "a", "b"]):
        run = run_accord(*command, "--format", "yaml", cwd=tmp_path)
        kind = {"query": "rows", "info": "info", "diff": "diff"}.get(command[0], "report")
        assert run.exit_code == 2
        assert run.stderr == f"Error: {formats.unknown_format(kind, 'yaml')}\n", command


def test_every_renderer_is_importable_with_the_shared_signature():
    for fmt in formats.FORMATS:
        function = formats.renderer(fmt.kind, fmt.name)
        assert list(inspect.signature(function).parameters)[1:] == ["color", "width"], fmt
