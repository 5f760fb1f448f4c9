"""The CLI reference (docs/cli.md), generated from each command's --help so it cannot drift.

Regenerate with: python -m accord.clidoc > docs/cli.md
"""

from __future__ import annotations

import typer


def _help(command, name: str, parent=None) -> str:
    ctx = command.make_context(name, [], parent=parent, resilient_parsing=True, terminal_width=100, max_content_width=100)
    return command.get_help(ctx)


def reference() -> str:
    from accord.cli import app

    root = typer.main.get_command(app)
    root_ctx = root.make_context("accord", [], resilient_parsing=True, terminal_width=100, max_content_width=100)
    parts = ["# accord CLI reference", "", "Generated from `--help` by `python -m accord.clidoc`.", "",
             "```text", root.get_help(root_ctx), "```", ""]

    def walk(group, ctx, prefix):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            full = f"{prefix} {name}"
            parts.extend([f"## {full}", "", "```text", _help(command, name, ctx), "```", ""])
            if hasattr(command, "list_commands"):
                sub_ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
                walk(command, sub_ctx, full)

    walk(root, root_ctx, "accord")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
