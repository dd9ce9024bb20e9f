"""The campaign report: a self-contained HTML page (inline SVG plots, no script, no CDN)."""
import html
import os

from common import format_duration, human

WIDTH, HEIGHT, PAD = 520, 180, 44


def svg_plot(title, points):
    """A line plot of (seconds, value) points with min/max labels on both axes."""
    if not points:
        return f"<p>{html.escape(title)}: no samples yet</p>"
    x_max = max(p[0] for p in points) or 1
    y_max = max(p[1] for p in points) or 1
    scale = lambda x, y: (PAD + x / x_max * (WIDTH - PAD - 10),
                          HEIGHT - 20 - y / y_max * (HEIGHT - 40))
    path = " ".join(f"{sx:.1f},{sy:.1f}" for sx, sy in (scale(x, y) for x, y in points))
    return (f'<figure><figcaption>{html.escape(title)}</figcaption>'
            f'<svg width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="{PAD}" y1="{HEIGHT - 20}" x2="{WIDTH - 10}" y2="{HEIGHT - 20}" stroke="#888"/>'
            f'<line x1="{PAD}" y1="20" x2="{PAD}" y2="{HEIGHT - 20}" stroke="#888"/>'
            f'<text x="2" y="24" font-size="11">{human(y_max)}</text>'
            f'<text x="2" y="{HEIGHT - 20}" font-size="11">0</text>'
            f'<text x="{WIDTH - 60}" y="{HEIGHT - 4}" font-size="11">{format_duration(x_max)}</text>'
            f'<polyline fill="none" stroke="#2a6fdb" stroke-width="2" points="{path}"/></svg></figure>')


def series(samples, field):
    return [(int(s["seconds"]), int(s[field])) for s in samples]


def failure_rows(failures, base):
    rows = []
    for f in failures:
        rows.append(
            "<tr>" + "".join(f"<td>{cell}</td>" for cell in (
                html.escape(f["id"]), html.escape(f["rule"]), f["count"],
                html.escape(" < ".join(f["stack"]) or "?"),
                f'<a href="{html.escape(os.path.relpath(f["minimized"], base))}">'
                f'{f["minimized_bytes"]} bytes</a>',
                f"<pre>{html.escape(f['trace'])}</pre>",
                f"<code>{html.escape(f['replay'])}</code>")) + "</tr>")
    return "\n".join(rows)


def write(path, title, summary, samples, failures, coverage_names):
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in summary)
    plots = "".join(svg_plot(t, series(samples, f)) for t, f in (
        ("executions", "execs"), (f"coverage ({coverage_names[0]})", "coverage"),
        (f"coverage ({coverage_names[1]})", "features"), ("corpus size", "corpus")))
    failures_html = (
        "<table><tr><th>id</th><th>rule broken</th><th>hits</th><th>stack</th><th>reproducer"
        "</th><th>op trace</th><th>replay</th></tr>" + failure_rows(failures, os.path.dirname(path)) + "</table>"
        if failures else "<p>No failures.</p>")
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
figure{{display:inline-block;margin:0 1em 1em 0}}pre{{margin:0;max-height:20em;overflow:auto}}</style>
</head><body><h1>{html.escape(title)}</h1><table>{rows}</table><h2>Over time</h2>{plots}
<h2>Distinct failures</h2>{failures_html}</body></html>
"""
    with open(path, "w") as f:
        f.write(page)
