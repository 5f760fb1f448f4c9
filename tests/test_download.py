"""accord download: a release served over real HTTP, verified before it is moved into place.

Tampered files, cut connections, resumption with Range, and paths that would escape the target.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
import zipfile

import duckdb
import pytest

from conftest import ENGINE, ROOT, copy_package, run_accord, run_accord_process
from release_helpers import ReleaseServer, tree_bytes

from accord.download import download_package
from accord.errors import DownloadError, PackageError, UsageError
from accord.release import release_package

FAST = {"backoff": 0.01}  # retry without the CLI's real waits


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """Our package, with its expectation suites, released into dist/accord-<version>/."""
    root = tmp_path_factory.mktemp("release")
    return release_package(copy_package(root / "package", checks=True), out=root / "dist", engine=ENGINE)


@pytest.fixture(scope="module")
def package_files(release):
    """What a download brings: the files the release's zip holds (the descriptor and every file it names)."""
    with zipfile.ZipFile(release.folder / f"{release.folder.name}.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def descriptor_url(server: ReleaseServer, release) -> str:
    return f"{server.url}/{release.folder.name}/datapackage.json"


def served_copy(release, tmp_path):
    """A copy of the release folder to serve (and tamper with) under tmp_path/www."""
    www = tmp_path / "www"
    shutil.copytree(release.folder, www / release.folder.name)
    return www / release.folder.name


def test_a_served_release_downloads_with_every_file_identical_and_verified(release, package_files, tmp_path):
    target = tmp_path / "got"
    with ReleaseServer(release.folder.parent) as server:
        result = download_package(descriptor_url(server, release), to=target)
    assert tree_bytes(target) == package_files
    assert sorted(f.path for f in result.files) == sorted(set(package_files) - {"datapackage.json"})
    assert all(f.verified for f in result.files) and result.notes == []
    assert (result.name, result.version) == ("accord", release.version)
    assert [p.name for p in tmp_path.iterdir()] == ["got"], "no staging folder left"


def test_cli_downloads_into_name_version_by_default(release, package_files, tmp_path):
    with ReleaseServer(release.folder.parent) as server:
        run = run_accord("download", descriptor_url(server, release), cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    files = len(package_files) - 1
    assert run.stdout.startswith(f"Downloaded accord {release.version} to accord-{release.version}: {files} files, ")
    assert run.stdout.endswith(f"{files} verified by size and hash\n")
    assert run.stderr == ""  # no progress bars without a terminal
    assert tree_bytes(tmp_path / f"accord-{release.version}") == package_files


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda data: data.replace(b"Roman", b"Raman"), "tables/actors.csv: sha256 "),  # same size
        (lambda data: data + b"extra,row\n", "tables/actors.csv: "),  # another size
    ],
)
def test_a_tampered_file_exits_2_and_leaves_the_target_untouched(release, tmp_path, tamper, message):
    served = served_copy(release, tmp_path)
    actors = served / "tables" / "actors.csv"
    actors.write_bytes(tamper(actors.read_bytes()))
    target = tmp_path / "target"
    target.mkdir()
    (target / "datapackage.json").write_text('{"name": "sentinel", "resources": []}\n')  # an earlier download
    before = tree_bytes(target)
    with ReleaseServer(served.parent) as server:
        run = run_accord("download", descriptor_url(server, release), "--to", str(target))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"Error: {message}") and "the descriptor says" in run.stderr
    assert tree_bytes(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target", "www"], "the staging folder is removed"


def test_a_connection_cut_mid_file_is_retried_and_resumed_with_range(release, package_files, tmp_path):
    path = f"/{release.folder.name}/tables/statements.csv"
    size = len(package_files["tables/statements.csv"])
    with ReleaseServer(release.folder.parent) as server:
        server.state.cut_after[path] = size // 2
        download_package(descriptor_url(server, release), to=tmp_path / "got", **FAST)
    assert tree_bytes(tmp_path / "got") == package_files
    requests = [(r, s) for p, r, s in server.state.requests if p == path]
    assert requests == [(None, 200), (f"bytes={size // 2}-", 206)]
    assert server.state.bytes_sent[path] == size, "resumed: no byte was sent twice"


def test_a_server_without_range_restarts_the_file(release, package_files, tmp_path):
    path = f"/{release.folder.name}/tables/statements.csv"
    size = len(package_files["tables/statements.csv"])
    with ReleaseServer(release.folder.parent, ranges=False) as server:
        server.state.cut_after[path] = size // 2
        download_package(descriptor_url(server, release), to=tmp_path / "got", **FAST)
    assert tree_bytes(tmp_path / "got") == package_files
    assert [s for p, _, s in server.state.requests if p == path] == [200, 200]
    assert server.state.bytes_sent[path] == size // 2 + size


def test_an_interrupted_download_resumes_on_the_next_run(release, package_files, tmp_path):
    path = f"/{release.folder.name}/tables/statements.csv"
    size = len(package_files["tables/statements.csv"])
    target = tmp_path / "got"
    with ReleaseServer(release.folder.parent) as server:
        server.state.cut_after[path] = size // 3
        with pytest.raises(DownloadError, match="run again to resume"):
            download_package(descriptor_url(server, release), to=target, retries=0, **FAST)
        assert not target.exists()
        part = tmp_path / ".got.download" / "package" / "tables" / "statements.csv.part"
        assert part.stat().st_size == size // 3
        download_package(descriptor_url(server, release), to=target, **FAST)
    assert tree_bytes(target) == package_files
    assert server.state.bytes_sent[path] == size
    assert not (tmp_path / ".got.download").exists()


def test_progress_is_reported_per_file_up_to_its_size(release, package_files, tmp_path):
    seen: dict[str, tuple[int, int | None]] = {}
    with ReleaseServer(release.folder.parent) as server:
        download_package(
            descriptor_url(server, release), to=tmp_path / "got", progress=lambda name, *sizes: seen.update({name: sizes})
        )
    assert seen == {name: (len(data), len(data)) for name, data in package_files.items() if name != "datapackage.json"}


def test_the_release_zip_downloads_over_http_and_is_verified(release, package_files, tmp_path):
    with ReleaseServer(release.folder.parent) as server:
        result = download_package(f"{server.url}/{release.folder.name}/{release.folder.name}.zip", to=tmp_path / "got")
    assert tree_bytes(tmp_path / "got") == package_files
    assert all(f.verified for f in result.files)


def test_a_local_descriptor_or_zip_downloads_too(release, package_files, tmp_path):
    download_package(release.folder / "datapackage.json", to=tmp_path / "from-descriptor")
    download_package(release.folder / f"{release.folder.name}.zip", to=tmp_path / "from-zip")
    assert tree_bytes(tmp_path / "from-descriptor") == tree_bytes(tmp_path / "from-zip") == package_files


@pytest.mark.parametrize("entry", ["../evil", "/tmp/evil", "tables/../../evil", "tables\\..\\..\\evil"])
def test_a_zip_entry_that_escapes_the_target_is_refused_before_anything_is_written(release, tmp_path, entry):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(release.folder / f"{release.folder.name}.zip") as good, zipfile.ZipFile(archive, "w") as bad:
        for name in good.namelist():
            bad.writestr(name, good.read(name))
        bad.writestr(entry, b"pwned")
    run = run_accord("download", str(archive), "--to", str(tmp_path / "out" / "got"))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"Error: bad.zip: entry {entry!r} ") and "refused" in run.stderr
    assert not (tmp_path / "evil").exists() and not (tmp_path / "out" / "evil").exists()
    assert not (tmp_path / "out" / "got").exists()


def write_descriptor(served, path_of_actors: str) -> None:
    descriptor = json.loads((served / "datapackage.json").read_text(encoding="utf-8"))
    actors = next(r for r in descriptor["resources"] if r["name"] == "actors")
    actors["path"] = path_of_actors
    (served / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.mark.parametrize("path", ["../secret.csv", "/etc/passwd", "tables/../../secret.csv"])
def test_a_descriptor_path_that_escapes_the_target_is_refused(release, tmp_path, path):
    served = served_copy(release, tmp_path)
    write_descriptor(served, path)
    with ReleaseServer(served.parent) as server:
        with pytest.raises(PackageError, match="refused"):
            download_package(descriptor_url(server, release), to=tmp_path / "got")
    assert not (tmp_path / "got").exists()


def test_a_url_on_another_host_needs_trusted(release, package_files, tmp_path):
    served = served_copy(release, tmp_path)
    with ReleaseServer(served.parent) as server:
        # localhost is the same server under another host name
        other_host = server.url.replace("127.0.0.1", "localhost") + f"/{release.folder.name}/tables/actors.csv"
        write_descriptor(served, other_host)
        run = run_accord("download", descriptor_url(server, release), "--to", str(tmp_path / "got"))
        assert run.exit_code == 2 and "is on another host; refused (use --trusted to allow)" in run.stderr
        result = download_package(descriptor_url(server, release), to=tmp_path / "got", trusted=True)
    port = server.httpd.server_address[1]
    local = f"remote/localhost_{port}/{release.folder.name}/tables/actors.csv"
    assert local in [f.path for f in result.files]
    assert (tmp_path / "got" / local).read_bytes() == package_files["tables/actors.csv"]
    descriptor = json.loads((tmp_path / "got" / "datapackage.json").read_text(encoding="utf-8"))
    assert next(r for r in descriptor["resources"] if r["name"] == "actors")["path"] == local


def test_a_folder_that_is_not_a_download_is_never_replaced(release, tmp_path):
    target = tmp_path / "project"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="refusing to replace it"):
        download_package(release.folder / "datapackage.json", to=target)
    assert tree_bytes(target) == {"notes.txt": b"mine"}


def test_an_earlier_download_is_replaced(release, package_files, tmp_path):
    target = tmp_path / "got"
    download_package(release.folder / "datapackage.json", to=target)
    (target / "tables" / "actors.csv").write_bytes(b"edited locally")
    download_package(release.folder / "datapackage.json", to=target)
    assert tree_bytes(target) == package_files


def test_load_builds_the_downloaded_package_into_duckdb(release, tmp_path):
    database = tmp_path / "db" / "accord.duckdb"
    with ReleaseServer(release.folder.parent) as server:
        url = descriptor_url(server, release)
        run = run_accord("download", url, "--to", str(tmp_path / "got"), "--load", str(database), "--engine", ENGINE)
    assert run.exit_code == 0, run.stderr
    assert f"Loaded into {database}: sources (" in run.stdout
    with duckdb.connect(str(database), read_only=True) as con:
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in release.tables}
    assert counts == release.tables


def test_a_downloaded_release_passes_accord_check_on_its_own(release, tmp_path):
    with ReleaseServer(release.folder.parent) as server:
        download_package(descriptor_url(server, release), to=tmp_path / "got")
    assert sorted(p.name for p in (tmp_path / "got" / "checks").iterdir()) == sorted(
        p.name for p in (release.folder / "checks").iterdir())
    run = run_accord("check", str(tmp_path / "got"), "--format", "json")
    assert run.exit_code == 0, run.stdout[-2000:]
    rules = [t for t in json.loads(run.stdout)["tasks"] if t["kind"] == "expectation"]
    expected = sum(len(json.loads(p.read_text(encoding="utf-8"))["expectations"]) for p in (ROOT / "checks").glob("*.json"))
    assert len(rules) == expected and {t["status"] for t in rules} == {"passed"}


def test_diff_compares_a_served_release_with_a_local_copy(release, tmp_path):
    from release_helpers import edit_statements

    local = copy_package(tmp_path / "local")
    edits = edit_statements(local)
    with ReleaseServer(release.folder.parent) as server:
        run = run_accord("diff", descriptor_url(server, release), str(local))
        zipped = run_accord("diff", f"{server.url}/{release.folder.name}/{release.folder.name}.zip", str(local))
    assert run.exit_code == zipped.exit_code == 1, run.stderr
    assert run.stdout.startswith(f"{descriptor_url(server, release)} -> {local}\n")
    assert f"  added    statement_id={edits.added}\n" in run.stdout and f"  added    statement_id={edits.added}\n" in zipped.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["local"], "nothing downloaded is left behind"


def test_diff_refuses_a_scheme_it_cannot_fetch(tmp_path):
    run = run_accord("diff", "ftp://example.org/datapackage.json", str(tmp_path))
    assert run.exit_code == 2 and run.stderr == (
        "Error: ftp://example.org/datapackage.json: only http(s) URLs and local paths can be compared\n")


def test_load_builds_the_database_alone_beside_nothing_else(release, tmp_path):
    with ReleaseServer(release.folder.parent) as server:
        result = download_package(descriptor_url(server, release), to=tmp_path / "got", load=tmp_path / "db" / "x.duckdb")
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["x.duckdb"]  # no parquet/ folder
    with duckdb.connect(str(tmp_path / "db" / "x.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM statements").fetchone()[0] == release.tables["statements"]
    assert result.database.parquet_files == []


def test_a_second_download_fetches_only_the_files_that_changed(release, tmp_path):
    www = served_copy(release, tmp_path)
    with ReleaseServer(www.parent) as server:
        url = f"{server.url}/{www.name}/datapackage.json"
        first = download_package(url, to=tmp_path / "got")
        sent = dict(server.state.bytes_sent)
        # the publisher changes one file, and its entry in the descriptor with it
        readme = www / "README.md"
        readme.write_bytes(readme.read_bytes() + b"\nA correction.\n")
        descriptor = json.loads((www / "datapackage.json").read_text(encoding="utf-8"))
        entry = next(e for e in descriptor["accord:files"] if e["path"] == "README.md")
        entry["bytes"], entry["hash"] = readme.stat().st_size, "sha256:" + hashlib.sha256(readme.read_bytes()).hexdigest()
        (www / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        second = download_package(url, to=tmp_path / "got")
        again = {path for path, n in server.state.bytes_sent.items() if n - sent.get(path, 0)}
    assert not any(f.reused for f in first.files)
    assert {f.path for f in second.files if not f.reused} == {"README.md"}
    assert again == {f"/{www.name}/datapackage.json", f"/{www.name}/README.md"}
    assert (tmp_path / "got" / "README.md").read_bytes().endswith(b"A correction.\n")
    assert second.notes[0].startswith(f"{len(second.files) - 1} file(s) were unchanged since the last download")


class _EndlessHandler(http.server.BaseHTTPRequestHandler):
    """Serves a descriptor that declares a small file, then sends that file for ever (no length)."""

    descriptor = b""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()
        if self.path.endswith("datapackage.json"):
            self.wfile.write(self.descriptor)
            return
        try:
            for _ in range(100_000):  # 6.5 GB at most: the client must stop long before
                self.wfile.write(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass


def test_a_server_that_sends_more_than_the_descriptor_says_is_cut_off(tmp_path):
    """Untrusted servers cannot fill the disk: a file is read up to its declared bytes, no further."""
    descriptor = {"name": "endless", "resources": [{"name": "t", "path": "t.csv", "bytes": 1000}]}
    handler = type("Handler", (_EndlessHandler,), {"descriptor": json.dumps(descriptor).encode()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/datapackage.json"
        run = run_accord_process("download", url, "--to", tmp_path / "got", "--timeout", "60", timeout=120)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: t.csv: the server sent more than the 1000 bytes the descriptor says")
    assert not (tmp_path / "got").exists() and list(tmp_path.iterdir()) == []
