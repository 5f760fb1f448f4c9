"""Report formats: text, json, junit, github and html, on one Report with every kind of outcome."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


from accord.formats import render
from accord.formats.reports import MAX_LISTED
from accord.report import Error, Report, Task
from conftest import ENGINE, copy_package, run_accord, run_accord_process


def sample_report(extra_failures: int = 0) -> Report:
    """Validation and expectation tasks: passed, failed, could not run, a warning, a skipped one."""
    tasks = [
        Task(name="validate:memberships", kind="validation", table="memberships", engine="duckdb",
             rows=21, seconds=0.01, path="tables/memberships.csv"),
        Task(name="validate:statements", kind="validation", table="statements", engine="duckdb",
             path="tables/statements.csv",
             errors=[Error(code="type-error", table="statements", row=7, field="evidence_end",
                           message="tables/statements.csv: type is integer, got 'x'", values=["x"])]),
        Task(name="memberships/date-order", kind="expectation", table="memberships", suite="memberships",
             path="tables/memberships.csv",
             errors=[Error(code="expectation-failed", table="memberships", row=11, field="end_date", rule="date-order",
                           message="A relation ends on or after the day it starts. (1 of 21 values fail; row 11)",
                           values=[["2019-12-31", "2020-01-01"]], count=1)]),
        Task(name="memberships/row-count-ceiling", kind="expectation", table="memberships", suite="memberships",
             path="tables/memberships.csv",
             errors=[Error(code="expectation-failed", table="memberships", rule="row-count-ceiling", severity="warning",
                           message="The memberships table has at most 2000 rows, with 100% of a comma, here (observed 2021)",
                           values=[2021])]),
        Task(name="cross_table/probe", kind="expectation", table="statements", suite="cross_table", status="error",
             errors=[Error(code="expectation-error", table="statements", rule="probe",
                           message="could not evaluate cross_table/probe (Probe.): Catalog Error: Table with name nope does not exist!")]),
        Task(name="actors/skipped", kind="expectation", table="actors", suite="actors", status="skipped"),
        Task(name="actors/row-count-floor", kind="expectation", table="actors", suite="actors"),
    ]
    for i in range(extra_failures):
        tasks.append(Task(name=f"statements/rule-{i}", kind="expectation", table="statements", suite="statements",
                          errors=[Error(code="expectation-failed", table="statements", row=i + 2, rule=f"rule-{i}",
                                        message=f"Rule {i} fails.", values=[i], count=1)]))
    return Report(package="accord", tasks=tasks, notes=["validated with duckdb in 0.1 s"])


# --- text ---------------------------------------------------------------------------------------------


def test_text_has_a_summary_per_table_then_failures_with_location_and_values():
    text = render("report", "text", sample_report())
    assert "\x1b[" not in text  # no colour unless asked for
    lines = text.splitlines()
    assert lines[0] == "accord: INVALID"
    assert lines[1] == "  tasks 7: 3 passed, 2 failed, 1 could not run; 3 errors, 1 warnings"
    header = next(line for line in lines if line.startswith("table"))
    assert [c.strip() for c in header.split("|")] == ["table", "checks", "passed", "failed", "could not run", "warnings"]
    memberships = next(line for line in lines if line.startswith("memberships"))
    assert [c.strip() for c in memberships.split("|")] == ["memberships", "3", "2", "1", "0", "1"]
    assert "  [error] memberships/date-order: expectation-failed (memberships, row 11, field end_date)" in lines
    assert '      values: ["2019-12-31", "2020-01-01"]' in lines
    assert "  [error] validate:statements: type-error (statements, row 7, field evidence_end)" in lines
    # errors first, the warning last
    assert text.index("[error] cross_table/probe") < text.index("[warning] memberships/row-count-ceiling")
    assert "note: validated with duckdb in 0.1 s" in lines


def test_text_caps_the_failures_it_lists():
    text = render("report", "text", sample_report(extra_failures=MAX_LISTED + 7))
    listed = [line for line in text.splitlines() if line.startswith("  [")]
    assert len(listed) == MAX_LISTED
    assert "  ... and 11 more" in text.splitlines()  # 4 in the sample + MAX_LISTED + 7, less MAX_LISTED shown


def test_text_in_colour_for_a_terminal():
    assert "\x1b[" in render("report", "text", sample_report(), color=True)


# --- json ----------------------------------------------------------------------------------------------


def test_json_is_exactly_the_report_dict():
    report = sample_report()
    assert json.loads(render("report", "json", report)) == json.loads(json.dumps(report.to_dict()))


# --- junit ---------------------------------------------------------------------------------------------


def test_junit_one_suite_per_table_or_suite_one_case_per_task():
    report = sample_report()
    root = ET.fromstring(render("report", "junit", report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("7", "2", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"validate.memberships", "validate.statements", "check.memberships", "check.cross_table",
                           "check.actors"}
    assert suites["check.memberships"].get("failures") == "1"
    failure = root.find(".//testcase[@name='memberships/date-order']/failure")
    assert failure.get("type") == "expectation-failed" and "row 11" in failure.text and "2019-12-31" in failure.text
    error = root.find(".//testcase[@name='cross_table/probe']/error")
    assert error.get("type") == "expectation-error" and "does not exist" in error.get("message")
    assert root.find(".//testcase[@name='actors/skipped']/skipped") is not None
    warning = root.find(".//testcase[@name='memberships/row-count-ceiling']")
    assert warning.find("failure") is None and "[warning]" in warning.find("system-out").text


def test_junit_counts_package_level_errors():
    report = Report(package="p", errors=[Error(code="package-error", message="datapackage.json: not JSON")])
    root = ET.fromstring(render("report", "junit", report))
    assert (root.get("tests"), root.get("errors")) == ("1", "1")
    assert root.find("./testsuite[@name='package']/testcase/error").get("type") == "package-error"


# --- github --------------------------------------------------------------------------------------------


def test_github_one_workflow_command_per_failure():
    lines = render("report", "github", sample_report()).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 4  # three errors and one warning
    assert commands[0] == (
        "::error file=tables/statements.csv,line=7,title=validate%3Astatements%3A type-error::"
        "field evidence_end: tables/statements.csv: type is integer, got 'x' (values: \"x\")"
    )
    date_order = next(c for c in commands if "memberships/date-order" in c)
    assert date_order.startswith("::error file=tables/memberships.csv,line=11,title=memberships/date-order%3A expectation-failed::")
    warning = next(c for c in commands if c.startswith("::warning"))
    assert warning.startswith("::warning file=tables/memberships.csv,title=memberships/row-count-ceiling")  # no row: no line
    assert "with 100%25 of a comma, here" in warning  # data: % escaped, commas kept
    probe = next(c for c in commands if "cross_table/probe" in c)
    assert probe.startswith("::error title=cross_table/probe")  # no file known
    assert lines[-1].startswith("accord: accord is INVALID: 7 tasks")


def test_github_escapes_line_breaks():
    report = Report(package="p", tasks=[Task(name="t/r", kind="expectation", table="t", errors=[
        Error(code="expectation-failed", message="two\nlines\r", table="t")])])
    (command, _) = render("report", "github", report).splitlines()
    assert command == "::error title=t/r%3A expectation-failed::two%0Alines%0D"


# --- html ----------------------------------------------------------------------------------------------


def test_html_is_one_self_contained_page():
    page = render("report", "html", sample_report())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page), "the page must not load anything"
    assert "<script>" in page and "<style>" in page
    assert "Catalog Error: Table with name nope does not exist!" in page
    assert "&lt;" not in render("report", "html", Report(package="p"))  # nothing to escape in an empty report
    hostile = Report(package="<script>alert(1)</script>", tasks=[Task(
        name="x/y", kind="expectation", table="t", errors=[Error(code="expectation-failed", message="</script><b>", table="t")])])
    page = render("report", "html", hostile)
    assert "<script>alert(1)" not in page and "</script><b>" not in page


def chromium() -> str | None:
    for candidate in (os.environ.get("ACCORD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


def test_html_renders_in_headless_chromium(tmp_path):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must render the HTML report, but no Chromium was found (set ACCORD_CHROMIUM)")
        pytest.skip("no Chromium here (/usr/bin/chromium, ACCORD_CHROMIUM); CI installs it and runs this test")
    page = tmp_path / "report.html"
    page.write_text(render("report", "html", sample_report()), encoding="utf-8")
    dump = headless(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = dump.stdout
    # The summary, and a failure with its place; the chart exists only if the script ran.
    assert "7 checks: 3 passed, 2 failed, 1 could not run; 3 errors, 1 warnings" in dom
    assert "A relation ends on or after the day it starts." in dom and "end_date" in dom
    assert re.search(r"<svg[^>]*aria-label=\"Passed, failed and could-not-run checks per table\"", dom)
    assert len(re.findall(r'<rect[^>]*class="bar failed"', dom)) == 2  # memberships and statements
    assert len(re.findall(r'<rect[^>]*class="bar errored"', dom)) == 1
    shot = tmp_path / "report.png"
    taken = headless(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    if os.environ.get("ACCORD_KEEP_SCREENSHOT"):
        shutil.copy2(shot, os.environ["ACCORD_KEEP_SCREENSHOT"])


# --- the formats on the commands -----------------------------------------------------------------------


def test_the_ci_formats_are_imported_only_when_asked_for():
    probe = (
        "import sys\n"
        "from accord.formats import render\n"
        "from accord.report import Report\n"
        "render('report', 'json', Report(package='p')); render('report', 'text', Report(package='p'))\n"
        "before = 'accord.formats.junit' in sys.modules\n"
        "render('report', 'junit', Report(package='p'))\n"
        "print(before, 'accord.formats.junit' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_validate_renders_junit_too(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=False)
    run = run_accord("validate", str(descriptor), "--engine", ENGINE, "--format", "junit")
    assert run.exit_code == 0, run.stderr
    root = ET.fromstring(run.stdout)
    tables = len(json.loads(descriptor.read_text(encoding="utf-8"))["resources"])
    assert root.get("failures") == "0" and int(root.get("tests")) == tables


def test_an_unknown_format_is_a_usage_error_before_any_work(tmp_path):
    run = run_accord("check", str(tmp_path / "nope.json"), "--format", "yaml")
    assert run.exit_code == 2
    assert "unknown format 'yaml'; choose one of: text, json, junit, github, html" in run.stderr


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_validate_annotations_name_the_csv_file_and_line(tmp_path, engine):
    descriptor = copy_package(tmp_path / "package", checks=False)
    statements = descriptor.parent / "tables" / "statements.csv"
    lines = statements.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("evidence_start")] = "x"  # the quote columns of row 2 hold no commas
    lines[1] = ",".join(cells) + "\n"
    statements.write_text("".join(lines), encoding="utf-8")

    run = run_accord("validate", str(descriptor), "--engine", engine, "--format", "github")

    assert run.exit_code == 1, run.stderr
    assert "::error file=tables/statements.csv,line=2," in run.stdout


def test_ci_formats_stay_well_formed_and_short_whatever_a_cell_holds():
    hostile = "bad \x1b[31m cell \x07" + "x" * 20_000
    report = Report(package="p", tasks=[Task(name="validate:t", kind="validation", table="t", errors=[
        Error(code="type-error", table="t", row=2, field="f", message=hostile, values=["\x1b"])])])

    junit = render("report", "junit", report)
    ET.fromstring(junit)  # parses: no raw control characters
    assert "\\x1b" in junit
    for fmt in ("junit", "github", "html"):
        assert len(render("report", fmt, report)) < 15_000, fmt


def test_validation_and_expectation_annotations_name_the_same_repo_relative_file(tmp_path):
    """A package in a subfolder of the repository (the working folder in CI): every annotation
    names the table's file from the repository root, whichever step found the problem."""
    from check_helpers import Tables

    descriptor = copy_package(tmp_path / "data" / "accord", checks=True)
    tables = Tables(descriptor)
    tables.row("memberships", "kazakh-mfa-2023-10-07:kazakhstan-member-greco").update(start_date="2020-01-01", end_date="2019-12",
                                                                                      status="ended")
    tables.row("memberships", "kazakh-mfa-2023-10-07:kazakhstan-member-venice-commission")["status"] = "lost"  # not in the enum
    tables.save()

    run = run_accord("check", "data/accord", "--format", "github", cwd=tmp_path)

    assert run.exit_code == 1, run.stderr
    files = {line.split("file=")[1].split(",")[0] for line in run.stdout.splitlines() if "file=" in line}
    titles = [line for line in run.stdout.splitlines() if "file=" in line]
    assert any("validate%3Amemberships" in t for t in titles) and any("memberships/date-order" in t for t in titles), titles
    assert files == {"data/accord/tables/memberships.csv"}


# --- context, markdown, job summary ----------------------------------------------------------------


def test_html_shows_when_which_version_and_commit_and_what_each_passing_check_holds():
    report = sample_report()
    report.context = {"generated": "2026-11-30T01:02:03+00:00", "version": "0.3.1", "commit": "c0ffee" * 6 + "abcd"}
    report.tasks[-1].stats = {"severity": "warning", "description": "At least six people."}
    report.tasks[-1].seconds = 0.0421
    report.tasks.append(Task(name="validate:actors", kind="validation", table="actors", errors=[Error(
        code="foreign-key", table="actors", row=3, message='for "source_id": values not found in sources')]))
    page = render("report", "html", report)
    context = re.search(r'<div id="context" class="values">(.*?)</div>', page).group(1)
    assert context == f"version 0.3.1 · commit {'c0ffee' * 6 + 'abcd'} · generated 2026-11-30T01:02:03+00:00"
    row = re.search(r"<tr><td><code>actors/row-count-floor</code>.*?</tr>", page).group(0)
    assert "At least six people." in row and ">warning<" in row and ">0.042<" in row
    failure = re.search(r"<tr><td><span class=\"sev error\">error</span></td><td><code>validate:actors</code>.*?</tr>", page).group(0)
    assert "<td>source_id</td>" in failure


def test_markdown_report_has_the_verdict_a_table_per_table_and_the_failures():
    text = render("report", "markdown", sample_report())
    lines = text.splitlines()
    assert lines[0] == "### accord: accord is **invalid**"
    assert "| table | checks | passed | failed | could not run | warnings |" in lines
    assert any(line.startswith("| memberships | ") for line in lines)
    assert "| memberships | 3 | 2 | 1 | 0 | 1 |" in lines
    assert ("| error | `memberships/date-order` expectation-failed | memberships, row 11, field end_date | "
            "A relation ends on or after the day it starts. (1 of 21 values fail; row 11) |") in lines
    assert lines[-1].startswith("| warning | `memberships/row-count-ceiling` ")
    piped = Report(package="p|q", tasks=[Task(name="t/r", kind="expectation", table="t", errors=[
        Error(code="expectation-failed", table="t", message="a | b\nc")])])
    assert "### accord: p\\|q is **invalid**" in render("report", "markdown", piped)
    assert "| a \\| b c |" in render("report", "markdown", piped)


def test_a_github_job_summary_is_appended_when_the_runner_asks_for_one(tmp_path):
    descriptor = copy_package(tmp_path / "package")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    done = run_accord_process("validate", str(descriptor), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.exit_code == 0, done.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### accord: accord is **valid**\n")
    assert run_accord_process("validate", str(descriptor)).exit_code == 0  # without the variable: nothing to write


def git(folder: Path, *args: str) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=folder, env=environment, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_commit_is_read_from_git_files_without_running_git(tmp_path):
    from accord.fsutil import git_commit

    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    assert git_commit(repo / "data") is None  # no commit yet
    (repo / "data" / "a.csv").write_text("a\n1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    assert git_commit(repo / "data") == git(repo, "rev-parse", "HEAD")  # a loose ref
    git(repo, "pack-refs", "--all")
    assert git_commit(repo / "data") == git(repo, "rev-parse", "HEAD")  # a packed ref
    git(repo, "worktree", "add", "-q", str(tmp_path / "other"), "-b", "other")
    assert git_commit(tmp_path / "other" / "data") == git(tmp_path / "other", "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    assert git_commit(repo) == git(repo, "rev-parse", "HEAD")  # detached
    assert git_commit(tmp_path) is None
