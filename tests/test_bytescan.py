"""The byte scan before DuckDB reads a CSV: cut into chunks and scanned by worker processes,
it must give exactly the answer of one scan of the whole file."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accord.validate.bytescan import BOM, ScanRequest, ScanResult, chunk_bounds, scan_bytes, scan_files

PIECES = [b"a", b",", b" ", b'"', b"\n", b"\r\n", b"\r", b"x y", BOM]


def whole_file(path, skip_initial_space=False) -> ScanResult:
    request = ScanRequest(path, b",", b'"', skip_initial_space)
    return scan_bytes(path.read_bytes(), request, file_start=True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a,b\n1,2\n", ScanResult()),
        (b"a,b\r1,2\r\n", ScanResult(lone_carriage_return=True)),
        (b'a,b\n"x" ,2\n', ScanResult(spaces_beside_quotes=True)),
        (b'a,b\n1, "y"\n', ScanResult(spaces_beside_quotes=True)),
        (b'a,b\n"x y",2\n', ScanResult()),
        (b"a,b\n\n1,2\n", ScanResult(empty_line=True)),
        (BOM + b"\na,b\n", ScanResult(empty_line=True)),
        (BOM + b' "a",b\n', ScanResult(spaces_beside_quotes=True)),  # DuckDB drops the mark, then reads a quoted value
        (b"a,b\n1,2\r\n\r\n", ScanResult(empty_line=True)),
    ],
)
def test_each_finding(tmp_path, content, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert scan_files([ScanRequest(path, b",", b'"', False)]) == [expected]


def test_chunks_end_at_line_breaks_and_cover_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"ab\ncdef\n\ngh\nij")
    bounds = chunk_bounds(path, 2)
    assert bounds == [(0, 3), (3, 8), (8, 12), (12, 14)]
    assert all(path.read_bytes()[end - 1 : end] == b"\n" for _, end in bounds[:-1])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=40), chunk_size=st.integers(1, 12), skip=st.booleans())
def test_chunked_scan_equals_one_scan(tmp_path_factory, parts, chunk_size, skip):
    path = tmp_path_factory.mktemp("scan") / "t.csv"
    path.write_bytes(b"".join(parts))
    request = ScanRequest(path, b",", b'"', skip)
    (chunked,) = scan_files([request], chunk_size=chunk_size, workers=1)
    assert chunked == whole_file(path, skip)
    assert chunked.line_breaks == path.read_bytes().count(b"\n")  # the chunks' counts add up (build's memory)


def test_worker_processes_give_the_same_answers(tmp_path):
    """The parallel path, forced on small files: findings in late chunks and in one file only."""
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"a,b\n" + b'"x y",2\n' * 5000)
    empty_line_late = tmp_path / "empty.csv"
    empty_line_late.write_bytes(b"a,b\n" + b"1,2\n" * 5000 + b"\n3,4\n")
    spaces_late = tmp_path / "spaces.csv"
    spaces_late.write_bytes(b"a,b\n" + b"1,2\n" * 5000 + b'"x" ,2\n')
    requests = [ScanRequest(p, b",", b'"', False) for p in (clean, empty_line_late, spaces_late)]
    found = scan_files(requests, chunk_size=1000, workers=2, parallel_from=0)
    assert found == [ScanResult(), ScanResult(empty_line=True), ScanResult(spaces_beside_quotes=True)]
    assert found == [whole_file(p) for p in (clean, empty_line_late, spaces_late)]
    assert [f.line_breaks for f in found] == [p.read_bytes().count(b"\n") for p in (clean, empty_line_late, spaces_late)]


def spaces_beside_quotes_by_hand(data: bytes) -> bool:
    """The definition, position by position (delimiter ',', quote '"', no skipinitialspace), after
    the byte order mark that DuckDB drops."""
    data = data.removeprefix(BOM)
    for i, byte in enumerate(data):
        if byte != ord('"'):
            continue
        if i >= 1 and data[i - 1 : i] == b" " and (i == 1 or data[i - 2 : i - 1] in (b"\n", b",")):
            return True  # one space, then a quote, at the start of a field
        rest = data[i + 1 :]
        spaces = len(rest) - len(rest.lstrip(b" "))
        if spaces and rest[spaces : spaces + 1] in (b"", b"\r", b"\n", b","):
            return True  # spaces after a quote, up to the end of the field
    return False


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=30))
@example(parts=[b"a", b"\n", b" ", b'"', b"a"])
@example(parts=[b"a", b",", b" ", b'"', b"a"])
@example(parts=[b" ", b'"', b"a"])
@example(parts=[BOM, b" ", b'"', b"a"])
@example(parts=[b'"', b"a", b'"', b" ", b" ", b","])
@example(parts=[b'"', b"a", b'"', b" ", b"\r\n"])
@example(parts=[b'"', b"a", b'"', b" "])
@example(parts=[b"a", b" ", b'"', b"a", b" ", b"a"])
def test_spaces_beside_quotes_match_the_definition(tmp_path_factory, parts):
    path = tmp_path_factory.mktemp("scan") / "t.csv"
    path.write_bytes(b"".join(parts))
    assert whole_file(path).spaces_beside_quotes == spaces_beside_quotes_by_hand(b"".join(parts))
