"""One self-contained HTML page: summary, a chart of passes and failures per table, the failures.

Everything is inline (CSS, JS, the data as JSON): the page opens from a CI artifact without
network access. The summary and the tables of failures and checks are written as HTML; the
chart is an SVG drawn by the inline script from the embedded data, and the script adds a
filter box over the failures.
"""

from __future__ import annotations

import json
import re
from html import escape

from accord.formats.reports import failures, table_summary
from accord.formats.terminal import short_values, shorten
from accord.report import Report

STYLE = """
:root { --ok: #1a7f37; --fail: #cf222e; --error: #8250df; --warn: #bf8700; --muted: #57606a;
        --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 0; padding: 24px 32px 48px; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600;
           font-size: 13px; vertical-align: middle; margin-left: 8px; }
.verdict.valid { background: var(--ok); } .verdict.invalid { background: var(--fail); }
.verdict.unreadable { background: var(--error); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 4px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 120px; background: #fff; }
.card b { display: block; font-size: 24px; }
.card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.passed b { color: var(--ok); } .card.failed b { color: var(--fail); }
.card.errored b { color: var(--error); } .card.warnings b { color: var(--warn); }
#chart { border: 1px solid var(--line); border-radius: 8px; padding: 12px; background: #fff; }
#chart svg { display: block; width: 100%; height: auto; }
.legend { display: flex; gap: 16px; color: var(--muted); font-size: 12px; margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td code, .values { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.values { color: var(--muted); word-break: break-word; }
.sev { font-weight: 600; font-size: 12px; text-transform: uppercase; }
.sev.error { color: var(--fail); } .sev.warning { color: var(--warn); }
.status { font-weight: 600; } .status.passed { color: var(--ok); } .status.failed { color: var(--fail); }
.status.error { color: var(--error); } .status.skipped { color: var(--muted); }
#filter { margin: 0 0 10px; padding: 6px 10px; width: 320px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.none { color: var(--ok); font-weight: 600; }
details summary { cursor: pointer; margin: 28px 0 10px; font-size: 17px; font-weight: 600; }
.notes { color: var(--muted); font-size: 12px; margin-top: 28px; }
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var rows = data.tables;
  var svgNS = 'http://www.w3.org/2000/svg';
  var labelWidth = 150, barWidth = 620, rowHeight = 30, top = 8;
  var max = Math.max.apply(null, rows.map(function (r) { return r.tasks; }).concat([1]));
  var svg = document.createElementNS(svgNS, 'svg');
  var height = top + rows.length * rowHeight + 8;
  svg.setAttribute('viewBox', '0 0 ' + (labelWidth + barWidth + 160) + ' ' + height);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Passed, failed and could-not-run checks per table');
  function el(name, attrs, text) {
    var node = document.createElementNS(svgNS, name);
    for (var key in attrs) { node.setAttribute(key, attrs[key]); }
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  var colors = { passed: '#1a7f37', failed: '#cf222e', errored: '#8250df', skipped: '#8c959f' };
  rows.forEach(function (row, i) {
    var y = top + i * rowHeight;
    el('text', { x: labelWidth - 10, y: y + 15, 'text-anchor': 'end', 'font-size': 13, fill: '#1f2328' }, row.table);
    var x = labelWidth;
    ['passed', 'failed', 'errored', 'skipped'].forEach(function (kind) {
      if (!row[kind]) { return; }
      var w = Math.max(2, barWidth * row[kind] / max);
      var rect = el('rect', { x: x, y: y + 2, width: w, height: 18, rx: 2, fill: colors[kind], 'class': 'bar ' + kind });
      var title = document.createElementNS(svgNS, 'title');
      title.textContent = row.table + ': ' + row[kind] + ' ' + (kind === 'errored' ? 'could not run' : kind);
      rect.appendChild(title);
      x += w;
    });
    var text = row.passed + ' passed';
    if (row.failed) { text += ', ' + row.failed + ' failed'; }
    if (row.errored) { text += ', ' + row.errored + ' could not run'; }
    if (row.skipped) { text += ', ' + row.skipped + ' skipped'; }
    if (row.warnings) { text += ', ' + row.warnings + ' warning' + (row.warnings > 1 ? 's' : ''); }
    el('text', { x: x + 8, y: y + 15, 'font-size': 12, fill: '#57606a' }, text);
  });
  document.getElementById('chart').insertBefore(svg, document.getElementById('chart').firstChild);

  var filter = document.getElementById('filter');
  if (filter) {
    filter.addEventListener('input', function () {
      var needle = filter.value.toLowerCase();
      var shown = 0;
      document.querySelectorAll('#failures tbody tr').forEach(function (tr) {
        var match = tr.textContent.toLowerCase().indexOf(needle) !== -1;
        tr.style.display = match ? '' : 'none';
        if (match) { shown += 1; }
      });
      document.getElementById('shown').textContent = shown;
    });
  }
})();
"""


def _cell(text, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape('' if text is None else str(text))}</td>"


def _field(error) -> str | None:
    """The field; for a foreign key (frictionless names no field for it), the key's fields."""
    if error.field or error.code != "foreign-key":
        return error.field
    found = re.search(r'for "([^"]+)"', error.message)
    return found.group(1) if found else None


def render_html(report: Report, color: bool = False, width: int | None = None) -> str:
    stats = report.stats
    name = report.package or "package"
    verdict = verdict_class = report.status
    summary = table_summary(report)
    data = json.dumps({"tables": summary}, ensure_ascii=False).replace("</", "<\\/")

    cards = "".join(
        f'<div class="card {key}"><b>{stats[key]}</b><span>{label}</span></div>'
        for key, label in (("tasks", "checks"), ("passed", "passed"), ("failed", "failed"),
                           ("errored", "could not run"), ("errors", "errors"), ("warnings", "warnings"))
    )
    listed = failures(report)
    if listed:
        rows = []
        for task_name, error in listed:
            values = short_values(error.values, limit=5, width=160) if error.values else ""
            rows.append(
                "<tr>"
                + f'<td><span class="sev {escape(error.severity)}">{escape(error.severity)}</span></td>'
                + f"<td><code>{escape(task_name or 'package')}</code><br><span class=\"values\">{escape(error.code)}</span></td>"
                + _cell(error.table)
                + _cell(error.row, "num")
                + _cell(_field(error))
                + _cell(error.count, "num")
                + f"<td>{escape(shorten(error.message))}"
                + (f'<div class="values">{escape(values)}</div>' if values else "")
                + "</td></tr>"
            )
        failures_html = (
            f'<input id="filter" type="search" placeholder="Filter failures" aria-label="Filter failures">'
            f' <span class="values"><span id="shown">{len(listed)}</span> of {len(listed)} shown</span>'
            '<table id="failures"><thead><tr><th>severity</th><th>check</th><th>table</th><th>row</th><th>field</th>'
            "<th>count</th><th>message and values</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    else:
        failures_html = '<p class="none">No failures and no warnings.</p>'

    checks = "".join(
        "<tr>"
        + f"<td><code>{escape(task.name)}</code></td>"
        + _cell(task.kind)
        + _cell(task.table)
        + f'<td><span class="status {escape(task.outcome)}">{escape(task.outcome)}</span></td>'
        + _cell(task.stats.get("severity", "error" if task.kind == "validation" else ""))
        + _cell(task.stats.get("description") or (f"{task.rows} rows read by {task.engine}" if task.rows is not None else ""))
        + _cell(len(task.errors), "num")
        + _cell("" if task.seconds is None else f"{task.seconds:.3f}", "num")
        + "</tr>"
        for task in report.tasks
    )
    context = " · ".join(escape(f"{label} {value}") for label, value in (
        ("version", report.context.get("version")), ("commit", report.context.get("commit")),
        ("generated", report.context.get("generated"))) if value)
    notes = "".join(f"<div>{escape(note)}</div>" for note in report.notes)
    errors_line = (
        f"{stats['tasks']} checks: {stats['passed']} passed, {stats['failed']} failed, "
        f"{stats['errored']} could not run; {stats['errors']} errors, {stats['warnings']} warnings"
    )
    legend = "".join(
        f'<span><i style="background:{color}"></i>{label}</span>'
        for color, label in (("#1a7f37", "passed"), ("#cf222e", "failed"), ("#8250df", "could not run"), ("#8c959f", "skipped"))
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>accord check: {escape(name)} is {escape(verdict)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(name)} <span class="verdict {verdict_class}" id="verdict">{escape(verdict)}</span></h1>
<div id="summary" class="values">{escape(errors_line)}</div>
<div id="context" class="values">{context}</div>
<div class="cards">{cards}</div>
<h2>Checks per table</h2>
<div id="chart"><div class="legend">{legend}</div></div>
<h2>Failures and warnings ({len(listed)})</h2>
{failures_html}
<details><summary>All checks ({len(report.tasks)})</summary>
<table id="checks"><thead><tr><th>check</th><th>kind</th><th>table</th><th>status</th><th>severity</th><th>what it checks</th><th>errors</th><th>seconds</th></tr></thead>
<tbody>{checks}</tbody></table></details>
<div class="notes">{notes}</div>
<script type="application/json" id="report-data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
