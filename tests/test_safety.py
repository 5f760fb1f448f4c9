"""Nothing escapes: paths outside the package, queries that write or read files, hostile views, CSV formulas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_helpers import run_accord

FIELDS = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]


def _outside_package(root: Path) -> Path:
    """root/pkg/datapackage.json whose one resource is ../outside.csv."""
    (root / "outside.csv").write_text("id,name\n1,Ann\n2,Bob\n", encoding="utf-8")
    (root / "pkg").mkdir()
    resource = {"name": "people", "path": "../outside.csv", "format": "csv", "schema": {"fields": FIELDS}}
    descriptor = root / "pkg" / "datapackage.json"
    descriptor.write_text(json.dumps({"name": "escape", "resources": [resource]}), encoding="utf-8")
    return descriptor


@pytest.mark.parametrize("command", ["validate", "check", "build", "info"])
def test_with_trusted_a_path_outside_the_package_is_read(tmp_path, command):
    descriptor = _outside_package(tmp_path)
    done = run_accord(command, str(descriptor), "--trusted", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr
